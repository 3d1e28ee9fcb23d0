"""Repeat reads of a discussion, answered before the rest of the stack.

Most requests for a discussion come from readers who are nobody in
particular (no cookies, no tokens) and ask for a page that is already in
the cache (discussion/cache.py). For them, sessions, CSRF, authentication,
messages and the rest of the middleware do nothing but cost time: about
half of the time of such a request, measured. This middleware serves them
straight from the cache, after one indexed query for the discussion's
version.

The headers the rest of the stack adds to such a response (the content
security policy, X-Frame-Options, ...) are the same for every one, so the
first response of each kind that passes through the whole stack teaches
them. Anything this middleware is not sure of (another query parameter, an
Origin header, a page not in the cache yet) goes through the whole stack
as usual, and that path renders and caches the page.
"""

import re

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

from talkpage.discussion import cache
from talkpage.discussion.threads import SORTS
from talkpage.discussion.viewers import is_nobody_in_particular

# The URLs of the two shared readings, as the URL configuration routes them
# (Django's slug converter).
ROUTES = (
    ("page", re.compile(r"/articles/([-a-zA-Z0-9_]+)/")),
    ("api", re.compile(r"/api/v1/articles/([-a-zA-Z0-9_]+)/comments")),
)
# Headers that differ between responses: never learned.
PER_RESPONSE = {
    "content-length",
    "content-type",
    "date",
    "etag",
    "last-modified",
    "set-cookie",
}


def shared_read_asked(request: HttpRequest) -> tuple[str, str, str, str] | None:
    """(what, slug, sort, after) when the request asks for a shared reading
    exactly as its view would key it, else None."""
    if request.method != "GET" or "HTTP_ORIGIN" in request.META:
        return None
    routed = [
        (what, match)
        for what, pattern in ROUTES
        if (match := pattern.fullmatch(request.path_info))
    ]
    if not routed:
        return None
    what, match = routed[0]
    asked = request.GET
    if not set(asked) <= {"sort", "after"} or any(
        len(asked.getlist(name)) > 1 for name in asked
    ):
        return None
    # The page's default sort is "" (no parameter), the API's "oldest":
    # each view keys its cache that way.
    sort = asked.get("sort", "" if what == "page" else "oldest")
    if sort and sort not in SORTS:
        return None
    if not is_nobody_in_particular(request):
        return None
    try:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
    except DisallowedHost:
        return None
    return what, match.group(1), sort, asked.get("after", "")


class SharedReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # {what: [(header, value), ...]} taught by full responses.
        self.learned_headers: dict[str, list[tuple[str, str]]] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        asked = shared_read_asked(request)
        if asked is None:
            return self.get_response(request)
        what, slug, sort, after = asked
        headers = self.learned_headers.get(what)
        if headers is not None:
            stamp = cache.stamp_for(request, slug)
            if stamp is not None:
                response = cache.shared_response(
                    request, stamp, what=what, sort=sort, after=after
                )
                if response is not None:
                    for name, value in headers:
                        response[name] = value
                    return response
        response = self.get_response(request)
        if (
            response.status_code == 200
            and response.get("Cache-Control", "").startswith("public")
            and not response.cookies
        ):
            self.learned_headers[what] = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in PER_RESPONSE
            ]
        return response
