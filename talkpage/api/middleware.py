from django.http import HttpRequest, JsonResponse

API_PREFIX = "/api/"
WRITE_METHODS = {"POST", "PUT", "PATCH"}


class JsonWritesOnlyMiddleware:
    """API writes must be ``application/json``, checked before the body is read.

    An HTML form on another site can only send form encodings or text/plain,
    so this alone keeps cross-site pages from writing through the API with a
    reader's cookies. (It runs before the API parses the body, which would
    otherwise answer a form post with a parse error instead of a clear 415.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path.startswith(API_PREFIX) and _has_nul(request):
            return JsonResponse(
                {
                    "error": "The address contains a NUL character.",
                    "detail": None,
                },
                status=400,
            )
        if (
            request.path.startswith(API_PREFIX)
            and request.method in WRITE_METHODS
            and _has_body(request)
            and request.content_type != "application/json"
        ):
            return JsonResponse(
                {
                    "error": "Send the body as application/json.",
                    "detail": f"Content-Type was {request.content_type or 'missing'}.",
                },
                status=415,
            )
        return self.get_response(request)


def _has_body(request: HttpRequest) -> bool:
    # A request without a body carries nothing to misread; the API answers
    # it itself (405 for an unknown method, 400 for a missing body).
    if request.META.get("HTTP_TRANSFER_ENCODING"):
        return True
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return True


def _has_nul(request: HttpRequest) -> bool:
    return "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "")
