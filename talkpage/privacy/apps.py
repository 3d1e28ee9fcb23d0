from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "talkpage.privacy"
    label = "privacy"
