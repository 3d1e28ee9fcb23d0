"""Readers' rights over what Talkpage keeps about them.

- :func:`personal_data_of`: everything stored about an account, as JSON.
- :func:`erase_account`: the account and everything tied to it; its
  comments are deleted or kept as Anonymous, as the person chooses.
- :func:`erase_comment`: one comment, for its author (signed in, or holding
  its edit token through the cookie or the manage link).
- :func:`erase_personal_data`: the operator's tool for a legal request,
  by email address.
- :func:`forget_old_network_hashes`, and :func:`apply_retention` (the daily
  job): the retention that needs nobody to ask.

What these keep and remove is what the privacy page
(``templates/privacy/privacy.html``) promises; the tests hold the two
together, so change both at once.
"""

from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, Greatest
from django.urls import reverse
from django.utils import timezone

from talkpage.accounts.models import User
from talkpage.articles.models import Article
from talkpage.discussion.models import Comment, Vote, wilson_lower_bound
from talkpage.discussion.services import delete_comment
from talkpage.lib.http import absolute_url
from talkpage.lib.mail import OUTBOX_BACKEND
from talkpage.moderation.models import Ban, ModerationEvent, Report

EXPORT_FORMAT = "talkpage-personal-data/1"

# The parts of the export that hold data (the rest says what the file is).
# The privacy page has a section for each; a test checks that they match.
DATA_CATEGORIES = (
    "account",
    "comments",
    "votes",
    "reports",
    "bans",
    "moderation_actions",
    "sign_ins",
    "notifications",
)


def _not_in_the_file() -> dict[str, str]:
    """What is stored about the person but left out of the file, and why:
    the file says so rather than leave them wondering."""
    days = settings.TALKPAGE_NETWORK_HASH_DAYS
    return {
        "password": (
            "Only a salted Argon2 hash of your password is stored. It is never "
            "exported: it is a key to your account, not information about you."
        ),
        "network": (
            f"Each comment keeps a keyed hash of the network it came from, for "
            f"bans, for {days} days. network_recorded says "
            "whether a comment still has one. The hash itself is left out, as it "
            "is from every page but the moderators' (who ban by it): it cannot "
            "be turned back into an address, and it would tell you nothing."
        ),
        "moderation_notes": (
            "Why a comment was held (spam-filter scores, report counts, other "
            "readers' reports) is the moderators' record, and would teach spam "
            "scripts how to pass. The status says the outcome."
        ),
        "other_people": (
            "Who replied to, voted on or reported your comments is theirs, not "
            "yours: comments you answered are named by their number only."
        ),
    }


# --- The copy -----------------------------------------------------------------


def personal_data_of(*, user: User) -> dict:
    """Everything stored about ``user``, ready for ``json.dumps``.

    Only their own data: never a password hash, edit-token or network hash,
    session key, or anything about other people (who reported them, who
    voted on their comments, the names of people they answered).
    """
    return {
        "format": EXPORT_FORMAT,
        "site": {"name": settings.TALKPAGE_SITE_NAME, "url": settings.BASE_URL},
        "exported_at": _iso(timezone.now()),
        "privacy_page": absolute_url(reverse("privacy:page")),
        "account": _account_of(user),
        "comments": _comments_of(user),
        "votes": _votes_of(user),
        "reports": _reports_by(user),
        "bans": _bans_of(user),
        "moderation_actions": _moderation_actions_of(user),
        "sign_ins": _sign_ins_of(user),
        "notifications": notification_data_of(user=user, email=user.email),
        "not_in_this_file": _not_in_the_file(),
    }


def _account_of(user: User) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "email_verified_at": _iso(user.email_verified_at),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "is_moderator": user.is_moderator,
        "is_site_administrator": user.is_superuser,
        "can_use_the_admin": user.is_staff,
        "is_active": user.is_active,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
        # Accounts signed in by an embedding site's SSO have no password.
        "has_password": user.has_usable_password(),
    }


