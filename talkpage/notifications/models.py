from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone


class Kind(models.TextChoices):
    # Replies to one comment ("Email me when someone replies").
    REPLIES = "replies", "Replies to a comment"
    # Every new comment on an article ("Follow this discussion").
    ARTICLE = "article", "New comments on an article"


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Subscriptions mail may go to: confirmed, and for an account, one
        whose address is verified (an unverified account gets no
        notification mail)."""
        return self.filter(confirmed_at__isnull=False).filter(
            Q(user__isnull=True)
            | Q(user__email_verified_at__isnull=False, user__is_active=True)
        )

    def of_address(self, address: str):
        # Addresses typed for a subscription are stored lower-case.
        return self.filter(
            Q(user__isnull=True, email=address.lower()) | Q(user__email__iexact=address)
        )


class Subscription(models.Model):
    """Someone who asked to be mailed about new comments.

    A member's subscription has ``user`` and follows their account's
    address; anyone else's has ``email``, which is used only once its owner
    has confirmed it by the signed link we sent there (``confirmed_at``).
    """

    kind = models.CharField(max_length=10, choices=Kind.choices)
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="+"
    )
    # The comment whose replies are wanted (kind REPLIES only).
    comment = models.ForeignKey(
        "discussion.Comment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When the "is this your address?" mail went: once per subscription, and
    # only when the comment it came with is visible (never for spam).
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [
            # One subscription per person and target (a double click makes
            # one); the comment is 0 for an article's.
            models.UniqueConstraint(
                "kind",
                "article",
                Coalesce("comment", Value(0)),
                "user",
                condition=Q(user__isnull=False),
                name="one_subscription_per_member",
            ),
            models.UniqueConstraint(
                "kind",
                "article",
                Coalesce("comment", Value(0)),
                "email",
                condition=Q(user__isnull=True),
                name="one_subscription_per_address",
            ),
            models.CheckConstraint(
                condition=(Q(user__isnull=False, email="") | Q(user__isnull=True))
                & ~Q(user__isnull=True, email=""),
                name="subscription_has_one_address",
            ),
            models.CheckConstraint(
                condition=Q(kind="article", comment__isnull=True)
                | Q(kind="replies", comment__isnull=False),
                name="subscription_kind_matches_target",
            ),
        ]
        indexes = [
            models.Index(fields=["article", "kind"], name="subscription_article"),
            models.Index(fields=["comment"], name="subscription_comment"),
            models.Index(fields=["email"], name="subscription_email"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.address}"

    @property
    def address(self) -> str:
        return self.user.email if self.user_id else self.email

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Notice(models.Model):
    """One new comment to tell one subscriber about; it goes with the next
    message to their address (several notices make one message)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="notices"
    )
    comment = models.ForeignKey(
        "discussion.Comment", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When it went into a message, or was dropped (the comment was taken
    # down before the message went).
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A comment hidden and restored is not announced twice.
            models.UniqueConstraint(
                fields=["subscription", "comment"], name="one_notice_per_comment"
            )
        ]

    def __str__(self):
        return f"Comment {self.comment_id} for subscription {self.subscription_id}"


class Mailbox(models.Model):
    """An address notifications go to: when it was last mailed and when its
    next message is due, so it gets at most one message per
    TALKPAGE_NOTIFICATION_INTERVAL_MINUTES. Removed with the address's last
    subscription."""

    address = models.CharField(max_length=254, unique=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # Set while a message to this address is scheduled.
    next_send_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.address


class ModeratorAlert(models.Model):
    """Moderators have been told that this comment waits for them."""

    comment = models.OneToOneField(
        "discussion.Comment", on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Moderators told of comment {self.comment_id}"
