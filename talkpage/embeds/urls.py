from django.urls import path

from talkpage.embeds import views

app_name = "embeds"

urlpatterns = [
    path("embed/sign-in", views.sign_in, name="sign-in"),
    path("embed/thread", views.thread_fragment, name="thread"),
    path("embed/page", views.page_thread, name="page"),
    path("embed.js", views.embed_script, name="embed-js"),
    path("count.js", views.count_script, name="count-js"),
]
