"""Request and response guards shared by every page."""

from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control


def absolute_url(path: str) -> str:
    """A link for mail or files that leave the site: on TALKPAGE_BASE_URL,
    never on the Host header of whichever request made it."""
    return path if "://" in path else settings.BASE_URL + path


class RequestBodyLimitMiddleware:
    """Answers an oversized request with a clear 413 before reading it.

    Django's own limit surfaces as a generic 400 after the body has been
    buffered; a declared Content-Length lets us refuse at the door.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.TALKPAGE_MAX_REQUEST_BYTES:
            return too_large(request)
        return self.get_response(request)


def too_large(request: HttpRequest) -> HttpResponse:
    limit_kib = settings.TALKPAGE_MAX_REQUEST_BYTES // 1024
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "error": "The request body is too large.",
                "detail": f"At most {limit_kib} KiB.",
            },
            status=413,
        )
        response["Connection"] = "close"
        return response
    response = render(
        request,
        "errors/413.html",
        {"limit_kib": limit_kib},
        status=413,
    )
    response["Connection"] = "close"
    return response


class NoStoreForSignedInMiddleware:
    """Pages built for a signed-in person must never sit in a shared cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)


def too_many_requests(
    request: HttpRequest,
    retry_after: int,
    message: str,
    *,
    offer_password_reset: bool = False,
) -> HttpResponse:
    response = render(
        request,
        "errors/429.html",
        {
            "message": message,
            "retry_after": retry_after,
            "offer_password_reset": offer_password_reset,
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def same_origin_post(request: HttpRequest) -> bool:
    """Whether a POST came from one of our own pages, by Origin or Referer.

    Browsers send Origin with every POST, so a cross-site form always shows
    up here; a request with neither header is not from a browser page and
    cannot be a cross-site request forgery.
    """
    ours = {f"{request.scheme}://{request.get_host()}", settings.BASE_URL}
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        return origin in ours
    referer = request.META.get("HTTP_REFERER")
    if referer is not None:
        return any(referer == o or referer.startswith(o + "/") for o in ours)
    return True


def csrf_token_only_for_members(view):
    """CSRF protection that sets no cookie on readers who only read.

    Members are checked by Django's CSRF middleware as usual (their pages
    carry the token). Visitors without an account get no CSRF cookie: their
    forms are protected by the same-origin check above, and their requests
    cannot act as anyone, because session cookies are SameSite=Lax and so
    never travel with a cross-site POST.
    """
    from django.middleware.csrf import CsrfViewMiddleware
    from django.views.decorators.csrf import csrf_exempt

    checker = CsrfViewMiddleware(lambda request: None)

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.user.is_authenticated:
            refusal = checker.process_view(request, view, args, kwargs)
            if refusal is not None:
                return refusal
        elif request.method == "POST" and not same_origin_post(request):
            return csrf_failure(request)
        return view(request, *args, **kwargs)

    return csrf_exempt(guarded)
