"""What every page that shows a discussion or its form needs."""

import secrets

from django.http import HttpRequest

from talkpage.articles.models import Article
from talkpage.discussion.forms import CommentForm
from talkpage.discussion.threads import load_thread_page
from talkpage.discussion.viewers import Viewer


def fresh_submission_key() -> str:
    return secrets.token_urlsafe(16)


def with_submission_key(form: CommentForm) -> CommentForm:
    """A form carries a key; a re-shown form keeps the one it was sent with,
    so fixing an error and posting again is still one submission."""
    if not form.is_bound:
        form.initial.setdefault("submission_key", fresh_submission_key())
    return form


def discussion_context(
    request: HttpRequest, article: Article, *, sort: str, after: str, form: CommentForm
) -> dict:
    page = load_thread_page(article, sort=sort, after=after)
    return {
        "page": page,
        "viewer": Viewer.from_request(request),
        "form": with_submission_key(form),
    }
