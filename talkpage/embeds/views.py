from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from talkpage.discussion.threads import load_thread_page
from talkpage.discussion.viewers import Viewer
from talkpage.embeds.models import Site
from talkpage.embeds.pages import (
    BadPageUrl,
    find_thread,
    origin_of,
)
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


def _static_redirect(path: str):
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        # The stable address a host page writes, pointing at the current
        # hashed file (cached for a year); the redirect itself is cached
        # briefly so a new version reaches host pages within minutes.
        response = redirect(static(path))
        response["Cache-Control"] = "public, max-age=300"
        return response

    return view


embed_script = _static_redirect("talkpage/embed.js")
count_script = _static_redirect("talkpage/count.js")


@require_GET
def thread_fragment(request: HttpRequest) -> HttpResponse:
    """The visible thread of an embedded page as plain HTML, for static site
    generators to include at build time and for readers without JavaScript.
    It shows only what every reader may see, so it can be cached."""
    site = Site.objects.filter(key=request.GET.get("site", "")).first()
    url = request.GET.get("url", "")
    try:
        thread = find_thread(site, url) if site is not None else None
    except BadPageUrl:
        thread = None
    if site is None or (thread is None and not site.allows(origin_of(url))):
        return HttpResponse(
            "Unknown site or page.", status=404, content_type="text/plain"
        )
    page = (
        load_thread_page(thread, viewer=Viewer(), sort="oldest")
        if thread is not None
        else None
    )
    response = render(
        request,
        "embeds/thread_fragment.html",
        {"thread": thread, "page": page, "viewer": Viewer()},
    )
    response["Cache-Control"] = "public, max-age=60"
    # A fragment is meant to be included by other sites' build tools.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def page_thread(request: HttpRequest) -> HttpResponse:
    """Where the widget's <noscript> link goes: the page's thread here, on
    Talkpage, readable and answerable without JavaScript. (A GET makes no
    thread: a page nobody has commented on gets a plain notice.)"""
    site = Site.objects.filter(key=request.GET.get("site", "")).first()
    url = request.GET.get("url", "")
    try:
        thread = find_thread(site, url) if site is not None else None
        known_page = site is not None and site.allows(origin_of(url))
    except BadPageUrl:
        thread, known_page = None, False
    if thread is not None:
        return redirect(thread.get_absolute_url() + "#discussion")
    if not known_page:
        return render(request, "errors/404.html", status=404)
    return render(request, "embeds/no_thread.html", {"site": site, "url": url})
