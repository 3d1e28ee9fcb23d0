"""What every page that shows a discussion or its form needs."""

from django.http import HttpRequest

from talkpage.articles.models import Article
from talkpage.discussion import cache
from talkpage.discussion.forms import CommentForm
from talkpage.discussion.threads import SORTS, ThreadPage, awaiting_of, load_thread_page
from talkpage.discussion.viewers import Viewer
from talkpage.moderation.models import Policy
from talkpage.moderation.services import policy_for


def asked_sort(request: HttpRequest) -> str:
    """The sort the reader asked for, or "" for the default."""
    sort = request.GET.get("sort", "")
    return sort if sort in SORTS else ""


def discussion_context(
    request: HttpRequest,
    article: Article,
    *,
    viewer: Viewer,
    sort: str,
    after: str,
    form_token: str = "",
) -> dict:
    """The discussion block of an article page. Moderators get it built
    from the database; everyone else gets the shared cached threads, with
    their own comments and votes laid over them. Raises BadCursor."""
    if viewer.is_moderator:
        page = load_thread_page(article, viewer=viewer, sort=sort, after=after)
        threads_html = ""
    else:
        rendered = cache.shared_threads(
            article, sort=sort, after=after, members=viewer.user_id is not None
        )
        overlay = cache.personalise(
            request, rendered, viewer=viewer, article=article, sort=sort, after=after
        )
        threads_html = overlay.html
        page = ThreadPage(
            threads=[],
            sort=sort or "oldest",
            next_cursor=None,
            is_first_page=rendered.is_first_page,
            awaiting=awaiting_of(article, viewer, shown=rendered.authors)
            if rendered.is_first_page
            else [],
            my_votes=overlay.votes,
        )
    return {
        "page": page,
        "threads_html": threads_html,
        "viewer": viewer,
        "form": CommentForm(article_id=article.pk),
        "form_token": form_token,
        "policy": policy_for(article),
        "policy_choices": Policy.choices,
    }
