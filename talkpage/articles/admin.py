from django.contrib import admin

from talkpage.articles.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "published_at", "comment_count"]
    search_fields = ["title", "slug"]
    readonly_fields = ["body_html", "comment_count", "updated_at"]
