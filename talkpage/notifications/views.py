from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from talkpage.articles.models import Article
from talkpage.discussion.views import allowed
from talkpage.lib.http import csrf_token_only_for_members, too_many_requests
from talkpage.notifications import services
from talkpage.notifications.forms import FollowForm
from talkpage.notifications.models import Subscription

CONFIRM_SENT = (
    "Check your mailbox: we have sent a link to confirm the address. Nothing "
    "is mailed to it until you do."
)


def _bad_link(request: HttpRequest, error: services.BadLink) -> HttpResponse:
    return render(
        request,
        "notifications/bad_link.html",
        {"message": str(error)},
        status=404,
    )


@require_POST
@csrf_token_only_for_members
def follow(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Follow this discussion" under an article."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    form = FollowForm(request.POST)
    signed_in = request.user.is_authenticated
    if not form.is_valid() or not (signed_in or form.cleaned_data["email"]):
        if form.is_valid():
            form.add_error("email", "Please enter your email address to follow.")
        return render(
            request,
            "notifications/follow.html",
            {"article": article, "form": form},
            status=400,
        )
    verdict = allowed(request, "follow")
    if not verdict.allowed:
        return too_many_requests(
            request,
            verdict.retry_after,
            "You have asked to follow many discussions in a short time. "
            "Please try again later.",
        )
    if signed_in:
        services.follow_article(article=article, user=request.user)
        if request.user.email_verified:
            messages.success(request, "You follow this discussion by email.")
        else:
            messages.success(
                request,
                "You follow this discussion. Emails start once you confirm "
                "your address (see your account settings).",
            )
    else:
        services.follow_article(article=article, email=form.cleaned_data["email"])
        messages.success(request, CONFIRM_SENT)
    return redirect(article.get_absolute_url() + "#discussion")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in "confirm your address": GET shows, POST confirms (mail
    scanners open links; they do not press buttons)."""
    try:
        subscription = services.subscription_to_confirm(token)
    except services.BadLink as error:
        return _bad_link(request, error)
    if request.method == "POST":
        services.confirm(subscription=subscription)
        return render(
            request, "notifications/confirmed.html", {"subscription": subscription}
        )
    return render(
        request,
        "notifications/confirm.html",
        {"subscription": subscription, "token": token},
    )


# Mail clients POST "List-Unsubscribe=One-Click" here with no cookie and no
# CSRF token (RFC 8058); the signed link is the authority, and all it can
# do is end the subscriptions it names.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriptions = services.subscriptions_to_end(token)
    except services.BadLink as error:
        return _bad_link(request, error)
    if request.method == "POST":
        services.unsubscribe(subscriptions=subscriptions)
        return render(request, "notifications/unsubscribed.html")
    return render(
        request,
        "notifications/unsubscribe.html",
        {"subscriptions": subscriptions, "token": token},
    )


@login_required
@require_POST
def stop(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """A member ends one of their subscriptions from their settings."""
    subscription = get_object_or_404(
        Subscription, pk=subscription_id, user=request.user
    )
    services.unsubscribe(subscriptions=[subscription])
    messages.success(request, "No more emails about that discussion.")
    return redirect(reverse("accounts:settings") + "#notifications")


@require_GET
def held_comment(request: HttpRequest, token: str) -> HttpResponse:
    """A moderator's mailed link: leads to the comment in the queue, where
    the decision is a POST by a signed-in moderator."""
    try:
        comment_id = services.held_comment_of(token)
    except services.BadLink as error:
        return _bad_link(request, error)
    return redirect(reverse("moderation:queue") + f"#q{comment_id}")
