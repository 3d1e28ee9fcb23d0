from django.apps import AppConfig


class ImportersConfig(AppConfig):
    name = "talkpage.importers"
    label = "importers"
