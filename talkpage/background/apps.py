from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    name = "talkpage.background"
    verbose_name = "Background work"
