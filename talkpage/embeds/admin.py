from django.contrib import admin

from talkpage.embeds.models import Site, SiteOrigin


class SiteOriginInline(admin.TabularInline):
    model = SiteOrigin
    extra = 1


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "created_at"]
    readonly_fields = ["key", "sso_secret", "created_at"]
    inlines = [SiteOriginInline]
