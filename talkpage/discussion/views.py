import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from talkpage.articles.models import Article
from talkpage.discussion import services
from talkpage.discussion.forms import CommentForm, EditCommentForm
from talkpage.discussion.models import Comment, Status
from talkpage.discussion.threads import load_single_thread, votes_of
from talkpage.discussion.viewers import Viewer, remember_edit_token, remember_voter
from talkpage.lib import ratelimit
from talkpage.lib.http import csrf_token_only_for_members, too_many_requests
from talkpage.lib.network import ban_network_hash, network_hash
from talkpage.moderation.services import ModerationRefused
from talkpage.privacy.services import erase_comment

MANAGE_LINK_NOTICE = (
    "{0} To edit or delete it later from another device, keep this private "
    'link (it is shown only once): <a href="{1}">{1}</a>'
)


@require_POST
@csrf_token_only_for_members
def post(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.published(), slug=slug)
    form = CommentForm(request.POST, article_id=article.pk)
    in_reply_to = None
    if form.is_valid() and form.cleaned_data["reply_to"]:
        # Only a published comment takes replies: the form page quotes it.
        in_reply_to = Comment.objects.filter(
            pk=form.cleaned_data["reply_to"], article=article, status=Status.PUBLISHED
        ).first()
        if in_reply_to is None:
            form.add_error(None, "The comment you replied to does not exist.")
    if (
        form.is_valid()
        and form.cleaned_data["notify"]
        and not form.cleaned_data["email"]
        and not request.user.is_authenticated
    ):
        form.add_error(
            "email",
            "Please enter your email address to be told about replies, or "
            "untick “Email me when someone replies”.",
        )
    if not form.is_valid():
        return compose(request, article, form, in_reply_to=in_reply_to, status=400)

    verdict = allowed(request, "comment")
    if not verdict.allowed:
        form.add_error(
            None,
            f"You are posting faster than we allow. Your comment is kept "
            f"below: please post it again in {verdict.retry_after} seconds.",
        )
        response = compose(request, article, form, in_reply_to=in_reply_to, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response

    data = form.cleaned_data
    try:
        posted = services.post_comment(
            article=article,
            user=request.user,
            text=data["text"],
            anonymous=data["anonymous"],
            author_name=data["name"],
            in_reply_to=in_reply_to,
            submission_key=submission_key(request, data["form_token"]),
            network_hash=ban_network_hash(request),
            spam_signals=["honeypot field filled"] if form.honeypot_filled else [],
            notify=data["notify"],
            notify_email=data["email"],
        )
    except ModerationRefused as refusal:
        form.add_error(None, str(refusal))
        return compose(request, article, form, in_reply_to=in_reply_to, status=403)
    except services.CommentRefused as refusal:
        form.add_error(None, str(refusal))
        return compose(request, article, form, in_reply_to=in_reply_to, status=400)

    comment = posted.comment
    if posted.created and data["notify"]:
        _tell_about_reply_emails(request)
    response = redirect(_where_to_see(comment))
    if posted.edit_token:
        remember_edit_token(request, response, comment.pk, posted.edit_token)
    if posted.created:
        messages.success(request, _posted_message(request, posted))
    return response


def _tell_about_reply_emails(request: HttpRequest) -> None:
    if request.user.is_authenticated:
        if not request.user.email_verified:
            messages.info(
                request,
                "Reply emails start once you confirm your email address "
                "(see your account settings).",
            )
    else:
        messages.info(
            request,
            "To get reply emails, confirm your address with the link we mail "
            "to it (once your comment is visible).",
        )


def submission_key(request: HttpRequest, form_key: str) -> str:
    """The form's random key, scoped to who sends it. A proxy or CDN may
    hand one cached page (and so one form key) to several readers for a
    few seconds; the scope keeps their comments apart, while a double
    submit by one reader still finds the first."""
    if not form_key:
        return ""
    who = f"u{request.user.pk}" if request.user.is_authenticated else ""
    return f"{form_key}.{who or ban_network_hash(request)[:16]}"


def _posted_message(request: HttpRequest, posted: services.PostedComment) -> str:
    comment = posted.comment
    # Spam is answered like a held comment: a script learns nothing.
    held = not comment.is_published
    text = (
        "Your comment is awaiting moderation: only you can see it until a "
        "moderator approves it."
        if held
        else "Your comment is posted."
    )
    if not posted.edit_token:
        return text
    manage_url = request.build_absolute_uri(
        reverse(
            "discussion:manage-link",
            kwargs={"comment_id": comment.pk, "token": posted.edit_token},
        )
    )
    return format_html(MANAGE_LINK_NOTICE, text, manage_url)


def allowed(request: HttpRequest, rate_name: str) -> ratelimit.Verdict:
    """Count one event against the network's limit and, for a member, the
    account's too: a member cannot escape by changing networks."""
    verdict = ratelimit.hit("network", network_hash(request), rate_name)
    if verdict.allowed and request.user.is_authenticated:
        verdict = ratelimit.hit("user", str(request.user.pk), rate_name)
    return verdict


def _where_to_see(comment: Comment) -> str:
    if comment.root_id is None:
        url = comment.article.get_absolute_url() + "?sort=newest"
    else:
        url = reverse("discussion:permalink", kwargs={"comment_id": comment.root_id})
    return f"{url}#{comment.anchor}"


def compose(
    request: HttpRequest,
    article: Article,
    form: CommentForm,
    *,
    in_reply_to: Comment | None,
    status: int = 200,
) -> HttpResponse:
    """The comment form on a page of its own: the reply page without
    JavaScript, and the page that shows a refused comment with its text."""
    return render(
        request,
        "discussion/compose.html",
        {
            "article": article,
            "form": form,
            "form_token": form.fresh_token() if form.is_bound else None,
            "in_reply_to": in_reply_to,
            "viewer": Viewer.from_request(request),
        },
        status=status,
    )


@require_GET
def reply(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _get_comment(comment_id)
    if comment.is_deleted:
        raise Http404("That comment has been deleted.")
    # The page quotes the comment: only one every reader may see.
    if not comment.is_published:
        raise Http404("That comment is not shown.")
    form = CommentForm(initial={"reply_to": comment.pk}, article_id=comment.article_id)
    return compose(request, comment.article, form, in_reply_to=comment)


@require_GET
def permalink(request: HttpRequest, comment_id: int) -> HttpResponse:
    """One thread on a page of its own: where a link to any comment lands."""
    comment = _get_comment(comment_id)
    root = comment if comment.root_id is None else comment.root
    viewer = Viewer.from_request(request)
    thread = load_single_thread(root, viewer=viewer)
    if thread is None:
        raise Http404("That comment has been deleted.")
    return render(
        request,
        "discussion/permalink.html",
        {
            "article": comment.article,
            "thread": thread,
            "target": comment,
            "viewer": viewer,
            "votes": votes_of(viewer.voter_key, thread.comment_ids()),
        },
    )


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _get_editable_comment(request, comment_id)
    if request.method == "POST":
        form = EditCommentForm(request.POST)
        context = {"comment": comment, "form": form}
        if not form.is_valid():
            return render(request, "discussion/edit.html", context, status=400)
        verdict = allowed(request, "comment_edit")
        if not verdict.allowed:
            form.add_error(
                None, f"Too many edits; try again in {verdict.retry_after} seconds."
            )
            response = render(request, "discussion/edit.html", context, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        try:
            edited = services.edit_comment(
                comment=comment, text=form.cleaned_data["text"]
            )
        except ModerationRefused as refusal:
            form.add_error(None, str(refusal))
            return render(request, "discussion/edit.html", context, status=403)
        messages.success(
            request,
            "Your comment is updated."
            if edited.is_published
            # Screened again and held (or kept as spam, which is answered
            # alike): say so, or they would think it is shown.
            else "Your comment is updated. It is awaiting moderation: only "
            "you can see it until a moderator approves it.",
        )
        return redirect(_where_to_see(comment))
    form = EditCommentForm(initial={"text": comment.body})
    return render(request, "discussion/edit.html", {"comment": comment, "form": form})


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _get_editable_comment(request, comment_id)
    if request.method == "POST":
        # The author's delete erases (name, network hash, edit token too);
        # a moderator's delete (moderation.services.delete) keeps the hash.
        erase_comment(comment=comment)
        messages.success(request, "Your comment is deleted.")
        return redirect(comment.article.get_absolute_url() + "#discussion")
    return render(request, "discussion/delete.html", {"comment": comment})


@require_GET
def manage_link(request: HttpRequest, comment_id: int, token: str) -> HttpResponse:
    """The private link shown after anonymous posting.

    It moves the token into the edit cookie and redirects to a URL without
    it, so the token does not linger in history or Referer headers.
    """
    comment = _get_comment(comment_id)
    if not comment.edit_token_matches(token):
        return render(
            request,
            "errors/400.html",
            {"message": "This manage link is not valid (or the comment is gone)."},
            status=404,
        )
    response = redirect(
        reverse("discussion:permalink", kwargs={"comment_id": comment.pk})
        + f"#{comment.anchor}"
    )
    remember_edit_token(request, response, comment.pk, token)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _get_comment(comment_id: int) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("article", "user"), pk=comment_id
    )


def _get_editable_comment(request: HttpRequest, comment_id: int) -> Comment:
    comment = _get_comment(comment_id)
    if comment.is_deleted:
        raise Http404("That comment has been deleted.")
    if not comment.can_edit(by=Viewer.from_request(request)):
        raise PermissionDenied("You can edit or delete only your own comments.")
    return comment


@require_POST
@csrf_token_only_for_members
def vote(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Vote a comment up (+1) or down (-1), or take the vote back (0)."""
    comment = _get_comment(comment_id)
    back = _safe_back(request, _where_to_see(comment))
    try:
        value = int(request.POST.get("value", ""))
    except ValueError:
        value = 2  # refused below
    viewer = Viewer.from_request(request)
    new_visitor = ""
    if not viewer.voter_key:
        new_visitor = secrets.token_urlsafe(16)
        viewer.voter_key = f"visitor:{new_visitor}"
    verdict = allowed(request, "vote")
    if not verdict.allowed:
        return too_many_requests(
            request, verdict.retry_after, "You are voting faster than we allow."
        )
    if comment.is_authored_by(viewer):
        messages.error(request, "You cannot vote on your own comment.")
        return redirect(back)
    try:
        services.vote(
            comment=comment, voter_key=viewer.voter_key, user=request.user, value=value
        )
    except services.CommentRefused as refusal:
        return render(request, "errors/400.html", {"message": str(refusal)}, status=400)
    response = redirect(back)
    if new_visitor:
        remember_voter(response, new_visitor)
    return response


def _safe_back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
