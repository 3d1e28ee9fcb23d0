"""Discussions rendered once and shared by every reader.

A page of a discussion is built once per *version* of the discussion and
kept in Django's cache (Redis when configured, else each process's memory).
``Article.discussion_version`` is bumped in the same transaction as every
change that shows on a page (a comment, an edit, a vote, a moderator's
decision, a rename), so a key that names the version can never serve stale
words: nothing is deleted on a write, the next read simply asks for a new
key. That holds across any number of processes, with or without Redis,
because the version is read from the article row every request already
loads.

What differs between readers is added per request, not cached:

* a reader with nothing of their own (no session, no edit tokens, no voter
  id, no pending message) gets the shared bytes as they are, with a fresh
  form token spliced in;
* everyone else gets the shared threads plus an *overlay*: their own
  comments and the ones they voted on are rendered again for them (a
  handful of rows, one or two queries), and their CSRF token is spliced in;
* moderators, who see hidden comments and act on every one, get pages built
  from the database.
"""

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.safestring import SafeString, mark_safe

import talkpage
from talkpage.articles.models import Article, DiscussionStamp
from talkpage.discussion.models import Comment
from talkpage.discussion.threads import Node, authors_of, load_thread_page, votes_of
from talkpage.discussion.viewers import Viewer

# Stand-ins written into shared renderings and replaced per response. No
# comment or article can contain NUL (it is refused on input), so a
# stand-in never collides with anything a person wrote.
FORM_TOKEN_SLOT = "\x00form-token\x00"  # noqa: S105 (a placeholder)
CSRF_TOKEN_SLOT = "\x00csrf-token\x00"  # noqa: S105 (a placeholder)
MEMBER_CSRF_FIELD = mark_safe(  # noqa: S308 (our own markup, no input)
    f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_TOKEN_SLOT}">'
)

# Cookies and headers that can make a reader's page differ from anyone
# else's. A request without any of them is served the shared bytes.
SHARED_CACHE_VARY = ("Cookie", "Authorization")


