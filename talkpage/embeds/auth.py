from django.http import HttpRequest, JsonResponse

from talkpage.embeds.tokens import user_from_bearer_token

API_PREFIX = "/api/"


class BearerTokenMiddleware:
    """``Authorization: Bearer <token>`` signs an API request in.

    A request that sends a token that does not hold gets 401, never a
    silent fallback to anonymous: a widget must know to sign in again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if request.path.startswith(API_PREFIX) and header[:7].lower() == "bearer ":
            user = user_from_bearer_token(header[7:].strip())
            if user is None:
                return JsonResponse(
                    {
                        "error": "The sign-in token is not valid or has expired.",
                        "detail": "Sign in again.",
                    },
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer realm="talkpage"'},
                )
            request.user = user
        return self.get_response(request)
