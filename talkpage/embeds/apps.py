from django.apps import AppConfig


class EmbedsConfig(AppConfig):
    name = "talkpage.embeds"
    label = "embeds"
