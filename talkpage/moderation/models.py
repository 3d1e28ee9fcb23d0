from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Policy(models.TextChoices):
    OPEN = "open", "Open: publish at once"
    HOLD_ANONYMOUS = (
        "hold-anonymous",
        ("Hold anonymous comments (members with an approved history publish at once)"),
    )
    HOLD_ALL = "hold-all", "Hold every comment for approval"
    CLOSED = "closed", "Closed: read-only"


class SiteModeration(models.Model):
    """The site-wide moderation policy: one row, changed on /moderation/.

    Until a moderator changes it, the policy is TALKPAGE_MODERATION_POLICY.
    """

    policy = models.CharField(max_length=20, choices=Policy.choices, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "site moderation policy"

    def __str__(self):
        return self.policy or "(from TALKPAGE_MODERATION_POLICY)"


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam"
    ABUSE = "abuse", "Abuse or harassment"
    MISINFORMATION = "misinformation", "Misinformation"
    OTHER = "other", "Something else"


class Report(models.Model):
    """A reader's report of a comment. One per reader: per account when
    signed in, else per network."""

    comment = models.ForeignKey(
        "discussion.Comment", on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # "user:<id>" or "network:<ban network hash>": what makes a reader one.
    reporter_key = models.CharField(max_length=80)
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter_key"], name="one_report_per_reader"
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} report on comment {self.comment_id}"


class BanQuerySet(models.QuerySet):
    def in_force(self):
        now = timezone.now()
        return self.filter(lifted_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class Ban(models.Model):
    """Keeps an account, or an anonymous poster's network, from posting."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="bans",
    )
    # lib.network.ban_network_hash of the network (never the address).
    network_hash = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = BanQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(network_hash=""),
                name="ban_has_a_target",
            )
        ]

    def __str__(self):
        target = f"user {self.user_id}" if self.user_id else "a network"
        return f"Ban of {target}"


class ModerationEvent(models.Model):
    """The audit log: who did what to which comment or setting, and when.

    ``action`` is a dotted code (``comment.approved``, ``policy.changed``);
    ``before``/``after`` hold the values that changed.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=60)
    comment = models.ForeignKey(
        "discussion.Comment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_events",
    )
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.SET_NULL
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"


class SpamToken(models.Model):
    """Word and link counts of the local spam filter, learned from
    moderators' decisions (see moderation/spam.py)."""

    token = models.CharField(max_length=100, unique=True)
    spam = models.PositiveIntegerField(default=0)
    ham = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.token}: {self.spam} spam, {self.ham} ham"
