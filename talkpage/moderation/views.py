from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment, Status
from talkpage.lib import ratelimit
from talkpage.lib.http import too_many_requests
from talkpage.lib.network import ban_network_hash, network_hash
from talkpage.moderation import services
from talkpage.moderation.forms import (
    ArticlePolicyForm,
    BanForm,
    BulkForm,
    PolicyForm,
    ReportForm,
)
from talkpage.moderation.models import Ban, ModerationEvent
from talkpage.moderation.permissions import moderator_required

QUEUES = {
    "held": ("Awaiting a decision", [Status.HELD]),
    "spam": ("Marked as spam", [Status.SPAM]),
    "hidden": ("Hidden and rejected", [Status.HIDDEN, Status.REJECTED]),
}

DECISIONS = {
    "approve": (services.approve, "Approved."),
    "reject": (services.reject, "Rejected."),
    "spam": (services.mark_spam, "Marked as spam."),
    "hide": (services.hide, "Hidden."),
    "restore": (services.restore, "Restored."),
    "delete": (services.delete, "Deleted."),
}


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@moderator_required
@never_cache
def queue(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "held")
    if show not in QUEUES:
        show = "held"
    title, statuses = QUEUES[show]
    comments = (
        Comment.objects.filter(status__in=statuses, deleted_at__isnull=True)
        .select_related("article", "user")
        .prefetch_related("reports")
        .order_by("-created_at", "-id")
    )
    page = Paginator(comments, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "show": show,
            "queues": {key: label for key, (label, _) in QUEUES.items()},
            "title": title,
            "policy_form": PolicyForm(initial={"policy": services.site_policy()}),
            "held_count": Comment.objects.needing_decision().count(),
        },
    )


@moderator_required
@require_POST
def decide(request: HttpRequest, comment_id: int, action: str) -> HttpResponse:
    if action not in DECISIONS:
        raise Http404("No such moderation action.")
    comment = get_object_or_404(Comment, pk=comment_id)
    decision, done = DECISIONS[action]
    decision(comment=comment, actor=request.user)
    messages.success(request, f"Comment {comment.pk}: {done}")
    return redirect(_back(request, reverse("moderation:queue")))


@moderator_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("comments") if i.isdigit()][:500]
    form = BulkForm(request.POST, comment_ids=ids)
    if not form.is_valid() or not ids:
        messages.error(request, "Choose an action and at least one comment.")
        return redirect(_back(request, reverse("moderation:queue")))
    decision, done = DECISIONS[form.cleaned_data["action"]]
    for comment in Comment.objects.filter(pk__in=form.cleaned_data["comments"]):
        decision(comment=comment, actor=request.user)
    messages.success(request, f"{len(ids)} comment(s): {done}")
    return redirect(_back(request, reverse("moderation:queue")))


@moderator_required
@require_http_methods(["GET", "POST"])
def ban(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("user"), pk=comment_id)
    # Not ``request.POST or None``: every field may be empty, and an empty
    # POST (ban until lifted, no reason) is still a decision to act on.
    form = BanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["days"]
        try:
            services.ban_author(
                comment=comment,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
                hide_published=form.cleaned_data["hide_published"],
            )
        except services.ModerationRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The author is banned.")
            return redirect(_back(request, reverse("moderation:queue")))
    return render(
        request,
        "moderation/ban.html",
        {"comment": comment, "form": form},
        status=400 if form.is_bound else 200,
    )


@moderator_required
@never_cache
def bans(request: HttpRequest) -> HttpResponse:
    in_force = Ban.objects.in_force().select_related("user", "created_by")
    return render(request, "moderation/bans.html", {"bans": in_force[:200]})


@moderator_required
@require_POST
def lift_ban(request: HttpRequest, ban_id: int) -> HttpResponse:
    services.lift_ban(ban=get_object_or_404(Ban, pk=ban_id), actor=request.user)
    messages.success(request, "The ban is lifted.")
    return redirect("moderation:bans")


@moderator_required
@require_POST
def hide_ban_comments(request: HttpRequest, ban_id: int) -> HttpResponse:
    ban = get_object_or_404(Ban, pk=ban_id)
    hidden = services.hide_comments_of_ban(ban=ban, actor=request.user)
    messages.success(request, f"{hidden} comment(s) hidden.")
    return redirect("moderation:bans")


@moderator_required
@require_POST
def site_policy(request: HttpRequest) -> HttpResponse:
    form = PolicyForm(request.POST)
    if form.is_valid():
        services.set_site_policy(policy=form.cleaned_data["policy"], actor=request.user)
        messages.success(request, "The site-wide policy is changed.")
    else:
        messages.error(request, "Choose one of the policies.")
    return redirect("moderation:queue")


@moderator_required
@require_POST
def article_policy(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    form = ArticlePolicyForm(request.POST)
    if form.is_valid():
        services.set_article_policy(
            article=article, policy=form.cleaned_data["policy"], actor=request.user
        )
        messages.success(request, "The article's policy is changed.")
    else:
        messages.error(request, "Choose one of the policies.")
    return redirect(article.get_absolute_url() + "#discussion")


@moderator_required
@never_cache
def log(request: HttpRequest) -> HttpResponse:
    events = ModerationEvent.objects.select_related("actor", "comment", "article")
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "moderation/log.html", {"page": page})


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = get_object_or_404(
        Comment.objects.visible().select_related("article"), pk=comment_id
    )
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # Per network, and per account so that a member cannot escape the
        # limit by changing networks.
        verdict = ratelimit.hit("network", network_hash(request), "report")
        if verdict.allowed and request.user.is_authenticated:
            verdict = ratelimit.hit("user", str(request.user.pk), "report")
        if not verdict.allowed:
            return too_many_requests(
                request, verdict.retry_after, "You are sending reports too fast."
            )
        if request.user.is_authenticated:
            reporter_key = f"user:{request.user.pk}"
        else:
            reporter_key = f"network:{ban_network_hash(request)}"
        try:
            services.report(
                comment=comment,
                reporter=request.user,
                reporter_key=reporter_key,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except services.ModerationRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            # The same answer for a repeated report: it counted once.
            messages.success(request, "Thank you. The moderators will take a look.")
            return redirect(comment.article.get_absolute_url() + "#discussion")
    return render(
        request,
        "moderation/report.html",
        {"comment": comment, "form": form},
        status=400 if form.is_bound else 200,
    )
