import functools
import hashlib
import hmac
import math

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, reverse

ANONYMOUS = "Anonymous"
DELETED = "[deleted]"


class Status(models.TextChoices):
    PUBLISHED = "published", "Published"
    # Waiting for a moderator: by policy, by spam suspicion, or by reports.
    HELD = "held", "Awaiting moderation"
    # Never shown to readers.
    SPAM = "spam", "Spam"
    REJECTED = "rejected", "Rejected"
    # Hidden in place by a moderator; "Restore" publishes it again.
    HIDDEN = "hidden", "Hidden"


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """What every reader may see: published and not deleted."""
        return self.filter(status=Status.PUBLISHED, deleted_at__isnull=True)

    def top_level(self):
        return self.filter(parent__isnull=True)

    def shown_top_level(self, *, include_hidden: bool = False):
        """Top-level comments a thread listing shows: published ones, and
        any other that still carries visible replies (deleted, hidden, held
        for reports...: as a placeholder, so the replies, which the counts
        include, stay in view). Moderators also see the ones they hid, to
        restore them in place."""
        statuses = [Status.PUBLISHED]
        if include_hidden:
            statuses.append(Status.HIDDEN)
        return self.top_level().filter(
            Q(status__in=statuses, deleted_at__isnull=True) | Q(reply_count__gt=0)
        )

    def needing_decision(self):
        """The moderation queue: held comments, newest first."""
        return self.filter(status=Status.HELD, deleted_at__isnull=True).order_by(
            "-created_at", "-id"
        )


class Comment(models.Model):
    """One comment under an article.

    Threading uses two pointers. ``in_reply_to`` is the comment the author
    answered. ``parent`` is where the comment sits in the displayed tree:
    the same comment, except past the maximum depth, where replies attach to
    the deepest level and the page says "in reply to NAME". ``root`` is the
    top-level comment of the thread, so one query loads a whole thread.
    """

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    # The name an anonymous visitor typed (may be empty: shown as Anonymous).
    author_name = models.CharField(max_length=80, blank=True)
    # A signed-in author chose to appear as Anonymous.
    anonymous = models.BooleanField(default=False)

    body = models.TextField()
    body_html = models.TextField()

    created_at = models.DateTimeField(db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    # sha256 of the anonymous author's edit token; the token itself is only
    # ever in the author's cookie and manage link.
    edit_token_hash = models.CharField(max_length=64, blank=True)
    # Random key printed into the form; posting the same form twice finds
    # the first comment instead of creating a second one.
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Visible replies in the whole thread (kept on top-level comments only).
    reply_count = models.PositiveIntegerField(default=0)

    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PUBLISHED
    )
    # Why a comment is held or marked spam, for the moderator: short
    # phrases ("policy: hold-all", "3 reports", "7 links", "spam filter 0.97").
    moderation_reasons = models.JSONField(default=list, blank=True)
    # Probability of spam from the local filter, 0..1.
    spam_score = models.FloatField(default=0.0)
    # Distinct reader reports.
    report_count = models.PositiveIntegerField(default=0)
    # Keyed hash of the poster's network (see lib.network.ban_network_hash):
    # lets a moderator ban an anonymous poster without storing an address.
    network_hash = models.CharField(max_length=64, blank=True)
    # sha256 of the normalised text: finds duplicates and repeated content
    # without comparing whole bodies.
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)

    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    # Lower bound of the Wilson score interval of the share of up votes: the
    # "best" order. Raw totals would favour old comments; a plain ratio would
    # put one lucky vote above a hundred good ones.
    best_score = models.FloatField(default=0.0)

    objects = CommentQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["article", "created_at", "id"],
                condition=Q(parent__isnull=True),
                name="comment_top_level_keyset",
            ),
            models.Index(fields=["root", "created_at", "id"], name="comment_thread"),
            models.Index(
                fields=["-created_at"],
                condition=Q(status="held"),
                name="comment_moderation_queue",
            ),
            models.Index(
                fields=["article", "best_score", "id"],
                condition=Q(parent__isnull=True),
                name="comment_top_level_best",
            ),
        ]

    def __str__(self):
        return f"Comment {self.pk} on {self.article_id}"

    def get_absolute_url(self):
        return comment_url("discussion:permalink", self.pk)

    @property
    def anchor(self) -> str:
        return f"c{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def counts_as_visible(self) -> bool:
        """Whether this comment is in the article's and thread's counts."""
        return self.status == Status.PUBLISHED and self.deleted_at is None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None or self.anonymous

    @property
    def public_name(self) -> str:
        """The author's name as every reader sees it."""
        if self.is_deleted:
            return DELETED
        if self.user_id is not None and not self.anonymous:
            return self.user.shown_name
        if self.user_id is None and self.author_name:
            return self.author_name
        return ANONYMOUS

    def name_for(self, viewer) -> str:
        """The name shown to ``viewer``: the author and moderators also see
        who is behind an anonymous comment posted from an account."""
        name = self.public_name
        if self.is_deleted or not (self.user_id and self.anonymous):
            return name
        if viewer.user_id == self.user_id:
            return f"{ANONYMOUS} (you)"
        if viewer.is_moderator:
            return f"{ANONYMOUS} ({self.user.shown_name})"
        return name

    def is_authored_by(self, viewer) -> bool:
        if self.user_id is not None and viewer.user_id == self.user_id:
            return True
        return self.edit_token_matches(viewer.edit_tokens.get(self.pk, ""))

    def readable_by(self, viewer) -> bool:
        """Whether ``viewer`` may read this comment's words.

        Everyone reads published comments; held ones only their author and
        moderators; hidden ones only moderators; spam and rejected ones
        nobody outside the moderation page.
        """
        if self.status == Status.PUBLISHED:
            return True
        if self.status == Status.HELD:
            return viewer.is_moderator or self.is_authored_by(viewer)
        if self.status == Status.HIDDEN:
            return viewer.is_moderator
        return False

    def can_edit(self, *, by) -> bool:
        """Whether ``by`` (a :class:`~talkpage.discussion.viewers.Viewer`)
        may edit or delete this comment: its signed-in author, or whoever
        holds its edit token."""
        if self.is_deleted or self.status in (Status.SPAM, Status.REJECTED):
            return False
        return self.is_authored_by(by)

    def edit_token_matches(self, token: str) -> bool:
        if not self.edit_token_hash or not token:
            return False
        return hmac.compare_digest(self.edit_token_hash, hash_edit_token(token))


