"""Moderation: policies, screening new comments, decisions, reports, bans.

Every decision goes through :func:`set_status`, which keeps the article and
thread counts right and writes the audit log, so no path can publish or
unpublish a comment without leaving a record.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment, Status
from talkpage.moderation.models import (
    Ban,
    ModerationEvent,
    Policy,
    Report,
    SiteModeration,
)
from talkpage.moderation.spam import URL, get_filter
from talkpage.notifications import services as notifications


class ModerationRefused(Exception):
    """An action that cannot happen, with a message fit to show the person."""


# --- The audit log ----------------------------------------------------------


def record(
    *,
    actor,
    action: str,
    comment: Comment | None = None,
    article: Article | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> ModerationEvent:
    return ModerationEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        comment=comment,
        article=article or (comment.article if comment else None),
        before=before or {},
        after=after or {},
    )


# --- Policy -----------------------------------------------------------------


def site_policy() -> str:
    row = SiteModeration.objects.filter(pk=1).first()
    if row is not None and row.policy:
        return row.policy
    return settings.TALKPAGE_MODERATION_POLICY


def policy_for(article: Article, *, now: datetime | None = None) -> str:
    """The policy in force on ``article``: its own when a moderator set one
    (so an old article can be reopened); else closed once
    TALKPAGE_CLOSE_AFTER_DAYS have passed since publication; else the
    site's."""
    if article.moderation_policy:
        return article.moderation_policy
    days = settings.TALKPAGE_CLOSE_AFTER_DAYS
    now = now or timezone.now()
    if days and article.published_at + timedelta(days=days) <= now:
        return Policy.CLOSED
    return site_policy()


@transaction.atomic
def set_site_policy(*, policy: str, actor) -> None:
    if policy not in Policy.values:
        raise ModerationRefused(f"Unknown policy {policy!r}.")
    if SiteModeration.objects.filter(pk=1, policy=policy).exists():
        return  # saved twice: nothing changed, nothing to record
    before = site_policy()
    SiteModeration.objects.update_or_create(
        pk=1,
        defaults={"policy": policy, "changed_by": actor, "changed_at": timezone.now()},
    )
    # Every article's comment form shows the policy in force.
    Article.objects.discussion_changed()
    record(
        actor=actor,
        action="policy.site.changed",
        before={"policy": before},
        after={"policy": policy},
    )


@transaction.atomic
def set_article_policy(*, article: Article, policy: str, actor) -> None:
    if policy and policy not in Policy.values:
        raise ModerationRefused(f"Unknown policy {policy!r}.")
    before = article.moderation_policy
    if policy == before:
        return  # saved twice: nothing changed, nothing to record
    article.moderation_policy = policy
    article.save(update_fields=["moderation_policy"])
    Article.objects.filter(pk=article.pk).discussion_changed()
    record(
        actor=actor,
        action="policy.article.changed",
        article=article,
        before={"policy": before},
        after={"policy": policy},
    )


# --- Screening new comments -------------------------------------------------


@dataclass(frozen=True)
class Screening:
    status: str
    reasons: list[str]
    spam_score: float


def has_approved_history(user) -> bool:
    return Comment.objects.filter(user=user, status=Status.PUBLISHED).exists()


def active_ban(*, user, network_hash: str) -> Ban | None:
    bans = Ban.objects.in_force()
    if user is not None and user.is_authenticated:
        ban = bans.filter(user=user).first()
        if ban is not None:
            return ban
    if network_hash:
        return bans.filter(network_hash=network_hash).first()
    return None


def check_can_post(
    *, article: Article, user, network_hash: str, policy: str | None = None
) -> None:
    """Refuse before anything is stored: closed articles, banned posters.
    ``policy`` is policy_for(article), when the caller has it already."""
    if (policy or policy_for(article)) == Policy.CLOSED:
        raise ModerationRefused("Comments are closed on this article.")
    check_not_banned(user=user, network_hash=network_hash)


def check_not_banned(*, user, network_hash: str) -> None:
    ban = active_ban(user=user, network_hash=network_hash)
    if ban is not None:
        until = (
            f" until {ban.expires_at:%-d %B %Y, %H:%M} UTC" if ban.expires_at else ""
        )
        because = f" Reason: {ban.reason}" if ban.reason else ""
        raise ModerationRefused(
            f"You have been banned from commenting{until}.{because}".strip()
        )


