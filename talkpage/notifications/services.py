"""Subscribing, confirming, unsubscribing, and the mail that follows.

Requests only record what was asked and queue tasks (notifications/tasks.py);
workers decide what to send, so a busy thread costs the request nothing and
the mail server's state never reaches a reader. Mail goes only to confirmed
addresses (a member's verified address, or an address whose owner clicked
our link), only about visible comments, and at most once per
TALKPAGE_NOTIFICATION_INTERVAL_MINUTES per address: what happens meanwhile
waits and goes in one message.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from talkpage.accounts.models import MODERATORS_GROUP, User
from talkpage.articles.models import Article
from talkpage.background.mail import send_later
from talkpage.discussion.models import Comment, Status
from talkpage.lib.http import absolute_url
from talkpage.lib.mail import one_line
from talkpage.lib.tasks import enqueue_on_commit
from talkpage.notifications.models import (
    Kind,
    Mailbox,
    ModeratorAlert,
    Notice,
    Subscription,
)

logger = logging.getLogger("talkpage.notifications")

CONFIRM_SALT = "talkpage.notifications.confirm"
UNSUBSCRIBE_SALT = "talkpage.notifications.unsubscribe"
HELD_LINK_SALT = "talkpage.notifications.held-comment"
# "Is this your address?" messages one address gets in a day, whoever asks:
# a stranger cannot flood someone's mailbox with them.
CONFIRMATIONS_PER_ADDRESS_PER_DAY = 3
# Moderation links in mail lead to the queue for this long.
HELD_LINK_DAYS = 7
EXCERPT_LENGTH = 500
# A planned message this overdue was lost: the next notice plans another.
STUCK_AFTER = timedelta(hours=1)


class BadLink(Exception):
    """A confirmation or unsubscribe link that is forged, damaged or too old."""


# --- Subscribing ------------------------------------------------------------


def subscribe_to_replies(
    *, comment: Comment, user=None, email: str = ""
) -> Subscription:
    """ "Email me when someone replies" on ``comment``: a member's account
    address, or ``email``, confirmed by its owner before any reply is sent
    (the confirmation goes once the comment is visible)."""
    subscription = _subscribe(
        kind=Kind.REPLIES,
        article=comment.article,
        comment=comment,
        user=user,
        email=email,
    )
    if not subscription.is_confirmed and comment.counts_as_visible:
        _queue_confirmation(subscription)
    return subscription


def subscribe_poster(
    *, comment: Comment, user=None, email: str = ""
) -> Subscription | None:
    """The poster of ``comment`` ticked "Email me when someone replies"."""
    if user is not None and user.is_authenticated:
        return subscribe_to_replies(comment=comment, user=user)
    if email:
        return subscribe_to_replies(comment=comment, email=email)
    return None


def follow_article(*, article: Article, user=None, email: str = "") -> Subscription:
    """ "Follow this discussion": every new visible comment on ``article``."""
    subscription = _subscribe(
        kind=Kind.ARTICLE, article=article, user=user, email=email
    )
    if not subscription.is_confirmed:
        _queue_confirmation(subscription)
    return subscription


def _subscribe(*, kind, article, comment=None, user=None, email="") -> Subscription:
    signed_in = user is not None and user.is_authenticated
    target = {"kind": kind, "article": article, "comment": comment}
    if signed_in:
        # The account's address is the member's own; whether mail may go
        # to it is the account's verification, checked when sending.
        who = {"user": user}
        new = {"confirmed_at": timezone.now()}
    else:
        # Stored lower-case, so one address is one subscriber however it
        # is typed, and lookups use the index.
        who = {"user": None, "email": email.strip().lower()}
        new = {}
    existing = Subscription.objects.filter(**who, **target).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Subscription.objects.create(**who, **target, **new)
    except IntegrityError:  # the same request twice at once (a double click)
        return Subscription.objects.get(**who, **target)


def _queue_confirmation(subscription: Subscription) -> bool:
    """Mails the confirmation link, unless one went in the last day (asking
    again later sends a new one: the first may be lost, or expired) or the
    address has had its share today. Returns whether it was queued."""
    if subscription.user_id or subscription.is_confirmed:
        return False
    day_ago = timezone.now() - timedelta(days=1)
    sent = subscription.confirmation_sent_at
    if sent is not None and sent >= day_ago:
        return False
    sent_today = Subscription.objects.filter(
        user__isnull=True,
        email=subscription.email,
        confirmation_sent_at__gte=day_ago,
    ).count()
    if sent_today >= CONFIRMATIONS_PER_ADDRESS_PER_DAY:
        return False
    subscription.confirmation_sent_at = timezone.now()
    subscription.save(update_fields=["confirmation_sent_at"])
    token = signing.dumps({"s": subscription.pk}, salt=CONFIRM_SALT)
    context = {
        "subscription": subscription,
        "article": subscription.article,
        "site_name": settings.TALKPAGE_SITE_NAME,
        "confirm_url": absolute_url(reverse("notifications:confirm", args=[token])),
        "days": settings.TALKPAGE_CONFIRMATION_DAYS,
    }
    send_later(_message("confirm-subscription", context, to=[subscription.email]))
    return True


def subscription_to_confirm(token: str) -> Subscription:
    try:
        data = signing.loads(
            token,
            salt=CONFIRM_SALT,
            max_age=timedelta(days=settings.TALKPAGE_CONFIRMATION_DAYS),
        )
        return Subscription.objects.select_related("article").get(pk=data["s"])
    except signing.SignatureExpired:
        raise BadLink("This confirmation link has expired.") from None
    except (signing.BadSignature, KeyError, TypeError, Subscription.DoesNotExist):
        raise BadLink("This confirmation link is not valid.") from None


def confirm(*, subscription: Subscription) -> Subscription:
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


# --- Unsubscribing ----------------------------------------------------------


def unsubscribe_token(subscriptions) -> str:
    """Never expires: an unsubscribe link must work as long as the mail it
    came in (RFC 8058). It names subscriptions, nothing else."""
    return signing.dumps(
        {"s": sorted(s.pk for s in subscriptions)}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def subscriptions_to_end(token: str) -> list[Subscription]:
    """The subscriptions an unsubscribe link names that still exist (none,
    when the reader already unsubscribed: that is not an error)."""
    try:
        ids = signing.loads(token, salt=UNSUBSCRIBE_SALT)["s"]
        ids = [int(i) for i in ids]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadLink("This unsubscribe link is not valid.") from None
    return list(Subscription.objects.filter(pk__in=ids).select_related("article"))


@transaction.atomic
def unsubscribe(*, subscriptions) -> int:
    """Ends the subscriptions; an address with none left is forgotten."""
    addresses = {s.address.lower() for s in subscriptions}
    count, _ = Subscription.objects.filter(
        pk__in=[s.pk for s in subscriptions]
    ).delete()
    for address in addresses:
        forget_mailbox_if_unused(address)
    return count


def forget_mailbox_if_unused(address: str) -> None:
    if not Subscription.objects.of_address(address).exists():
        Mailbox.objects.filter(address=address.lower()).delete()


# --- When the discussion changes (called by discussion and moderation) --------


def comment_became_visible(*, comment: Comment, just_posted: bool = False) -> None:
    """A new published comment, or a held one approved: its subscribers
    hear of it, and its own author's pending confirmation can go (a comment
    just posted has no subscription yet)."""
    if _anyone_follows(comment):
        enqueue_on_commit(_tasks().notify_subscribers, comment_id=comment.pk)
    if just_posted:
        return
    for subscription in Subscription.objects.filter(
        comment=comment, confirmed_at__isnull=True, confirmation_sent_at__isnull=True
    ).select_related("article"):
        _queue_confirmation(subscription)


def _anyone_follows(comment: Comment) -> bool:
    """Whether a subscription could want this comment (confirmed or not
    yet: the worker decides). Most comments have none, and one indexed
    query is cheaper than a task."""
    return Subscription.objects.filter(_wanting(comment)).exists()


def _wanting(comment: Comment) -> Q:
    wanted = Q(kind=Kind.ARTICLE, article=comment.article_id)
    if comment.in_reply_to_id:
        wanted |= Q(kind=Kind.REPLIES, comment=comment.in_reply_to_id)
    return wanted


def comment_was_held(*, comment: Comment) -> None:
    if settings.TALKPAGE_MODERATOR_NOTIFICATIONS == "each":
        enqueue_on_commit(_tasks().alert_moderators, comment_id=comment.pk)


def _tasks():
    from talkpage.notifications import tasks

    return tasks


# --- In the worker: from comments to notices to messages ----------------------


@transaction.atomic
def queue_notices(*, comment: Comment) -> int:
    """One notice per address to tell about ``comment`` (an address that
    both follows the article and waits for replies hears of it once), and
    a message scheduled for each. The comment's own author is not told.
    Run again (a retry), it finishes what the last run began."""
    if not comment.counts_as_visible:
        return 0
    subscriptions = (
        Subscription.objects.active()
        .filter(_wanting(comment))
        .select_related("user")
        # Replies first: "a reply to your comment" says more than "a
        # comment on an article you follow".
        .order_by("-kind", "pk")
    )
    if comment.user_id:
        subscriptions = subscriptions.exclude(user=comment.user_id)
    own_addresses = {
        s.address.lower() for s in Subscription.objects.filter(comment=comment)
    }
    if comment.user_id:
        own_addresses.add(comment.user.email.lower())
    by_address: dict[str, Subscription] = {}
    for subscription in subscriptions:
        address = subscription.address.lower()
        # An account with no address (signed in from a host site) has
        # nowhere to be told.
        if address and address not in own_addresses:
            by_address.setdefault(address, subscription)
    Notice.objects.bulk_create(
        [Notice(subscription=s, comment=comment) for s in by_address.values()],
        ignore_conflicts=True,
    )
    for address in by_address:
        schedule_message(address=address)
    return len(by_address)


@transaction.atomic
def schedule_message(*, address: str) -> None:
    """Plans the next message to ``address``: after a short wait (replies
    that follow go with it) and not sooner than the interval after the last
    one. An address with a message planned already is left alone."""
    mailbox, _ = Mailbox.objects.get_or_create(address=address)
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    now = timezone.now()
    if mailbox.next_send_at is not None and mailbox.next_send_at > now - STUCK_AFTER:
        return
    # A message planned long ago and never sent (its task failed for good,
    # or was lost) no longer holds the address back.
    due = now + timedelta(seconds=settings.TALKPAGE_NOTIFICATION_DELAY_SECONDS)
    if mailbox.last_sent_at is not None:
        interval = timedelta(minutes=settings.TALKPAGE_NOTIFICATION_INTERVAL_MINUTES)
        due = max(due, mailbox.last_sent_at + interval)
    mailbox.next_send_at = due
    mailbox.save(update_fields=["next_send_at"])
    enqueue_on_commit(_tasks().send_notices.using(run_after=due), address=address)


@dataclass(frozen=True)
class Section:
    """Part of a message: the new comments of one subscription."""

    subscription: Subscription
    comments: list[Comment]

    @property
    def heading(self) -> str:
        title = one_line(self.subscription.article.title)
        count = len(self.comments)
        if self.subscription.kind == Kind.REPLIES:
            what = "New reply" if count == 1 else f"{count} new replies"
            return f"{what} to your comment on “{title}”"
        what = "New comment" if count == 1 else f"{count} new comments"
        return f"{what} on “{title}”"


@transaction.atomic
def send_notices(*, address: str) -> int:
    """Puts every waiting notice for ``address`` into one message. Notices
    of comments taken down since are dropped; so is everything when the
    address is no longer confirmed or verified. Returns the comments told."""
    mailbox = Mailbox.objects.select_for_update().filter(address=address).first()
    if mailbox is None:
        return 0
    now = timezone.now()
    waiting = (
        Notice.objects.filter(handled_at__isnull=True)
        .filter(subscription__in=Subscription.objects.of_address(address))
        .select_related("subscription__article", "subscription__user", "comment__user")
        .order_by("subscription_id", "comment__created_at", "comment_id")
    )
    active = set(
        Subscription.objects.active().of_address(address).values_list("pk", flat=True)
    )
    by_subscription: dict[int, list[Comment]] = defaultdict(list)
    subscriptions = {}
    for notice in waiting:
        if notice.subscription_id in active and notice.comment.counts_as_visible:
            by_subscription[notice.subscription_id].append(notice.comment)
            subscriptions[notice.subscription_id] = notice.subscription
    Notice.objects.filter(pk__in=[n.pk for n in waiting]).update(handled_at=now)
    mailbox.next_send_at = None
    sections = [
        Section(subscriptions[pk], found) for pk, found in by_subscription.items()
    ]
    if sections:
        mailbox.last_sent_at = now
        send_later(_notification_message(address, sections))
    mailbox.save(update_fields=["next_send_at", "last_sent_at"])
    return sum(len(section.comments) for section in sections)


def _notification_message(address: str, sections: list[Section]) -> EmailMessage:
    unsubscribe_url = absolute_url(
        reverse(
            "notifications:unsubscribe",
            args=[unsubscribe_token([s.subscription for s in sections])],
        )
    )
    context = {
        "sections": [
            {
                "heading": section.heading,
                "article": section.subscription.article,
                "comments": [_told(comment) for comment in section.comments],
                "stop_url": absolute_url(
                    reverse(
                        "notifications:unsubscribe",
                        args=[unsubscribe_token([section.subscription])],
                    )
                ),
            }
            for section in sections
        ],
        "site_name": settings.TALKPAGE_SITE_NAME,
        "unsubscribe_url": unsubscribe_url,
    }
    if len(sections) == 1:
        subject = sections[0].heading
    else:
        count = sum(len(s.comments) for s in sections)
        subject = f"{count} new comments on {settings.TALKPAGE_SITE_NAME}"
    message = _message("notification", context, to=[address], subject=subject)
    # RFC 2369 and RFC 8058: mail clients show an "Unsubscribe" button that
    # POSTs "List-Unsubscribe=One-Click" to the link, no page in between.
    message.extra_headers.update(
        {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        }
    )
    return message


def _told(comment: Comment) -> dict:
    """A comment as a message tells it: plain text, so nothing in it is
    markup in any mail client."""
    text = " ".join(comment.body.split())
    if len(text) > EXCERPT_LENGTH:
        text = text[: EXCERPT_LENGTH - 1].rstrip() + "…"
    return {
        "author": one_line(comment.public_name),
        "excerpt": text,
        "url": absolute_url(comment.get_absolute_url()),
    }


# Handled notices are kept this long, so a comment hidden and restored
# meanwhile is not announced twice; then they go (they name who was told).
NOTICE_DAYS = 30


def forget_old_notices() -> int:
    """Handled notices after NOTICE_DAYS, and subscriptions nobody confirmed
    within TALKPAGE_CONFIRMATION_DAYS (with the address they name)."""
    now = timezone.now()
    notices, _ = Notice.objects.filter(
        handled_at__lt=now - timedelta(days=NOTICE_DAYS)
    ).delete()
    unconfirmed, _ = Subscription.objects.filter(
        confirmed_at__isnull=True,
        created_at__lt=now - timedelta(days=settings.TALKPAGE_CONFIRMATION_DAYS),
    ).delete()
    return notices + unconfirmed


# --- Moderators -------------------------------------------------------------


def moderator_addresses() -> list[str]:
    """Verified addresses of superusers and members of the Moderators group."""
    moderators = User.objects.filter(
        Q(is_superuser=True) | Q(groups__name=MODERATORS_GROUP),
        is_active=True,
        email_verified_at__isnull=False,
    ).exclude(email="")
    return sorted({user.email for user in moderators})


def held_comment_link(comment: Comment) -> str:
    token = signing.dumps({"c": comment.pk}, salt=HELD_LINK_SALT)
    return absolute_url(reverse("notifications:held-comment", args=[token]))


def held_comment_of(token: str) -> int:
    """The comment a moderator's mailed link names. The link only leads to
    the queue (which needs a moderator's sign-in); it acts on nothing."""
    try:
        data = signing.loads(
            token, salt=HELD_LINK_SALT, max_age=timedelta(days=HELD_LINK_DAYS)
        )
        return int(data["c"])
    except signing.SignatureExpired:
        raise BadLink("This link has expired.") from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadLink("This link is not valid.") from None


def _waiting_unannounced():
    told = ModeratorAlert.objects.values("comment_id")
    return (
        Comment.objects.filter(status=Status.HELD, deleted_at__isnull=True)
        .exclude(pk__in=told)
        .select_related("article", "user")
        .order_by("created_at", "id")
    )


@transaction.atomic
def alert_moderators(*, comment: Comment) -> bool:
    """The "each" mode: one message per held comment, once."""
    comment = _waiting_unannounced().filter(pk=comment.pk).first()
    addresses = moderator_addresses()
    if comment is None:
        return False
    if not addresses:
        logger.warning(
            "A comment is held, but no moderator has a confirmed email "
            "address to be told at (see the account page)."
        )
        return False
    ModeratorAlert.objects.create(comment=comment)
    context = {
        "comments": [_held(comment)],
        "site_name": settings.TALKPAGE_SITE_NAME,
        "queue_url": absolute_url(reverse("moderation:queue")),
    }
    subject = f"A comment on “{one_line(comment.article.title)}” awaits moderation"
    # One message each: moderators do not see each other's addresses.
    for address in addresses:
        send_later(_message("moderator-alert", context, to=[address], subject=subject))
    return True


@transaction.atomic
def send_moderator_digest() -> int:
    """The "digest" mode: every comment held since the last digest, in one
    message. Returns how many it listed."""
    waiting = list(_waiting_unannounced()[:200])
    addresses = moderator_addresses()
    if not waiting:
        return 0
    if not addresses:
        logger.warning(
            "%d held comment(s) wait, but no moderator has a confirmed email "
            "address to be told at (see the account page).",
            len(waiting),
        )
        return 0
    ModeratorAlert.objects.bulk_create([ModeratorAlert(comment=c) for c in waiting])
    context = {
        "comments": [_held(comment) for comment in waiting],
        "site_name": settings.TALKPAGE_SITE_NAME,
        "queue_url": absolute_url(reverse("moderation:queue")),
        "queue_length": Comment.objects.needing_decision().count(),
    }
    count = len(waiting)
    subject = (
        f"{count} comment{'s' if count != 1 else ''} await moderation on "
        f"{settings.TALKPAGE_SITE_NAME}"
    )
    for address in addresses:
        send_later(_message("moderator-digest", context, to=[address], subject=subject))
    return count


def _held(comment: Comment) -> dict:
    return {
        **_told(comment),
        "article": one_line(comment.article.title),
        "reasons": ", ".join(comment.moderation_reasons),
        "url": held_comment_link(comment),
    }


# --- Messages ---------------------------------------------------------------


def _message(
    name: str, context: dict, *, to: list[str], subject: str = ""
) -> EmailMessage:
    """emails/<name>-subject.txt and -body.txt; the subject made one line."""
    if not subject:
        subject = render_to_string(f"emails/{name}-subject.txt", context)
    body = render_to_string(f"emails/{name}-body.txt", context)
    return EmailMessage(one_line(subject), body, to=to)


# --- Personal data (privacy.services calls these) -----------------------------


def _subscriptions_of(*, user=None, email: str | None = None, comment=None):
    wanted = Q(pk__in=[])
    if user is not None:
        wanted |= Q(user=user)
    if email:
        wanted |= Q(user__isnull=True, email__iexact=email)
    if comment is not None:
        wanted |= Q(user__isnull=True, comment=comment)
    return Subscription.objects.filter(wanted)


def _proven(user, email: str | None) -> str | None:
    """The address whose anonymous subscriptions count as this person's: an
    account's only once it is verified (anyone can register with someone
    else's address)."""
    if user is not None and not user.email_verified:
        return None
    return email


def data_of(*, user=None, email: str | None = None) -> dict:
    """What this app keeps about an account or an address, for its owner's
    export. No tokens: the links in our mail are made from them."""
    email = _proven(user, email)
    subscriptions = _subscriptions_of(user=user, email=email).select_related(
        "article", "user"
    )
    addresses = {s.address.lower() for s in subscriptions if s.address}
    if email:
        addresses.add(email.lower())
    waiting = Notice.objects.filter(
        subscription__in=subscriptions, handled_at__isnull=True
    ).select_related("comment")
    return {
        "subscriptions": [
            {
                "kind": subscription.kind,
                "article": subscription.article.title,
                "article_url": absolute_url(subscription.article.get_absolute_url()),
                "comment_url": absolute_url(comment_path)
                if (comment_path := _comment_path(subscription))
                else None,
                "address": subscription.address,
                "created_at": _iso(subscription.created_at),
                "confirmed_at": _iso(subscription.confirmed_at),
                "confirmation_sent_at": _iso(subscription.confirmation_sent_at),
            }
            for subscription in subscriptions.order_by("created_at", "pk")
        ],
        "comments_waiting_to_be_mailed": [
            absolute_url(notice.comment.get_absolute_url()) for notice in waiting
        ],
        "mailboxes": [
            {
                "address": mailbox.address,
                "last_mailed_at": _iso(mailbox.last_sent_at),
                "next_message_due_at": _iso(mailbox.next_send_at),
            }
            for mailbox in Mailbox.objects.filter(address__in=addresses)
        ],
    }


def _comment_path(subscription: Subscription) -> str | None:
    if subscription.comment_id is None:
        return None
    from talkpage.discussion.models import comment_url

    return comment_url("discussion:permalink", subscription.comment_id)


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def erase_data_of(
    *, user=None, email: str | None = None, comment=None, dry_run: bool = False
) -> dict[str, int]:
    """Erases what this app keeps about an account, an address, or (for a
    comment its author erases) what came with that comment. An address
    with no subscription left loses its mailbox and the mail and pending
    work queued for it; mail with other recipients only loses this one.
    Returns the counts by kind (with ``dry_run``, what would go)."""
    email = _proven(user, email)
    subscriptions = _subscriptions_of(user=user, email=email, comment=comment)
    addresses = {s.address.lower() for s in subscriptions.select_related("user")}
    if email:
        addresses.add(email.lower())
    if user is not None and user.email:
        addresses.add(user.email.lower())
    addresses.discard("")
    doomed = list(subscriptions.values_list("pk", flat=True))
    if user is None and not email:
        # One comment's erasure: an address still wanted by another
        # subscription (another comment's) keeps its mailbox and mail.
        addresses = {
            address
            for address in addresses
            if not Subscription.objects.of_address(address)
            .exclude(pk__in=doomed)
            .exists()
        }
    gone = addresses
    counts = {"subscriptions": len(doomed)}
    if not dry_run:
        Subscription.objects.filter(pk__in=doomed).delete()
    mailboxes = Mailbox.objects.filter(address__in=gone)
    counts["mailboxes"] = mailboxes.count()
    counts["queued_mail"] = _forget_queued_work(gone, dry_run=dry_run)
    if not dry_run:
        mailboxes.delete()
    return {kind: count for kind, count in counts.items() if count}


def _forget_queued_work(addresses: set[str], *, dry_run: bool) -> int:
    """Mail to the addresses, and notification work for them, waiting in
    the queue or kept after it ran (its record holds the address)."""
    if not addresses:
        return 0
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    from talkpage.background.mail import deliver_mail
    from talkpage.notifications.tasks import send_notices

    count = 0
    # A task being run is left to finish (deleting it from under its
    # worker would stop the worker); what it sends is then pruned.
    not_running = DBTaskResult.objects.exclude(status=TaskResultStatus.RUNNING)
    mail = not_running.filter(task_path=deliver_mail.module_path)
    for row in mail.iterator():
        message = row.args_kwargs["kwargs"]["message"]
        recipients = [a for a in message["to"] if a.lower() not in addresses]
        if len(recipients) == len(message["to"]):
            continue
        count += 1
        if dry_run:
            continue
        if recipients:  # mail to others as well: only this address goes
            message["to"] = recipients
            row.save(update_fields=["args_kwargs"])
        else:
            row.delete()
    for row in not_running.filter(task_path=send_notices.module_path):
        if str(row.args_kwargs["kwargs"].get("address", "")).lower() in addresses:
            count += 1
            if not dry_run:
                row.delete()
    return count
