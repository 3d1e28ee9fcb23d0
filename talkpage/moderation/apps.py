from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "talkpage.moderation"
    label = "moderation"
