from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "talkpage.articles"
    label = "articles"
