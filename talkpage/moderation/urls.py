from django.urls import path

from talkpage.moderation import views

app_name = "moderation"

urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("moderation/bulk/", views.bulk, name="bulk"),
    path("moderation/policy/", views.site_policy, name="site-policy"),
    path(
        "moderation/articles/<slug:slug>/policy/",
        views.article_policy,
        name="article-policy",
    ),
    path("moderation/log/", views.log, name="log"),
    path("moderation/bans/", views.bans, name="bans"),
    path("moderation/bans/<id:ban_id>/lift/", views.lift_ban, name="lift-ban"),
    path(
        "moderation/bans/<id:ban_id>/hide-comments/",
        views.hide_ban_comments,
        name="hide-ban-comments",
    ),
    path("moderation/comments/<id:comment_id>/ban/", views.ban, name="ban"),
    path(
        "moderation/comments/<id:comment_id>/<str:action>/",
        views.decide,
        name="decide",
    ),
    path("comments/<id:comment_id>/report/", views.report, name="report"),
]
