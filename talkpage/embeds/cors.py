"""CORS for the JSON API, for the origins of registered sites only.

Exact origin match, no wildcard, and no credentials: the widget signs in
with a bearer token, so a host page's script never rides on our cookies.
Writes from any other foreign origin are refused outright.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from talkpage.embeds.models import SiteOrigin

API_PREFIX = "/api/"
ALLOWED_METHODS = "GET, POST, PATCH, DELETE"
ALLOWED_HEADERS = (
    "Content-Type, Authorization, Idempotency-Key, X-Talkpage-Edit-Token, "
    "X-Talkpage-Edit-Tokens, X-Talkpage-Voter"
)
EXPOSED_HEADERS = "Retry-After"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ApiCorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.META.get("HTTP_ORIGIN", "")
        if (
            not request.path.startswith(API_PREFIX)
            or not origin
            or _is_ours(request, origin)
        ):
            return self.get_response(request)
        allowed = SiteOrigin.objects.filter(origin=origin).exists()
        if request.method == "OPTIONS":
            response = HttpResponse(status=204 if allowed else 403)
        elif not allowed and request.method in WRITE_METHODS:
            response = JsonResponse(
                {
                    "error": "This origin may not write to this Talkpage.",
                    "detail": origin,
                },
                status=403,
            )
        else:
            response = self.get_response(request)
        if allowed:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = "600"
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        response["Vary"] = ", ".join(v for v in (response.get("Vary"), "Origin") if v)
        return response


def _is_ours(request: HttpRequest, origin: str) -> bool:
    return origin in {f"{request.scheme}://{request.get_host()}", settings.BASE_URL}
