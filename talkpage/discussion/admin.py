from django.contrib import admin

from talkpage.discussion.models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "article", "public_name", "created_at", "deleted_at"]
    list_filter = ["article"]
    search_fields = ["body", "author_name", "user__username"]
    raw_id_fields = ["parent", "root", "in_reply_to", "user"]
    readonly_fields = ["body_html", "edit_token_hash", "submission_key"]
