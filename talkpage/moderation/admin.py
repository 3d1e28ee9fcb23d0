from django.contrib import admin

from talkpage.moderation.models import (
    Ban,
    ModerationEvent,
    Report,
    SiteModeration,
    SpamToken,
)


@admin.register(SiteModeration)
class SiteModerationAdmin(admin.ModelAdmin):
    list_display = ["policy", "changed_by", "changed_at"]
    readonly_fields = ["changed_by", "changed_at"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["comment", "reason", "reporter", "created_at"]
    list_filter = ["reason"]
    raw_id_fields = ["comment", "reporter"]
    readonly_fields = ["reporter_key"]


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reason", "expires_at", "lifted_at", "created_by"]
    raw_id_fields = ["user", "created_by"]
    readonly_fields = ["network_hash"]


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):
    """The audit log is read-only: a record that can be edited proves nothing."""

    list_display = ["created_at", "actor", "action", "comment", "article"]
    list_filter = ["action"]
    raw_id_fields = ["actor", "comment", "article"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SpamToken)
class SpamTokenAdmin(admin.ModelAdmin):
    list_display = ["token", "spam", "ham"]
    search_fields = ["token"]