def _rendering_revision() -> str:
    """Changes whenever the templates or the code that fills them change,
    so an upgrade never serves pages rendered by the previous release from
    a cache (Redis) that outlived it."""
    digest = hashlib.sha256(talkpage.__version__.encode())
    package = Path(talkpage.__file__).parent
    for path in sorted([*package.glob("templates/**/*.html"), *package.glob("*/*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


RENDERING_REVISION = _rendering_revision()

T = TypeVar("T")
# An article, or just the columns of its row that key its cached pages.
Stamped = Article | DiscussionStamp


def _closed_by_age(article: Stamped) -> bool:
    days = settings.TALKPAGE_CLOSE_AFTER_DAYS
    return bool(days) and article.published_at + timedelta(days=days) <= timezone.now()


def version_of(article: Stamped) -> str:
    """Everything, besides the reader, that a rendering of the article's
    discussion depends on."""
    return ".".join(
        [
            RENDERING_REVISION,
            str(article.discussion_version),
            str(int(article.updated_at.timestamp() * 1_000_000)),
            # The policy can close a discussion with no write at all.
            "closed" if _closed_by_age(article) else "open",
        ]
    )


def stamp_for(request: HttpRequest, slug: str) -> DiscussionStamp | None:
    """The stamp of the published article at ``slug``, looked up once per
    request (SharedReadsMiddleware may have done it already)."""
    known = getattr(request, "discussion_stamp", None)
    if known is not None and known[0] == slug:
        return known[1]
    stamp = Article.objects.discussion_stamp(slug)
    request.discussion_stamp = (slug, stamp)
    return stamp


def hashed(*parts: str) -> str:
    """Text from a request, made fit for a cache key or an ETag."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def cache_key(article: Stamped, what: str, *parts: str) -> str:
    """A key for one rendering; ``parts`` come from the request (sort,
    cursor), so they are hashed rather than trusted as key text."""
    asked = hashed(*parts)[:24]
    return f"talkpage:discussion:{article.pk}:{version_of(article)}:{what}:{asked}"


def last_modified(article: Stamped) -> datetime:
    return max(article.updated_at, article.discussion_changed_at)


def etag_for(article: Stamped, what: str, *parts: str) -> str:
    return quote_etag(hashed(cache_key(article, what, *parts)))


def not_modified(
    request: HttpRequest, etag: str, modified: datetime
) -> HttpResponse | None:
    """A 304 when the reader's copy is still current, before any work."""
    if request.method not in ("GET", "HEAD"):
        return None
    return get_conditional_response(
        request, etag=etag, last_modified=int(modified.timestamp())
    )


def shared_headers(
    response: HttpResponse, etag: str, modified: datetime
) -> HttpResponse:
    """Headers of a response any reader without cookies may be given: a
    browser revalidates every time (cheap: a 304), a proxy or CDN may keep
    it for a few seconds, and never for a request that carries cookies."""
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified.timestamp())
    max_age = settings.TALKPAGE_SHARED_CACHE_SECONDS
    response["Cache-Control"] = f"public, max-age=0, s-maxage={max_age}"
    patch_vary_headers(response, SHARED_CACHE_VARY)
    return response


def personal_headers(response: HttpResponse, etag: str | None = None) -> HttpResponse:
    """A page with someone's own state in it: their browser may keep it and
    revalidate; no shared cache may."""
    if etag:
        response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, SHARED_CACHE_VARY)
    return response


class RecentRenderings:
    """The renderings this process served last, kept in its own memory in
    front of a shared cache (Redis).

    Keys name the discussion's version, so what is stored under one never
    changes: a copy held here can be old, never stale, and needs no
    invalidation. Without it every read fetched the whole body from Redis
    (40-120 KB), which cost more than the rest of the request and kept
    Redis busier than the app processes (docs/benchmarks.md). Bounded by
    the size of what it holds; the least recently used go first.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
        value = entry[0]
        # Callers personalise what they are given (the API's data), as they
        # may with a copy fresh from Redis: they get a fresh copy here too.
        if isinstance(value, Pickled):
            return pickle.loads(value)  # noqa: S301 (pickled by this process)
        return value

    def put(self, key: str, value: object) -> None:
        if not isinstance(value, bytes | str):
            value = Pickled(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
        size = len(value)
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


class Pickled(bytes):
    """A value other than bytes or text, kept as its pickle."""


_recent: RecentRenderings | None = None


def recent_renderings() -> RecentRenderings | None:
    """This process's copies, when the cache is shared (a local-memory
    cache is already in this process: a second copy would only cost RAM)."""
    global _recent
    max_bytes = settings.TALKPAGE_LOCAL_CACHE_MB * 2**20
    if (
        max_bytes <= 0
        or settings.TALKPAGE_DISCUSSION_CACHE_SECONDS <= 0
        or isinstance(caches["default"], LocMemCache)
    ):
        return None
    if _recent is None or _recent.max_bytes != max_bytes:
        _recent = RecentRenderings(max_bytes)
    return _recent


def forget_recent_renderings() -> None:
    """Empty this process's copies (tests, whose databases start again)."""
    if _recent is not None:
        _recent.clear()


def cached(key: str):
    """The rendering at ``key`` from this process or the shared cache, or
    None."""
    recent = recent_renderings()
    if recent is not None and (value := recent.get(key)) is not None:
        return value
    value = cache.get(key)
    if value is not None and recent is not None:
        recent.put(key, value)
    return value


def remembered(key: str, build: Callable[[], T], seconds: int | None = None) -> T:
    """The cached value at ``key``, built and stored on a miss (for
    ``seconds``, by default TALKPAGE_DISCUSSION_CACHE_SECONDS)."""
    value = cached(key)
    if value is None:
        value = build()
        if seconds is None:
            seconds = settings.TALKPAGE_DISCUSSION_CACHE_SECONDS
        cache.set(key, value, seconds)
        if seconds > 0 and (recent := recent_renderings()) is not None:
            recent.put(key, value)
    return value


# What each kind of shared reading is served as.
CONTENT_TYPES = {"page": "text/html; charset=utf-8", "api": "application/json"}


def shared_response(
    request: HttpRequest,
    stamp: Stamped,
    *,
    what: str,
    sort: str,
    after: str,
    build: Callable[[], bytes | str] | None = None,
) -> HttpResponse | None:
    """The shared reading ``what`` ("page" or "api") of one page of a
    discussion, for a reader who is nobody in particular: a 304 if their
    copy is current, else the cached bytes (built with ``build`` on a miss;
    without it, None on a miss). A page gets a fresh form token."""
    etag = etag_for(stamp, what, sort, after)
    modified = last_modified(stamp)
    unchanged = not_modified(request, etag, modified)
    if unchanged is not None:
        return shared_headers(unchanged, etag, modified)
    key = cache_key(stamp, what, sort, after)
    body = remembered(key, build) if build is not None else cached(key)
    if body is None:
        return None
    if what == "page":
        from talkpage.discussion.forms import issue_form_token

        body = body.replace(
            FORM_TOKEN_SLOT.encode(), issue_form_token(stamp.pk).encode()
        )
    response = HttpResponse(body, content_type=CONTENT_TYPES[what])
    response["Content-Length"] = str(len(response.content))
    return shared_headers(response, etag, modified)


