from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from talkpage.embeds.models import Site
from talkpage.embeds.tokens import issue_bearer_token


@require_GET
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    """The sign-in popup of the embed widget.

    After the person signs in on our own origin (first-party cookies, so it
    works where third-party cookies are blocked), this page hands a bearer
    token to the widget with postMessage addressed to the exact origin of
    the embedding page, which must be one of the site's origins.
    """
    site = Site.objects.filter(key=request.GET.get("site", "")).first()
    origin = request.GET.get("origin", "")
    if site is None or not site.allows(origin):
        return render(
            request,
            "errors/400.html",
            {"message": "This sign-in window was not opened by a known site."},
            status=400,
        )
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    response = render(
        request,
        "embeds/signed_in.html",
        {
            "site": site,
            "origin": origin,
            "token": issue_bearer_token(request.user),
        },
    )
    # The page holds a token: no Referer leaves it, nobody frames it.
    response["Referrer-Policy"] = "no-referrer"
    return response
