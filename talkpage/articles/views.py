from django.shortcuts import get_object_or_404, render

from talkpage.articles.models import Article
from talkpage.discussion.pages import discussion_context
from talkpage.discussion.threads import BadCursor


def home(request):
    articles = Article.objects.explainers()
    return render(request, "articles/home.html", {"articles": articles})


def detail(request, slug: str):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    try:
        discussion = discussion_context(
            request,
            article,
            sort=request.GET.get("sort", ""),
            after=request.GET.get("after", ""),
        )
    except BadCursor:
        return render(
            request,
            "errors/400.html",
            {
                "message": "That page of comments does not exist. "
                "Start again from the first page."
            },
            status=400,
        )
    return render(request, "articles/detail.html", {"article": article, **discussion})
