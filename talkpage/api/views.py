"""The JSON API, version 1: ``/api/v1/``, spec at ``/api/v1/openapi.json``.

It reads and writes through the same services as the HTML pages; nothing
here decides what a reader may see or do.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError as FormError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import quote_etag
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import HttpError, ValidationError

from talkpage.api.schemas import (
    NO_NUL,
    ArticleOut,
    CommentEditIn,
    CommentIn,
    CountsOut,
    Done,
    Error,
    MeOut,
    PageCommentIn,
    PostedOut,
    ReportIn,
    SignedInOut,
    SsoIn,
    Text,
    ThreadOut,
    VoteIn,
    VoteOut,
)
from talkpage.articles.models import Article, DiscussionStamp
from talkpage.discussion import cache, services
from talkpage.discussion.forms import validate_comment_text, validate_display_name
from talkpage.discussion.models import Comment
from talkpage.discussion.threads import (
    SORTS,
    BadCursor,
    Node,
    ThreadPage,
    authors_of,
    awaiting_of,
    load_thread_page,
    votes_of,
)
from talkpage.discussion.viewers import (
    VOTER_HEADER,
    Viewer,
    is_nobody_in_particular,
    visitor_voter_key,
)
from talkpage.embeds import sso
from talkpage.embeds.models import Site
from talkpage.embeds.pages import (
    BadPageUrl,
    find_thread,
    get_or_create_thread,
    normalise_page_url,
    origin_of,
)
from talkpage.embeds.tokens import issue_bearer_token
from talkpage.lib import ratelimit
from talkpage.lib.network import ban_network_hash, network_hash
from talkpage.moderation import services as moderation
from talkpage.moderation.models import ReportReason
from talkpage.moderation.services import policy_for
from talkpage.notifications.forms import validate_notification_email
from talkpage.privacy.services import erase_comment

MAX_COUNTED_ARTICLES = 100
SORT_HELP = f"One of: {', '.join(SORTS)}."
AFTER_HELP = "The next_cursor of the previous page."

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


def comment_out(node: Node, viewer: Viewer, votes: dict | None = None) -> dict:
    comment = node.comment
    shown = node.readable and not comment.is_deleted
    editable = shown and comment.can_edit(by=viewer)
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
        "can_edit": editable,
        "text": comment.body if editable else None,
        "upvotes": comment.upvotes,
        "downvotes": comment.downvotes,
        "my_vote": (votes or {}).get(comment.pk, 0),
        "replies": [comment_out(child, viewer, votes) for child in node.children],
    }


@api.get(
    "/articles/{slug}/comments",
    response={200: ThreadOut, 400: Error, 404: Error},
    summary="One page of an article's discussion",
)
def list_comments(
    request: HttpRequest,
    slug: str = Path(..., pattern=NO_NUL),
    sort: str = Query(
        "oldest", pattern=NO_NUL, description=f"One of: {', '.join(SORTS)}."
    ),
    after: str = Query(
        "", pattern=NO_NUL, description="The next_cursor of the previous page."
    ),
):
    stamp = cache.stamp_for(request, slug)
    if stamp is None:
        raise Http404("No article here.")
    if sort not in SORTS:
        raise HttpError(400, f"sort must be one of: {', '.join(SORTS)}.")
    try:
        return thread_response(request, stamp, sort=sort, after=after)
    except BadCursor:
        raise HttpError(400, "after is not a cursor from this API.") from None


def thread_response(
    request: HttpRequest, stamp: DiscussionStamp, *, sort: str, after: str
) -> HttpResponse:
    """One page of a discussion as JSON (see discussion/cache.py): the
    shared bytes for a reader with no cookies or tokens, the shared page
    with the reader's own comments and votes laid over it for anyone else,
    and a page built from the database for a moderator."""
    if is_nobody_in_particular(request):
        return cache.shared_response(
            request,
            stamp,
            what="api",
            sort=sort,
            after=after,
            build=lambda: thread_json(request, shared_thread(stamp, sort, after).data),
        )

    article = get_object_or_404(Article.objects.published(), pk=stamp.pk)
    viewer = Viewer.from_request(request)
    if not viewer.voter_key:
        viewer.voter_key = visitor_voter_key(request.META.get(VOTER_HEADER, ""))
    if viewer.is_moderator:
        page = load_thread_page(article, viewer=viewer, sort=sort, after=after)
        data = thread_out(article, page, viewer)
    else:
        data = personalised_thread(article, sort, after, viewer)
    body = thread_json(request, data)
    etag = quote_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    unchanged = cache.not_modified(request, etag, cache.last_modified(article))
    if unchanged is not None:
        return cache.personal_headers(unchanged, etag)
    response = HttpResponse(body, content_type="application/json")
    return cache.personal_headers(response, etag)


def thread_out(article: Article, page: ThreadPage, viewer: Viewer) -> dict:
    return {
        "article": article_out(article),
        "sort": page.sort,
        "comments": [comment_out(node, viewer, page.my_votes) for node in page.threads],
        "next_cursor": page.next_cursor,
        "awaiting": [comment_out(Node(c), viewer) for c in page.awaiting],
    }


def thread_json(request: HttpRequest, data: dict) -> str:
    """The page, rendered as ninja renders responses. ``data`` is built
    field by field to ThreadOut's shape (comment_out, thread_out), so it is
    not validated again here: that took a third of the time of building a
    page. Tests check every response against the schema."""
    return api.renderer.render(request, data, response_status=200)


@dataclass
class SharedThread:
    data: dict
    # Every comment on the page and its author's account (or None).
    authors: dict[int, int | None]


def shared_thread(
    stamp: Article | DiscussionStamp, sort: str, after: str
) -> SharedThread:
    def build() -> SharedThread:
        article = Article.objects.get(pk=stamp.pk)
        page = load_thread_page(article, viewer=Viewer(), sort=sort, after=after)
        return SharedThread(
            data=thread_out(article, page, Viewer()), authors=authors_of(page.threads)
        )

    return cache.remembered(cache.cache_key(stamp, "api-data", sort, after), build)


def personalised_thread(
    article: Article, sort: str, after: str, viewer: Viewer
) -> dict:
    """The shared page with this reader's own comments (edit rights, held
    replies, "Anonymous (you)") and votes in place."""
    shared = shared_thread(article, sort, after)
    data = shared.data  # the cache hands out a copy of its own
    votes = votes_of(viewer.voter_key, list(shared.authors))
    own = cache.own_among(shared.authors, viewer)
    by_id = {}
    pending = list(data["comments"])
    while pending:
        out = pending.pop()
        by_id[out["id"]] = out
        pending.extend(out["replies"])
    for pk, value in votes.items():
        by_id[pk]["my_vote"] = value
    if own:
        comments = Comment.objects.filter(pk__in=own).select_related(
            "user", "in_reply_to", "in_reply_to__user"
        )
        for comment in comments:
            mine = comment_out(
                Node(comment, readable=comment.readable_by(viewer)), viewer, votes
            )
            mine.pop("replies")
            by_id[comment.pk].update(mine)
    if not after:
        data["awaiting"] = [
            comment_out(Node(c), viewer)
            for c in awaiting_of(article, viewer, shown=shared.authors)
        ]
    return data


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
def counts(request: HttpRequest, slug: list[Text] = Query(...)):
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
        "username": user.shown_name,
        "is_moderator": user.is_moderator,
    }


# --- Writing ------------------------------------------------------------------
#
# Writes accept only ``Content-Type: application/json``: an HTML form on
# another site cannot send that, so no cross-site page can post through the
# API with a reader's cookies. Anonymous authors prove authorship with the
# edit token returned when they posted, in the ``X-Talkpage-Edit-Token``
# header.

EDIT_TOKEN_HEADER = "HTTP_X_TALKPAGE_EDIT_TOKEN"  # noqa: S105 (a header name)
WRITE_RESPONSES = {
    400: Error,
    401: Error, 403: Error, 404: Error, 409: Error, 413: Error, 415: Error,
    429: Error,
}  # fmt: skip


def require_json(request: HttpRequest) -> None:
    content_type = request.content_type or ""
    if content_type != "application/json":
        raise HttpError(415, "Send the body as application/json.")


def throttle(request: HttpRequest, rate_name: str) -> None:
    verdict = ratelimit.hit("network", network_hash(request), rate_name)
    if verdict.allowed and request.user.is_authenticated:
        verdict = ratelimit.hit("user", str(request.user.pk), rate_name)
    if not verdict.allowed:
        raise TooManyRequests(verdict.retry_after)


class TooManyRequests(HttpError):
    def __init__(self, retry_after: int):
        super().__init__(429, f"Too many requests. Try again in {retry_after} s.")
        self.retry_after = retry_after


@api.exception_handler(TooManyRequests)
def too_many(request: HttpRequest, exc: TooManyRequests):
    response = http_error(request, exc)
    response["Retry-After"] = str(exc.retry_after)
    return response


def viewer_of(request: HttpRequest, comment_id: int) -> Viewer:
    viewer = Viewer.from_request(request)
    token = request.META.get(EDIT_TOKEN_HEADER, "")[:64]
    if token:
        viewer.edit_tokens[comment_id] = token
    return viewer


def editable_comment(request: HttpRequest, comment_id: int) -> Comment:
    comment = get_object_or_404(
        Comment.objects.select_related("article", "user"), pk=comment_id
    )
    if comment.is_deleted:
        raise Http404("That comment has been deleted.")
    if not comment.can_edit(by=viewer_of(request, comment_id)):
        raise HttpError(403, "You can edit or delete only your own comments.")
    return comment


def checked(validate, value, field: str):
    try:
        return validate(value)
    except FormError as error:
        raise HttpError(400, f"{field}: {' '.join(error.messages)}") from None


@api.post(
    "/articles/{slug}/comments",
    response={201: PostedOut, 202: PostedOut, **WRITE_RESPONSES},
    summary="Post a comment (201: published, 202: held for review)",
)
def create_comment(
    request: HttpRequest, data: CommentIn, slug: str = Path(..., pattern=NO_NUL)
):
    require_json(request)
    article = get_object_or_404(Article.objects.published(), slug=slug)
    return post_to(request, article, data)


def post_to(request: HttpRequest, article: Article, data: CommentIn):
    text = checked(validate_comment_text, data.text, "text")
    name = checked(validate_display_name, data.name, "name")
    email = checked(validate_notification_email, data.email, "email")
    if data.email and not data.notify:
        raise HttpError(400, "email: is used only with notify: true.")
    if data.notify and not request.user.is_authenticated and not email:
        raise HttpError(400, "email: is needed to be told about replies.")
    in_reply_to = None
    if data.reply_to is not None:
        in_reply_to = Comment.objects.filter(pk=data.reply_to, article=article).first()
        if in_reply_to is None:
            raise HttpError(404, "The comment you replied to does not exist.")
    throttle(request, "comment")
    key = request.headers.get("Idempotency-Key", "")[:64] or None
    try:
        posted = services.post_comment(
            article=article,
            user=request.user,
            text=text,
            anonymous=data.anonymous,
            author_name=name,
            in_reply_to=in_reply_to,
            submission_key=f"api:{key}" if key else None,
            network_hash=ban_network_hash(request),
            notify=data.notify,
            notify_email=email,
        )
    except moderation.ModerationRefused as refusal:
        raise HttpError(403, str(refusal)) from None
    except services.ReplayedForm:
        raise HttpError(409, "This Idempotency-Key was used for other words.") from None
    except services.CommentRefused as refusal:
        raise HttpError(400, str(refusal)) from None
    comment = posted.comment
    viewer = viewer_of(request, comment.pk)
    if posted.edit_token:
        viewer.edit_tokens[comment.pk] = posted.edit_token
    published = comment.is_published
    return Status(
        201 if published else 202,
        {
            "comment": comment_out(Node(comment), viewer),
            # Spam is reported as held: a script learns nothing.
            "status": "published" if published else "held",
            "edit_token": posted.edit_token,
        },
    )


# --- Embedded pages' threads -------------------------------------------------


def site_or_404(site_key: str) -> Site:
    site = Site.objects.filter(key=site_key).first()
    if site is None:
        raise HttpError(404, "No site has that key.")
    return site


def embedding_site(request: HttpRequest, site_key: str, url: str) -> Site:
    """The site whose page ``url`` is, checked against its allowed origins."""
    site = site_or_404(site_key)
    try:
        normalise_page_url(url)
    except BadPageUrl as error:
        raise HttpError(400, str(error)) from None
    if not site.allows(origin_of(url)):
        raise HttpError(403, "That page is not on one of the site's origins.")
    return site


@api.get(
    "/threads",
    response={200: ThreadOut, 400: Error, 403: Error, 404: Error},
    summary="One page of the discussion of an embedding site's page",
)
def list_page_comments(
    request: HttpRequest,
    site: str = Query(..., pattern=NO_NUL),
    url: str = Query(..., pattern=NO_NUL),
    sort: str = Query(
        "oldest", pattern=NO_NUL, description=f"One of: {', '.join(SORTS)}."
    ),
    after: str = Query(
        "", pattern=NO_NUL, description="The next_cursor of the previous page."
    ),
):
    thread = find_thread(embedding_site(request, site, url), url)
    if thread is None:
        return {
            "article": None,
            "sort": sort if sort in SORTS else "oldest",
            "comments": [],
            "next_cursor": None,
            "awaiting": [],
        }
    return list_comments(request, thread.slug, sort=sort, after=after)


@api.post(
    "/threads",
    response={201: PostedOut, 202: PostedOut, **WRITE_RESPONSES},
    summary="Comment on an embedding site's page (its thread starts here)",
)
def create_page_comment(
    request: HttpRequest,
    data: PageCommentIn,
    site: str = Query(..., pattern=NO_NUL),
    url: str = Query(..., pattern=NO_NUL),
):
    require_json(request)
    embedding = embedding_site(request, site, url)
    return post_to(
        request, get_or_create_thread(embedding, url, title=data.title), data
    )


@api.get(
    "/threads/counts",
    response={200: CountsOut, 400: Error, 403: Error, 404: Error},
    summary="Comment counts for up to 100 pages of one embedding site",
)
def page_counts(
    request: HttpRequest,
    site: str = Query(..., pattern=NO_NUL),
    url: list[Text] = Query(...),
):
    if len(url) > MAX_COUNTED_ARTICLES:
        raise HttpError(400, f"Ask for at most {MAX_COUNTED_ARTICLES} pages.")
    embedding = site_or_404(site)
    wanted = {}
    for given in url:
        try:
            wanted[given] = normalise_page_url(given)
        except BadPageUrl:
            continue
    found = dict(
        Article.objects.filter(
            site=embedding, page_url__in=wanted.values()
        ).values_list("page_url", "comment_count")
    )
    return {"counts": {given: found.get(norm, 0) for given, norm in wanted.items()}}


@api.patch(
    "/comments/{comment_id}",
    response={200: PostedOut, **WRITE_RESPONSES},
    summary="Edit your comment",
)
def edit_comment(request: HttpRequest, comment_id: int, data: CommentEditIn):
    require_json(request)
    comment = editable_comment(request, comment_id)
    text = checked(validate_comment_text, data.text, "text")
    throttle(request, "comment_edit")
    try:
        comment = services.edit_comment(comment=comment, text=text)
    except moderation.ModerationRefused as refusal:
        raise HttpError(403, str(refusal)) from None
    return {
        "comment": comment_out(Node(comment), viewer_of(request, comment_id)),
        "status": "published" if comment.is_published else "held",
        "edit_token": None,
    }


@api.delete(
    "/comments/{comment_id}",
    response={200: Done, **WRITE_RESPONSES},
    summary="Delete your comment",
)
def delete_comment(request: HttpRequest, comment_id: int):
    comment = editable_comment(request, comment_id)
    # The author's delete erases, as on the pages (see privacy.services).
    erase_comment(comment=comment)
    return {"ok": True}


@api.post(
    "/comments/{comment_id}/report",
    response={200: Done, **WRITE_RESPONSES},
    summary="Report a comment to the moderators",
)
def report_comment(request: HttpRequest, comment_id: int, data: ReportIn):
    require_json(request)
    comment = get_object_or_404(Comment.objects.visible(), pk=comment_id)
    if data.reason not in ReportReason.values:
        raise HttpError(
            400, f"reason must be one of: {', '.join(ReportReason.values)}."
        )
    throttle(request, "report")
    if request.user.is_authenticated:
        reporter_key = f"user:{request.user.pk}"
    else:
        reporter_key = f"network:{ban_network_hash(request)}"
    moderation.report(
        comment=comment,
        reporter=request.user,
        reporter_key=reporter_key,
        reason=data.reason,
        note=data.note[:500],
    )
    return {"ok": True}


@api.post(
    "/comments/{comment_id}/vote",
    response={200: VoteOut, **WRITE_RESPONSES},
    summary="Vote a comment up (1) or down (-1), or take the vote back (0)",
    description=(
        "Signed-in readers vote as their account. Others identify themselves "
        "with a random id of 16 to 64 letters, digits, - or _ that they keep, "
        "in the X-Talkpage-Voter header."
    ),
)
def vote_comment(request: HttpRequest, comment_id: int, data: VoteIn):
    comment = get_object_or_404(Comment.objects.visible(), pk=comment_id)
    viewer = viewer_of(request, comment_id)
    if not request.user.is_authenticated:
        viewer.voter_key = visitor_voter_key(request.META.get(VOTER_HEADER, ""))
        if not viewer.voter_key:
            raise HttpError(401, "Sign in, or send an X-Talkpage-Voter id.")
    if data.value not in (1, -1, 0):
        raise HttpError(400, "value must be 1, -1 or 0.")
    if comment.is_authored_by(viewer):
        raise HttpError(403, "You cannot vote on your own comment.")
    throttle(request, "vote")
    try:
        tally = services.vote(
            comment=comment,
            voter_key=viewer.voter_key,
            user=request.user,
            value=data.value,
        )
    except services.CommentRefused as refusal:
        raise HttpError(400, str(refusal)) from None
    return {
        "upvotes": tally.upvotes,
        "downvotes": tally.downvotes,
        "my_vote": tally.mine,
    }


@api.post(
    "/sso",
    response={
        200: SignedInOut,
        400: Error,
        401: Error,
        404: Error,
        415: Error,
        429: Error,
    },
    summary="Sign a host site's user in with its signed SSO payload",
)
def sso_sign_in(request: HttpRequest, data: SsoIn):
    require_json(request)
    site = site_or_404(data.site)
    throttle(request, "login_network")
    try:
        identity = sso.verify(site, data.payload[:4000])
    except sso.SsoRefused as refusal:
        raise HttpError(401, str(refusal)) from None
    user = sso.user_for(site, identity)
    return {"token": issue_bearer_token(user), "username": user.shown_name}
