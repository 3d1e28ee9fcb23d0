from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "talkpage.accounts"
    label = "accounts"
