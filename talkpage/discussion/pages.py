"""What every page that shows a discussion or its form needs."""

from django.http import HttpRequest

from talkpage.articles.models import Article
from talkpage.discussion.forms import CommentForm
from talkpage.discussion.threads import load_thread_page
from talkpage.discussion.viewers import Viewer
from talkpage.moderation.models import Policy
from talkpage.moderation.services import policy_for


def discussion_context(
    request: HttpRequest, article: Article, *, sort: str, after: str
) -> dict:
    viewer = Viewer.from_request(request)
    page = load_thread_page(article, viewer=viewer, sort=sort, after=after)
    return {
        "page": page,
        "viewer": viewer,
        "form": CommentForm(article_id=article.pk),
        "policy": policy_for(article),
        "policy_choices": Policy.choices,
    }
