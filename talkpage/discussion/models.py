import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

ANONYMOUS = "Anonymous"
DELETED = "[deleted]"


class CommentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(deleted_at__isnull=True)

    def top_level(self):
        return self.filter(parent__isnull=True)

    def shown_top_level(self):
        """Top-level comments a thread listing shows: live ones, and deleted
        ones that still carry replies (as a placeholder)."""
        return self.top_level().filter(
            Q(deleted_at__isnull=True) | Q(reply_count__gt=0)
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

    objects = CommentQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["article", "created_at", "id"],
                condition=Q(parent__isnull=True),
                name="comment_top_level_keyset",
            ),
            models.Index(fields=["root", "created_at", "id"], name="comment_thread"),
        ]

    def __str__(self):
        return f"Comment {self.pk} on {self.article_id}"

    def get_absolute_url(self):
        return reverse("discussion:permalink", kwargs={"comment_id": self.pk})

    @property
    def anchor(self) -> str:
        return f"c{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None or self.anonymous

    @property
    def public_name(self) -> str:
        """The author's name as every reader sees it."""
        if self.is_deleted:
            return DELETED
        if self.user_id is not None and not self.anonymous:
            return self.user.username
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
            return f"{ANONYMOUS} ({self.user.username})"
        return name

    def can_edit(self, *, by) -> bool:
        """Whether ``by`` (a :class:`~talkpage.discussion.viewers.Viewer`)
        may edit or delete this comment: its signed-in author, or whoever
        holds its edit token."""
        if self.is_deleted:
            return False
        if self.user_id is not None and by.user_id == self.user_id:
            return True
        return self.edit_token_matches(by.edit_tokens.get(self.pk, ""))

    def edit_token_matches(self, token: str) -> bool:
        if not self.edit_token_hash or not token:
            return False
        return hmac.compare_digest(self.edit_token_hash, hash_edit_token(token))


def hash_edit_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
