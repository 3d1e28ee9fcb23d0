from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from talkpage.articles.models import Article, DiscussionStamp
from talkpage.discussion import cache
from talkpage.discussion.pages import asked_sort, discussion_context
from talkpage.discussion.threads import BadCursor
from talkpage.discussion.viewers import Viewer, is_nobody_in_particular


def home(request):
    articles = Article.objects.explainers()
    return render(request, "articles/home.html", {"articles": articles})


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    stamp = cache.stamp_for(request, slug)
    if stamp is None:
        raise Http404("No article here.")
    sort, after = asked_sort(request), request.GET.get("after", "")
    try:
        if is_nobody_in_particular(request) and _only_asks_for(request, sort, after):
            return shared_page(request, stamp, sort=sort, after=after)
        article = get_object_or_404(Article.objects.published(), pk=stamp.pk)
        viewer = Viewer.from_request(request)
        discussion = discussion_context(
            request, article, viewer=viewer, sort=sort, after=after
        )
    except BadCursor:
        return bad_cursor(request)
    response = render(
        request, "articles/detail.html", {"article": article, **discussion}
    )
    return cache.personal_headers(response)


def shared_page(
    request: HttpRequest, stamp: DiscussionStamp, *, sort: str, after: str
) -> HttpResponse:
    """The page as every reader without cookies sees it: rendered once per
    version of the discussion, then served from the cache with a fresh
    form token each time (a 304 if the reader's copy is current)."""

    def build() -> bytes:
        article = Article.objects.get(pk=stamp.pk)
        discussion = discussion_context(
            request,
            article,
            viewer=Viewer(),
            sort=sort,
            after=after,
            form_token=cache.FORM_TOKEN_SLOT,
        )
        return render(
            request, "articles/detail.html", {"article": article, **discussion}
        ).content

    return cache.shared_response(
        request, stamp, what="page", sort=sort, after=after, build=build
    )


def _only_asks_for(request: HttpRequest, sort: str, after: str) -> bool:
    """Whether the query string is exactly a page of the discussion: the
    shared page links back to itself, so it must not carry anything else a
    reader typed into the address."""
    asked = request.GET
    return set(asked) <= {"sort", "after"} and asked.get("sort", "") == sort


def bad_cursor(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "errors/400.html",
        {
            "message": "That page of comments does not exist. "
            "Start again from the first page."
        },
        status=400,
    )