def _comments_of(user: User) -> list[dict]:
    comments = (
        Comment.objects.filter(user=user)
        .select_related("article")
        .order_by("created_at", "id")
    )
    return [
        {
            "id": comment.pk,
            "url": absolute_url(comment.get_absolute_url()),
            "article": _article(comment.article),
            "in_reply_to": comment.in_reply_to_id,
            "posted_anonymously": comment.anonymous,
            "status": comment.status,
            "body": comment.body,
            "created_at": _iso(comment.created_at),
            "edited_at": _iso(comment.edited_at),
            "deleted_at": _iso(comment.deleted_at),
            "upvotes": comment.upvotes,
            "downvotes": comment.downvotes,
            "network_recorded": bool(comment.network_hash),
        }
        for comment in comments
    ]


def _votes_of(user: User) -> list[dict]:
    votes = (
        _votes_by(user).select_related("comment__article").order_by("created_at", "id")
    )
    return [
        {
            "comment": vote.comment_id,
            "comment_url": absolute_url(vote.comment.get_absolute_url()),
            "article": _article(vote.comment.article),
            "value": vote.value,
            "created_at": _iso(vote.created_at),
        }
        for vote in votes
    ]


def _reports_by(user: User) -> list[dict]:
    reports = (
        _reports_filed_by(user)
        .select_related("comment__article")
        .order_by("created_at", "id")
    )
    return [
        {
            "comment": report.comment_id,
            "comment_url": absolute_url(report.comment.get_absolute_url()),
            "article": _article(report.comment.article),
            "reason": report.reason,
            "note": report.note,
            "created_at": _iso(report.created_at),
        }
        for report in reports
    ]


def _bans_of(user: User) -> list[dict]:
    in_force = set(user.bans.in_force().values_list("pk", flat=True))
    # Not created_by: which moderator banned them is the moderators' record.
    return [
        {
            "reason": ban.reason,
            "created_at": _iso(ban.created_at),
            "expires_at": _iso(ban.expires_at),
            "lifted_at": _iso(ban.lifted_at),
            "in_force": ban.pk in in_force,
        }
        for ban in user.bans.order_by("created_at", "id")
    ]


def _moderation_actions_of(user: User) -> list[dict]:
    events = (
        ModerationEvent.objects.filter(actor=user)
        .select_related("article")
        .order_by("created_at", "id")
    )
    return [
        {
            "action": event.action,
            "comment": event.comment_id,
            "article": event.article.slug if event.article else None,
            "before": event.before,
            "after": event.after,
            "created_at": _iso(event.created_at),
        }
        for event in events
    ]


def _sign_ins_of(user: User) -> list[dict]:
    # Never the session key: it is the sign-in itself.
    now = timezone.now()
    return [
        {"expires_at": _iso(expires)}
        for _, expires in sorted(_sessions_of(user), key=lambda s: s[1])
        if expires > now
    ]


def _article(article: Article) -> dict:
    url = article.page_url if article.site_id else article.get_absolute_url()
    return {"slug": article.slug, "title": article.title, "url": absolute_url(url)}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _votes_by(user: User) -> QuerySet[Vote]:
    return Vote.objects.filter(Q(user=user) | Q(voter_key=f"user:{user.pk}"))


def _reports_filed_by(user: User) -> QuerySet[Report]:
    return Report.objects.filter(Q(reporter=user) | Q(reporter_key=f"user:{user.pk}"))


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _sessions_of(user: User) -> list[tuple[str, datetime]]:
    """The keys and expiry times of ``user``'s sessions, expired ones too.

    Sessions are not indexed by user (Django keeps the user id inside the
    signed session data), so this reads them all: fine for an export or an
    erasure, which are rare, and the only way to find them.
    """
    store = _session_store()
    if not hasattr(store, "get_model_class"):
        return []  # sessions kept in cookies or only in the cache
    wanted = str(user.pk)
    found = []
    rows = store.get_model_class().objects.values_list(
        "session_key", "session_data", "expire_date"
    )
    for key, data, expires in rows.iterator(chunk_size=2000):
        if store().decode(data).get("_auth_user_id") == wanted:
            found.append((key, expires))
    return found


