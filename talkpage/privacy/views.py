import json
import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from talkpage.discussion.viewers import TOKEN_COOKIE_AGE
from talkpage.lib.ratelimit import Rate
from talkpage.privacy import services


@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    """What is stored, for how long and why: the numbers come from the
    settings this server runs with, so the page cannot drift from them."""
    longest_rate_window = max(
        Rate.parse(rate).seconds for rate in settings.TALKPAGE_RATE_LIMITS.values()
    )
    return render(
        request,
        "privacy/privacy.html",
        {
            "network_hash_days": settings.TALKPAGE_NETWORK_HASH_DAYS,
            "failed_task_days": settings.TALKPAGE_FAILED_TASK_DAYS,
            "session_lifetime": duration(settings.SESSION_COOKIE_AGE),
            "bearer_token_lifetime": duration(settings.TALKPAGE_BEARER_TOKEN_AGE),
            "cookie_lifetime": duration(TOKEN_COOKIE_AGE),
            "rendering_lifetime": duration(settings.TALKPAGE_DISCUSSION_CACHE_SECONDS),
            "rate_limit_lifetime": duration(longest_rate_window),
            "proxy_cache_lifetime": duration(settings.TALKPAGE_SHARED_CACHE_SECONDS),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """GET says what the file holds; POST sends it.

    The download is a form post with a CSRF token, not a link. Session
    cookies are SameSite=Lax, which a top-level GET from another site still
    carries: with a link, any page could make a signed-in reader's browser
    build and save their file. A POST also keeps the file's URL out of
    history, prefetching and proxy logs, and changes nothing either way.
    """
    if request.method == "GET":
        return render(request, "privacy/data.html")
    data = services.personal_data_of(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=download_name(request.user.username)
    )
    return response


def download_name(username: str) -> str:
    # SSO usernames hold a colon, which Windows refuses in file names.
    return f"talkpage-data-{re.sub(r'[^A-Za-z0-9._-]+', '-', username)}.json"


def duration(seconds: int) -> str:
    """``3600`` → "1 hour", ``2592000`` → "30 days": the largest whole unit."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"
