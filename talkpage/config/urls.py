from django.contrib import admin
from django.urls import include, path

import talkpage.lib.converters  # noqa: F401  (registers <id:...>)
from talkpage.api.views import api
from talkpage.lib.health import healthz

urlpatterns = [
    path("", include("talkpage.articles.urls")),
    path("", include("talkpage.discussion.urls")),
    path("", include("talkpage.moderation.urls")),
    path("", include("talkpage.embeds.urls")),
    path("", include("talkpage.notifications.urls")),
    path("", include("talkpage.privacy.urls")),
    path("accounts/", include("talkpage.accounts.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]

handler400 = "talkpage.lib.errors.bad_request"
handler403 = "talkpage.lib.errors.permission_denied"
handler404 = "talkpage.lib.errors.page_not_found"
handler500 = "talkpage.lib.errors.server_error"