# --- Erasure ------------------------------------------------------------------

# An erased comment: the row stays only for its place in the thread (and its
# dates); nothing in it points to a person or to their words.
ERASED_COMMENT = {
    "user": None,
    "anonymous": True,
    "author_name": "",
    "body": "",
    "body_html": "",
    "network_hash": "",
    "edit_token_hash": "",
    # A hash of the words is the words, for anyone who can guess them.
    "fingerprint": "",
    # Ends with the account number or a piece of the network hash.
    "submission_key": None,
    "moderation_reasons": [],
    "spam_score": 0.0,
}


def erase_comment(*, comment: Comment) -> None:
    """Erase a comment for its author: its words, the name typed with it,
    its network hash, its edit token and its link to an account.

    Like :func:`~talkpage.discussion.services.delete_comment` (which keeps
    the counts right) the emptied row stays, so replies keep their place,
    and a listing shows it as "[deleted]" only while something below it is
    still shown. Erasing again is harmless, and finishes the erasure of a
    comment that was only deleted.
    """
    with transaction.atomic():
        delete_comment(comment=comment)
        Comment.objects.filter(pk=comment.pk).update(**ERASED_COMMENT)
        erase_notification_data(comment=comment)
    comment.refresh_from_db()


@dataclass
class ErasureReport:
    """What an erasure removed (or, as a preview, would remove)."""

    email: str
    # The account found and erased; "" when no account used the address.
    username: str = ""
    comments_erased: int = 0
    comments_anonymised: int = 0
    votes_withdrawn: int = 0
    reports_withdrawn: int = 0
    bans_removed: int = 0
    sessions_ended: int = 0
    # Moderation log entries that keep the action but no longer name them.
    moderation_actions_unlinked: int = 0
    # Django admin log entries about the account.
    admin_log_entries_removed: int = 0
    outbox_messages_removed: int = 0
    # Counts by kind from erase_notification_data().
    notifications: dict[str, int] = field(default_factory=dict)

    @property
    def found_anything(self) -> bool:
        return bool(self.username) or any(self._counts().values())

    def summary(self) -> list[str]:
        """One line per kind of data, for the operator."""
        lines = [
            f"Account: {self.username}"
            if self.username
            else f"Account: none uses {self.email}"
        ]
        for name, count in self._counts().items():
            lines.append(f"{name.replace('_', ' ').capitalize()}: {count}")
        return lines

    def _counts(self) -> dict[str, int]:
        counts = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in {"email", "username", "notifications"}
        }
        for kind, count in self.notifications.items():
            counts[f"notifications: {kind}"] = count
        return counts


def erase_account(*, user: User, delete_comments: bool) -> ErasureReport:
    """Erase ``user`` and everything tied to the account.

    Their comments are erased (``delete_comments``) or kept as Anonymous:
    the words stay, but no account, name or network hash ties them to the
    person. Comments they had already deleted are erased either way. Their
    votes are withdrawn from the tallies, reports they filed are withdrawn
    (a comment held by reports stays held for a moderator to decide), bans
    of the account go, every session ends (embed bearer tokens die with the
    account, as they check it on every use). Moderation log entries of
    decisions they took keep the action but lose the actor: the log is the
    record of what happened to other people's comments.
    """
    return _erase_account(user, delete_comments=delete_comments, dry_run=False)


