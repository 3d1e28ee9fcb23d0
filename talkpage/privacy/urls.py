from django.urls import path

from talkpage.privacy import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.privacy_page, name="page"),
    # Beside the other account pages, whose settings page links to it.
    path("accounts/data/", views.my_data, name="data"),
]
