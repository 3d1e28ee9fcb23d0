from django.contrib import admin

from talkpage.notifications.models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["kind", "article", "user", "email", "created_at", "confirmed_at"]
    list_filter = ["kind"]
    search_fields = ["email", "user__username", "user__email", "article__title"]
    raw_id_fields = ["article", "comment", "user"]
    readonly_fields = ["created_at", "confirmed_at", "confirmation_sent_at"]
