from django.contrib import admin
from django.db import transaction

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment
from talkpage.moderation import services as moderation


def _decision(service, description: str):
    def action(modeladmin, request, queryset):
        for comment in queryset:
            service(comment=comment, actor=request.user)

    action.short_description = description
    action.__name__ = f"moderation_{service.__name__}"
    return action


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Comments in the admin. Status changes go through the moderation
    services (as actions), so counts and the audit log stay right."""

    list_display = [
        "id", "article", "public_name", "status", "spam_score", "created_at",
        "deleted_at",
    ]  # fmt: skip
    list_filter = ["status", "article"]
    search_fields = ["body", "author_name", "user__username"]
    raw_id_fields = ["parent", "root", "in_reply_to", "user"]
    readonly_fields = [
        "status", "body_html", "edit_token_hash", "submission_key",
        "network_hash", "fingerprint", "report_count", "spam_score",
        "moderation_reasons",
    ]  # fmt: skip
    actions = [
        _decision(moderation.approve, "Approve selected comments"),
        _decision(moderation.reject, "Reject selected comments"),
        _decision(moderation.mark_spam, "Mark selected comments as spam"),
        _decision(moderation.hide, "Hide selected comments"),
        _decision(moderation.restore, "Restore selected comments"),
    ]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            Article.objects.filter(pk=obj.article_id).discussion_changed()

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            Article.objects.filter(pk=obj.article_id).discussion_changed()

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            articles = list(queryset.values_list("article_id", flat=True))
            super().delete_queryset(request, queryset)
            Article.objects.filter(pk__in=articles).discussion_changed()
