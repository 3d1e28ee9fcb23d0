from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from talkpage.articles.services import import_articles


class Command(BaseCommand):
    help = "Create or update articles from a folder of Markdown files (by slug)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder")
        result = import_articles(directory, progress=self.stdout.write)
        self.stdout.write(
            f"{len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged, {len(result.failed)} failed"
        )
        if result.failed:
            raise CommandError(
                "Some files were not imported:\n"
                + "\n".join(f"  {path}: {why}" for path, why in result.failed)
            )