def screen(
    *,
    article: Article,
    user,
    text: str,
    signals: list[str],
    spam_signals: list[str] | None = None,
    for_edit: bool = False,
    policy: str | None = None,
) -> Screening:
    """Decide where a new (or edited) comment goes: published, held or spam.

    ``signals`` are reasons found before this point (repeated content, the
    form's checks); any of them holds the comment. ``spam_signals`` (the
    honeypot) make it spam outright. An edit is screened for spam and links
    but not held again by policy. ``policy`` is policy_for(article), when
    the caller has it already.
    """
    if spam_signals:
        return Screening(Status.SPAM, list(spam_signals), 1.0)
    verdict = get_filter().score(text)
    reasons = list(signals)
    # Spam outright needs more than one clue: a single strong feature (one
    # link, say) only holds the comment for a person to judge.
    if (
        verdict.score >= settings.TALKPAGE_SPAM_REJECT_SCORE
        and len(verdict.reasons) >= 2
    ):
        return Screening(
            Status.SPAM,
            [f"spam filter {verdict.score:.2f}", *verdict.reasons],
            verdict.score,
        )
    if verdict.score >= settings.TALKPAGE_SPAM_HOLD_SCORE:
        reasons += [f"spam filter {verdict.score:.2f}", *verdict.reasons]
    links = count_links(text)
    if links > settings.TALKPAGE_MAX_LINKS:
        reasons.append(f"{links} links")
    signed_in = user is not None and user.is_authenticated
    # Moderators would only be approving themselves.
    skip_policy = for_edit or (signed_in and user.is_moderator)
    if skip_policy:
        policy = None
    elif policy is None:
        policy = policy_for(article)
    if policy == Policy.HOLD_ALL:
        reasons.append("policy: hold-all")
    elif policy == Policy.HOLD_ANONYMOUS and not (
        signed_in and has_approved_history(user)
    ):
        reasons.append("policy: hold-anonymous")
    status = Status.HELD if reasons else Status.PUBLISHED
    return Screening(status, reasons, verdict.score)


def count_links(text: str) -> int:
    """Links as a reader sees them: ``https://www.x.example`` is one, not
    two, and so is ``[https://x.example](https://x.example)``."""
    return sum(
        1 for match in URL.finditer(text) if not text.startswith("](", match.end())
    )


# --- Decisions --------------------------------------------------------------


@transaction.atomic
def set_status(
    *, comment: Comment, status: str, actor, action: str, note: str = ""
) -> Comment:
    """Move a comment to ``status``, keeping counts and the audit log.

    Acting twice is harmless: a comment already in ``status`` is left alone
    and nothing is recorded.
    """
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.status == status:
        return comment
    was_counted = comment.counts_as_visible
    before = comment.status
    comment.status = status
    comment.save(update_fields=["status"])
    _adjust_counts(comment, int(comment.counts_as_visible) - int(was_counted))
    if comment.counts_as_visible and not was_counted:
        notifications.comment_became_visible(comment=comment)
    elif status == Status.HELD:
        notifications.comment_was_held(comment=comment)
    record(
        actor=actor,
        action=action,
        comment=comment,
        before={"status": before},
        after={"status": status, **({"note": note} if note else {})},
    )
    return comment


def _adjust_counts(comment: Comment, delta: int) -> None:
    """Counts follow the change, and the discussion is marked changed (the
    root comment's row before the article's, as everywhere)."""
    if delta and comment.root_id is not None:
        Comment.objects.filter(pk=comment.root_id).update(
            reply_count=F("reply_count") + delta
        )
    Article.objects.filter(pk=comment.article_id).discussion_changed(
        comment_delta=delta
    )


def approve(*, comment: Comment, actor) -> Comment:
    previous = comment.status
    comment = set_status(
        comment=comment,
        status=Status.PUBLISHED,
        actor=actor,
        action="comment.approved",
    )
    if previous == Status.SPAM:
        get_filter().forget(comment.body, is_spam=True)
    if previous in (Status.HELD, Status.SPAM):
        get_filter().learn(comment.body, is_spam=False)
    return comment


def reject(*, comment: Comment, actor) -> Comment:
    return set_status(
        comment=comment,
        status=Status.REJECTED,
        actor=actor,
        action="comment.rejected",
    )


def mark_spam(*, comment: Comment, actor) -> Comment:
    previous = comment.status
    comment = set_status(
        comment=comment, status=Status.SPAM, actor=actor, action="comment.spam"
    )
    if previous != Status.SPAM:
        get_filter().learn(comment.body, is_spam=True)
    return comment


