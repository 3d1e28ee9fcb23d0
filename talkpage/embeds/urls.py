from django.urls import path

from talkpage.embeds import views

app_name = "embeds"

urlpatterns = [
    path("embed/sign-in", views.sign_in, name="sign-in"),
]