# --- The HTML threads ----------------------------------------------------------


@dataclass
class RenderedThreads:
    """One page of threads as HTML, shared by every reader who is not a
    moderator, and what the overlay needs to personalise it."""

    html: str
    # Every comment on the page and its author's account (or None).
    authors: dict[int, int | None]
    is_first_page: bool


def page_path(article: Article, sort: str, after: str) -> str:
    """Where a form on this page sends the reader back to: built from the
    page asked for, never from the raw query string, so a shared rendering
    carries nothing another reader typed."""
    query = "&".join(
        f"{name}={value}" for name, value in (("sort", sort), ("after", after)) if value
    )
    return article.get_absolute_url() + (f"?{query}" if query else "")


def shared_threads(
    article: Article, *, sort: str, after: str, members: bool
) -> RenderedThreads:
    """The page of threads every reader sees; ``members`` renders the vote
    forms with a CSRF field to fill in. Raises BadCursor for a bad ``after``."""

    def build() -> RenderedThreads:
        page = load_thread_page(article, viewer=Viewer(), sort=sort, after=after)
        html = render_to_string(
            "discussion/_threads.html",
            {
                "page": page,
                "viewer": Viewer(),
                "article": article,
                "page_path": page_path(article, sort, after),
                "csrf_field": MEMBER_CSRF_FIELD if members else "",
            },
        )
        return RenderedThreads(
            html=html,
            authors=authors_of(page.threads),
            is_first_page=page.is_first_page,
        )

    what = "threads-for-members" if members else "threads-for-visitors"
    return remembered(cache_key(article, what, sort, after), build)


@dataclass
class Overlay:
    """What one reader adds to the shared threads."""

    html: SafeString
    # Their votes on this page: {comment id: +1/-1}.
    votes: dict[int, int]


def personalise(
    request: HttpRequest,
    rendered: RenderedThreads,
    *,
    viewer: Viewer,
    article: Article,
    sort: str,
    after: str,
) -> Overlay:
    """The shared threads with this reader's own comments and votes shown
    as they should see them: those comments are rendered again for them
    (their own held replies, edit links, pressed vote buttons, "Anonymous
    (you)") and spliced in place."""
    votes = votes_of(viewer.voter_key, list(rendered.authors))
    own = own_among(rendered.authors, viewer)
    html = rendered.html
    again = own | votes.keys()
    if again:
        members = viewer.user_id is not None
        comments = Comment.objects.filter(pk__in=again).select_related(
            "user", "in_reply_to", "in_reply_to__user"
        )
        for comment in comments:
            region = render_to_string(
                "discussion/_comment_main.html",
                {
                    "comment": comment,
                    "node": Node(comment, readable=comment.readable_by(viewer)),
                    "viewer": viewer,
                    "votes": votes,
                    "page_path": page_path(article, sort, after),
                    "csrf_field": MEMBER_CSRF_FIELD if members else "",
                },
            )
            html = _splice(html, comment.pk, region)
    if viewer.user_id is not None:
        html = html.replace(CSRF_TOKEN_SLOT, get_token(request))
    return Overlay(html=mark_safe(html), votes=votes)  # noqa: S308 (rendered by us)


def own_among(authors: dict[int, int | None], viewer: Viewer) -> set[int]:
    """The comments among ``authors`` that ``viewer`` may have written: by
    account, or by an edit token (checked when they are rendered)."""
    return {
        pk
        for pk, user_id in authors.items()
        if (viewer.user_id is not None and user_id == viewer.user_id)
        or pk in viewer.edit_tokens
    }


def _splice(html: str, comment_id: int, region: str) -> str:
    start_marker, end_marker = f"<!--c{comment_id}-->", f"<!--/c{comment_id}-->"
    start = html.find(start_marker)
    end = html.find(end_marker, start)
    if start < 0 or end < 0:
        return html
    return html[: start + len(start_marker)] + region + html[end:]
