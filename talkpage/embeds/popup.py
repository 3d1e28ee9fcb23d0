from django.http import HttpRequest, HttpResponse

SIGN_IN_PATH = "/embed/sign-in"


class SignInPopupOpenerMiddleware:
    """Keeps the embed's sign-in popup connected to the page that opened it.

    The site sends ``Cross-Origin-Opener-Policy: same-origin``, which cuts a
    window off from a cross-origin opener; one such response anywhere in the
    popup's chain (the sign-in page, the login form, its redirects) and the
    token can never be handed back. Those responses relax it; nothing else
    does. (Listed after SecurityMiddleware, which only fills in a missing
    header.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _in_sign_in_popup(request):
            response["Cross-Origin-Opener-Policy"] = "unsafe-none"
        return response


def _in_sign_in_popup(request: HttpRequest) -> bool:
    if request.path == SIGN_IN_PATH:
        return True
    # Our sign-in and registration forms post back to their own URL, query
    # string included, so the form's POST carries ``next`` here too. (The
    # body is not read: this runs before the request size check.)
    return request.GET.get("next", "").startswith(SIGN_IN_PATH)
