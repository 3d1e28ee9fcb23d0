"""The JSON API, version 1: ``/api/v1/``, spec at ``/api/v1/openapi.json``.

It reads and writes through the same services as the HTML pages; nothing
here decides what a reader may see or do.
"""

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, ValidationError

from talkpage.api.schemas import (
    ArticleOut,
    CountsOut,
    Error,
    MeOut,
    ThreadOut,
)
from talkpage.articles.models import Article
from talkpage.discussion.threads import SORTS, BadCursor, Node, load_thread_page
from talkpage.discussion.viewers import Viewer
from talkpage.moderation.services import policy_for

MAX_COUNTED_ARTICLES = 100

api = NinjaAPI(
    title="Talkpage API",
    version="1",
    description=(
        "Read and write the discussions under Talkpage articles. Errors are "
        '`{"error": ..., "detail": ...}` with a matching HTTP status.'
    ),
    urls_namespace="api-v1",
)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(
        request, {"error": str(exc.message), "detail": None}, status=exc.status_code
    )


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError):
    return api.create_response(
        request,
        {"error": "The request is not valid.", "detail": exc.errors},
        status=400,
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(
        request, {"error": "Not found.", "detail": str(exc) or None}, status=404
    )


def comment_out(node: Node, viewer: Viewer) -> dict:
    comment = node.comment
    shown = node.readable and not comment.is_deleted
    return {
        "id": comment.pk,
        "url": f"{comment.get_absolute_url()}#{comment.anchor}",
        "author": {
            "name": comment.name_for(viewer) if shown else "",
            "anonymous": comment.is_anonymous,
        },
        "html": comment.body_html if shown else "",
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "status": comment.status if shown else "removed",
        "deleted": comment.is_deleted,
        "in_reply_to": comment.in_reply_to_id,
        "can_edit": shown and comment.can_edit(by=viewer),
        "replies": [comment_out(child, viewer) for child in node.children],
    }


@api.get(
    "/articles/{slug}/comments",
    response={200: ThreadOut, 400: Error, 404: Error},
    summary="One page of an article's discussion",
)
def list_comments(
    request: HttpRequest,
    slug: str,
    sort: str = Query("oldest", description=f"One of: {', '.join(SORTS)}."),
    after: str = Query("", description="The next_cursor of the previous page."),
):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    if sort not in SORTS:
        raise HttpError(400, f"sort must be one of: {', '.join(SORTS)}.")
    viewer = Viewer.from_request(request)
    try:
        page = load_thread_page(article, viewer=viewer, sort=sort, after=after)
    except BadCursor:
        raise HttpError(400, "after is not a cursor from this API.") from None
    return {
        "article": article_out(article),
        "sort": page.sort,
        "comments": [comment_out(node, viewer) for node in page.threads],
        "next_cursor": page.next_cursor,
        "awaiting": [comment_out(Node(c), viewer) for c in page.awaiting],
    }


def article_out(article: Article) -> ArticleOut:
    return ArticleOut(
        slug=article.slug,
        title=article.title,
        url=article.get_absolute_url(),
        comment_count=article.comment_count,
        policy=policy_for(article),
    )


@api.get(
    "/counts",
    response={200: CountsOut, 400: Error},
    summary="Comment counts for up to 100 articles at once",
)
def counts(request: HttpRequest, slug: list[str] = Query(...)):
    if len(slug) > MAX_COUNTED_ARTICLES:
        raise HttpError(400, f"Ask for at most {MAX_COUNTED_ARTICLES} articles.")
    found = dict(
        Article.objects.published()
        .filter(slug__in=slug)
        .values_list("slug", "comment_count")
    )
    return {"counts": {s: found[s] for s in slug if s in found}}


@api.get("/me", response=MeOut, summary="Who the API sees")
def me(request: HttpRequest):
    user = request.user
    if not user.is_authenticated:
        return {"authenticated": False, "username": None, "is_moderator": False}
    return {
        "authenticated": True,
        "username": user.username,
        "is_moderator": user.is_moderator,
    }