def erase_personal_data(*, email: str, dry_run: bool = False) -> ErasureReport:
    """The operator's erasure for a legal request: the account with this
    address (its comments deleted, not anonymised: the request is for the
    data, not for the account alone) and everything else kept under the
    address. With ``dry_run``, only counts what would go."""
    address = email.strip()
    user = User.objects.filter(email__iexact=address).first()
    if user is not None:
        report = _erase_account(user, delete_comments=True, dry_run=dry_run)
        report.email = address
        # The request names the address, so what was kept under it without
        # the account (an unverified account's address proves nothing) goes
        # too.
        if not user.email_verified:
            with transaction.atomic():
                more = erase_notification_data(email=address, dry_run=dry_run)
            for kind, count in more.items():
                report.notifications[kind] = report.notifications.get(kind, 0) + count
        return report
    report = ErasureReport(email=address)
    with transaction.atomic():
        report.notifications = erase_notification_data(email=address, dry_run=dry_run)
    report.outbox_messages_removed = _erase_outbox_mail(address, dry_run=dry_run)
    return report


def _erase_account(
    user: User, *, delete_comments: bool, dry_run: bool
) -> ErasureReport:
    report = ErasureReport(email=user.email, username=user.username)
    comments = Comment.objects.filter(user=user)
    votes = _votes_by(user)
    reports = _reports_filed_by(user)
    bans = Ban.objects.filter(user=user)
    actions = ModerationEvent.objects.filter(actor=user)
    about_the_account = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    )
    with transaction.atomic():
        if dry_run:
            erased = (
                comments
                if delete_comments
                else comments.filter(deleted_at__isnull=False)
            )
            report.comments_erased = erased.count()
            report.comments_anonymised = comments.count() - report.comments_erased
            report.votes_withdrawn = votes.count()
            report.reports_withdrawn = reports.count()
            report.bans_removed = bans.count()
            report.moderation_actions_unlinked = actions.count()
            report.admin_log_entries_removed = about_the_account.count()
            report.sessions_ended = len(_sessions_of(user))
        else:
            # A comment posted from another tab meanwhile would outlive the
            # erasure: posting references the user row, so it waits for this.
            list(User.objects.select_for_update().filter(pk=user.pk).values("pk"))
            _lock_comments_touched(comments=comments, votes=votes, reports=reports)
            report.comments_erased, report.comments_anonymised = _erase_comments(
                comments, delete_comments=delete_comments
            )
            report.votes_withdrawn = _withdraw_votes(votes)
            report.reports_withdrawn = _withdraw_reports(reports)
            report.bans_removed = _remove_bans(bans)
            # Bans they made and policy changes keep their rows and lose the
            # maker (on_delete=SET_NULL), like these log entries.
            report.moderation_actions_unlinked = actions.update(actor=None)
            report.admin_log_entries_removed, _ = about_the_account.delete()
            report.sessions_ended = _end_sessions(user)
        report.notifications = erase_notification_data(
            user=user, email=user.email, dry_run=dry_run
        )
        if not dry_run:
            # The admin's log of the user's own actions goes with the user
            # (Django cascades it).
            user.delete()
    report.outbox_messages_removed = _erase_outbox_mail(user.email, dry_run=dry_run)
    return report


def _lock_comments_touched(
    *,
    comments: QuerySet[Comment],
    votes: QuerySet[Vote],
    reports: QuerySet[Report],
) -> None:
    """Lock, in one statement and in id order, every comment row the
    erasure changes: the person's, the roots of their threads (reply
    counts) and the ones they voted on or reported. Comments are always
    locked before articles (see ArticleQuerySet.discussion_changed), so
    taking them all first keeps this from deadlocking with writers."""
    touched = (
        Q(pk__in=comments.values("pk"))
        | Q(pk__in=comments.filter(root__isnull=False).values("root_id"))
        | Q(pk__in=votes.values("comment_id"))
        | Q(pk__in=reports.values("comment_id"))
    )
    list(
        Comment.objects.filter(touched).order_by("pk").select_for_update().values("pk")
    )


