from django.urls import path

from talkpage.notifications import views

app_name = "notifications"

urlpatterns = [
    path("articles/<slug:slug>/follow/", views.follow, name="follow"),
    path("notifications/confirm/<str:token>/", views.confirm, name="confirm"),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="unsubscribe",
    ),
    path("notifications/<id:subscription_id>/stop/", views.stop, name="stop"),
    path("notifications/held/<str:token>/", views.held_comment, name="held-comment"),
]