class Vote(models.Model):
    """One reader's vote on one comment.

    ``voter_key`` says who the reader is ("user:<id>" for an account,
    "visitor:<random id>" from a cookie otherwise); the unique constraint,
    not a read-then-write, is what allows one vote per reader.
    """

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    voter_key = models.CharField(max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    value = models.SmallIntegerField()  # +1 or -1
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "voter_key"], name="one_vote_per_reader"
            ),
            models.CheckConstraint(
                condition=Q(value__in=[1, -1]), name="vote_is_up_or_down"
            ),
        ]

    def __str__(self):
        return f"{self.value:+d} on comment {self.comment_id}"


def wilson_lower_bound(up: int, down: int, z: float = 1.96) -> float:
    """The lower bound of the 95% Wilson score interval for up/(up+down)."""
    n = up + down
    if n == 0:
        return 0.0
    p = up / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)
    return (centre - spread) / (1 + z * z / n)


def fingerprint_of(text: str) -> str:
    normalised = " ".join(text.casefold().split())
    return hashlib.sha256(normalised.encode()).hexdigest()


def hash_edit_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Any id no comment will have soon; it marks where a comment's id goes.
_ID_MARK = 9_876_543_210_123


@functools.lru_cache(maxsize=64)
def _comment_url_around_id(name: str, script_prefix: str) -> tuple[str, str]:
    url = reverse(name, kwargs={"comment_id": _ID_MARK})
    before, _, after = url.partition(str(_ID_MARK))
    return before, after


def comment_url(name: str, comment_id: int) -> str:
    """``reverse(name, kwargs={"comment_id": comment_id})``, reversed once per
    name: rendering a page of threads reverses about four URLs per comment,
    and doing each in full was a third of the page's time."""
    before, after = _comment_url_around_id(name, get_script_prefix())
    return f"{before}{int(comment_id)}{after}"