def _erase_comments(
    comments: QuerySet[Comment], *, delete_comments: bool
) -> tuple[int, int]:
    """Erase or anonymise ``comments``; how many of each."""
    erased = 0
    articles = set(comments.values_list("article_id", flat=True))
    for comment in comments.order_by("pk"):
        if delete_comments or comment.is_deleted:
            erase_comment(comment=comment)
            erased += 1
    # Anonymised comments keep their words but lose every link to the
    # person: no account, no name, no network hash.
    anonymised = comments.update(
        user=None,
        anonymous=True,
        author_name="",
        network_hash="",
        edit_token_hash="",
        submission_key=None,
    )
    Article.objects.filter(pk__in=articles).discussion_changed()
    return erased, anonymised


def _withdraw_votes(votes: QuerySet[Vote]) -> int:
    """Take the votes back out of the tallies (as a vote of 0 would), so
    every count still equals its voters; the comment rows are locked."""
    withdrawn = list(votes.values_list("pk", "comment_id", "value"))
    by_comment: dict[int, list[int]] = {}
    for _, comment_id, value in withdrawn:
        by_comment.setdefault(comment_id, []).append(value)
    for comment in Comment.objects.filter(pk__in=by_comment).order_by("pk"):
        values = by_comment[comment.pk]
        comment.upvotes = max(0, comment.upvotes - values.count(1))
        comment.downvotes = max(0, comment.downvotes - values.count(-1))
        comment.best_score = wilson_lower_bound(comment.upvotes, comment.downvotes)
        comment.save(update_fields=["upvotes", "downvotes", "best_score"])
    Vote.objects.filter(pk__in=[pk for pk, _, _ in withdrawn]).delete()
    Article.objects.filter(
        pk__in=Comment.objects.filter(pk__in=by_comment).values("article_id")
    ).discussion_changed()
    return len(withdrawn)


def _withdraw_reports(reports: QuerySet[Report]) -> int:
    per_comment = Counter(reports.values_list("comment_id", flat=True))
    for comment_id, count in per_comment.items():
        Comment.objects.filter(pk=comment_id).update(
            report_count=Greatest(F("report_count") - count, Value(0))
        )
    removed, _ = reports.delete()
    return removed


def _remove_bans(bans: QuerySet[Ban]) -> int:
    ban_ids = list(bans.values_list("pk", flat=True))
    # The log keeps that a ban was made and lifted, not the words the
    # moderator wrote about the person.
    for event in ModerationEvent.objects.filter(after__ban__in=ban_ids):
        if event.after.get("reason"):
            event.after = {**event.after, "reason": ""}
            event.save(update_fields=["after"])
    removed, _ = Ban.objects.filter(pk__in=ban_ids).delete()
    return removed


def _end_sessions(user: User) -> int:
    store = _session_store()
    sessions = _sessions_of(user)
    for key, _ in sessions:
        # Through the store, so a cached_db session leaves the cache too.
        store(session_key=key).delete()
    return len(sessions)


def _erase_outbox_mail(address: str, *, dry_run: bool) -> int:
    """Mail to ``address`` kept in the laptop outbox (no mail server): it
    holds the address and, for resets, a link into the account."""
    if settings.EMAIL_BACKEND != OUTBOX_BACKEND:
        return 0
    outbox = Path(settings.EMAIL_FILE_PATH)
    if not outbox.is_dir():
        return 0
    wanted = address.casefold()
    removed = 0
    for path in sorted(outbox.glob("*.eml")):
        with path.open("rb") as message_file:
            headers = BytesHeaderParser().parse(message_file)
        recipients = getaddresses(
            [str(value) for name in ("To", "Cc") for value in headers.get_all(name, [])]
        )
        if any(found.casefold() == wanted for _, found in recipients):
            if not dry_run:
                path.unlink(missing_ok=True)
            removed += 1
    return removed


# --- Retention ----------------------------------------------------------------


@dataclass(frozen=True)
class ForgottenNetworks:
    comments: int
    reports: int
    bans: int


@dataclass(frozen=True)
class Retention:
    networks: ForgottenNetworks
    sessions: int


