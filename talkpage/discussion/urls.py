from django.urls import path

from talkpage.discussion import feeds, views

app_name = "discussion"

urlpatterns = [
    path("comments.atom", feeds.RecentComments(), name="feed"),
    path(
        "articles/<slug:slug>/comments.atom",
        feeds.ArticleComments(),
        name="article-feed",
    ),
    path("articles/<slug:slug>/comments/", views.post, name="post"),
    path("comments/<id:comment_id>/", views.permalink, name="permalink"),
    path("comments/<id:comment_id>/reply/", views.reply, name="reply"),
    path("comments/<id:comment_id>/edit/", views.edit, name="edit"),
    path("comments/<id:comment_id>/vote/", views.vote, name="vote"),
    path("comments/<id:comment_id>/delete/", views.delete, name="delete"),
    path(
        "comments/<id:comment_id>/manage/<str:token>/",
        views.manage_link,
        name="manage-link",
    ),
]
