from django.db import models
from django.db.models import Q
from django.utils import timezone


class ImportedComment(models.Model):
    """Where an imported comment came from.

    The unique (source, source_id) pair is what makes an import idempotent:
    running the same export again finds every comment already here, and an
    id that appears twice in one file is imported once. ``source`` names
    the system and, where its ids are only unique within one site, which
    site ("disqus", "wordpress:https://blog.example", "isso:https://...").

    A reply is written before its parent is known to be in the file, so the
    rows keep the parent's source id until the second step of the import
    links them (``awaiting_parent``).
    """

    source = models.CharField(max_length=200)
    source_id = models.CharField(max_length=100)
    comment = models.OneToOneField(
        "discussion.Comment", on_delete=models.CASCADE, related_name="import_record"
    )
    # The last import run that read it: tells a duplicate id within one
    # file from a comment imported by an earlier run.
    run = models.UUIDField()
    imported_at = models.DateTimeField(default=timezone.now)
    # The comment this one answered, by its id in the source ("" for none).
    source_reply_to = models.CharField(max_length=100, blank=True)
    # Talkpage exports only: the comment it was displayed under, which past
    # the maximum depth is not the one it answered; restoring it keeps the
    # exported tree even if TALKPAGE_MAX_DEPTH has changed since.
    source_display_parent = models.CharField(max_length=100, blank=True)
    awaiting_parent = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], name="import_each_comment_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["source", "id"],
                condition=Q(awaiting_parent=True),
                name="import_awaiting_parent",
            )
        ]

    def __str__(self):
        return f"{self.source} {self.source_id} → comment {self.comment_id}"