def apply_retention() -> Retention:
    """The daily clean-up the privacy page promises: network hashes past
    TALKPAGE_NETWORK_HASH_DAYS (as ``talkpage manage forgetnetworks``), and
    the rows of expired sessions, which hold an account number and which
    Django leaves until something clears them (as ``clearsessions``)."""
    networks = forget_old_network_hashes(
        older_than_days=settings.TALKPAGE_NETWORK_HASH_DAYS
    )
    store = _session_store()
    expired = 0
    if hasattr(store, "get_model_class"):
        expired = (
            store.get_model_class()
            .objects.filter(expire_date__lt=timezone.now())
            .count()
        )
        store.clear_expired()
    return Retention(networks=networks, sessions=expired)


def forget_old_network_hashes(*, older_than_days: int) -> ForgottenNetworks:
    """Drop the network hashes older than ``older_than_days``.

    A comment keeps its poster's network only so that a moderator can ban an
    anonymous poster and spot the same poster again; after a while that is
    no reason to keep it. A visitor's report keeps the network in its
    reporter key (one report per network), and a network ban keeps it
    while in force: an ended one is deleted once it ended that long ago.
    """
    if older_than_days < 1:
        raise ValueError("Network hashes are kept for at least a day.")
    now = timezone.now()
    cutoff = now - timedelta(days=older_than_days)
    # An anonymous post's submission key ends with part of the network hash;
    # the key only matters while its form can still be sent.
    form_expiry = now - timedelta(seconds=settings.TALKPAGE_FORM_MAX_AGE)
    with transaction.atomic():
        old = Comment.objects.filter(created_at__lt=cutoff)
        with_network = ~Q(network_hash="")
        keyed = Q(
            user__isnull=True, submission_key__isnull=False, created_at__lt=form_expiry
        )
        touched = old.filter(with_network | keyed).count()
        old.filter(keyed).update(submission_key=None)
        old.filter(with_network).update(network_hash="")
        reports = Report.objects.filter(
            created_at__lt=cutoff, reporter_key__startswith="network:"
        ).update(reporter_key=Concat(Value("forgotten:"), Cast("pk", CharField())))
        ended = Q(lifted_at__lt=cutoff) | Q(
            lifted_at__isnull=True, expires_at__lt=cutoff
        )
        bans, _ = Ban.objects.filter(ended, user__isnull=True).delete()
    return ForgottenNetworks(comments=touched, reports=reports, bans=bans)


# --- Notifications (filled in by the notifications app) -----------------------


def notification_data_of(*, user: User | None = None, email: str | None = None) -> dict:
    """The notifications part of the export: what the notifications app
    keeps about ``user`` or about ``email`` (subscriptions, queued or sent
    mail, unsubscribe records...), as JSON-serialisable values keyed by
    kind, e.g. ``{"subscriptions": [...]}``. Match the address without
    regard to case. Never include tokens (unsubscribe, confirmation keys).

    The notifications app keeps the rules (notifications.services.data_of).
    """
    from talkpage.notifications.services import data_of

    return data_of(user=user, email=email)


def erase_notification_data(
    *,
    email: str | None = None,
    user: User | None = None,
    comment: Comment | None = None,
    dry_run: bool = False,
) -> dict[str, int]:
    """Erase what the notifications app keeps about ``user`` or ``email``
    (address matched without regard to case), including mail to the
    address waiting in the queue or kept after sending; or, given
    ``comment`` (being erased by its author), what came with that comment
    (an anonymous poster's "Email me when someone replies" and its
    address). Return how many of each kind went (``{"subscriptions": 2}``),
    or with ``dry_run`` would go, touching nothing. Runs inside the
    erasure's transaction, before the user row is deleted.

    The notifications app keeps the rules (notifications.services.erase_data_of).
    """
    from talkpage.notifications.services import erase_data_of

    return erase_data_of(user=user, email=email, comment=comment, dry_run=dry_run)
