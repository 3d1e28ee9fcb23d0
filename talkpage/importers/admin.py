from django.contrib import admin

from talkpage.importers.models import ImportedComment


@admin.register(ImportedComment)
class ImportedCommentAdmin(admin.ModelAdmin):
    """Where an imported comment came from. Read-only: the rows are what
    keeps a second import from duplicating comments."""

    list_display = ["source", "source_id", "comment", "imported_at"]
    list_filter = ["source"]
    search_fields = ["source_id"]
    raw_id_fields = ["comment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
