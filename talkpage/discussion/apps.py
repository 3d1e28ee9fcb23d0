from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "talkpage.discussion"
    label = "discussion"