def hide(*, comment: Comment, actor) -> Comment:
    return set_status(
        comment=comment, status=Status.HIDDEN, actor=actor, action="comment.hidden"
    )


def restore(*, comment: Comment, actor) -> Comment:
    return set_status(
        comment=comment,
        status=Status.PUBLISHED,
        actor=actor,
        action="comment.restored",
    )


def delete(*, comment: Comment, actor) -> None:
    from talkpage.discussion.services import delete_comment

    if comment.is_deleted:
        return
    delete_comment(comment=comment)
    record(
        actor=actor,
        action="comment.deleted",
        comment=comment,
        before={"deleted": False},
        after={"deleted": True},
    )


# --- Reports ----------------------------------------------------------------


def report(
    *, comment: Comment, reporter, reporter_key: str, reason: str, note: str = ""
) -> bool:
    """Record a reader's report; False if this reader reported it before.

    The report that makes TALKPAGE_REPORTS_TO_HIDE distinct ones takes a
    published comment out of view until a moderator decides. Only that one:
    once a moderator has approved the comment, later reports do not hide it
    again.
    """
    if not comment.is_published or comment.is_deleted:
        raise ModerationRefused("That comment is not shown, so it cannot be reported.")
    try:
        with transaction.atomic():
            Report.objects.create(
                comment=comment,
                reporter=reporter if reporter and reporter.is_authenticated else None,
                reporter_key=reporter_key,
                reason=reason,
                note=note,
            )
            Comment.objects.filter(pk=comment.pk).update(
                report_count=F("report_count") + 1
            )
            # The row stays locked until commit, so concurrent reports each
            # read their own count and exactly one reaches the threshold.
            count = Comment.objects.values_list("report_count", flat=True).get(
                pk=comment.pk
            )
    except IntegrityError:
        return False
    comment.refresh_from_db(fields=["report_count", "status", "moderation_reasons"])
    if count == settings.TALKPAGE_REPORTS_TO_HIDE and comment.is_published:
        with transaction.atomic():
            Comment.objects.filter(pk=comment.pk).update(
                moderation_reasons=[
                    *comment.moderation_reasons,
                    f"{count} reports",
                ]
            )
            set_status(
                comment=comment,
                status=Status.HELD,
                actor=None,
                action="comment.held_by_reports",
            )
    return True


# --- Bans -------------------------------------------------------------------


@transaction.atomic
def ban_author(
    *,
    comment: Comment,
    actor,
    reason: str = "",
    expires_at: datetime | None = None,
    hide_published: bool = False,
) -> Ban:
    """Ban whoever wrote ``comment``: their account, else their network.

    Banning someone already banned keeps the ban in force (a second one
    would outlive "Lift ban" on the first) and records nothing new.
    """
    if comment.user_id is None and not comment.network_hash:
        raise ModerationRefused("This comment carries nothing to ban by.")
    if comment.user_id:
        target = {"user_id": comment.user_id, "network_hash": ""}
    else:
        target = {"user_id": None, "network_hash": comment.network_hash}
    ban = Ban.objects.in_force().filter(**target).first()
    if ban is not None:
        if hide_published:
            hide_comments_of_ban(ban=ban, actor=actor)
        return ban
    ban = Ban.objects.create(
        **target, reason=reason, expires_at=expires_at, created_by=actor
    )
    record(
        actor=actor,
        action="author.banned",
        comment=comment,
        after={
            "ban": ban.pk,
            "target": "account" if ban.user_id else "network",
            "reason": reason,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    if hide_published:
        hide_comments_of_ban(ban=ban, actor=actor)
    return ban


def comments_of_ban(ban: Ban):
    """The banned author's comments. A network ban is of an anonymous
    poster: members who happen to share the network keep theirs."""
    if ban.user_id:
        return Comment.objects.filter(user_id=ban.user_id)
    return Comment.objects.filter(network_hash=ban.network_hash, user__isnull=True)


def hide_comments_of_ban(*, ban: Ban, actor) -> int:
    hidden = 0
    for comment in comments_of_ban(ban).visible():
        hide(comment=comment, actor=actor)
        hidden += 1
    return hidden


@transaction.atomic
def lift_ban(*, ban: Ban, actor) -> None:
    if ban.lifted_at is not None:
        return
    ban.lifted_at = timezone.now()
    ban.save(update_fields=["lifted_at"])
    record(
        actor=actor,
        action="author.unbanned",
        before={"ban": ban.pk, "lifted_at": None},
        after={"ban": ban.pk, "lifted_at": ban.lifted_at.isoformat()},
    )
