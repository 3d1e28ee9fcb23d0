import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from talkpage.importers.progress import ProgressBar
from talkpage.importers.services import ImportFailed, export_comments

BAD_INPUT = 2


class Command(BaseCommand):
    help = (
        "Write every site, article and comment to FILE in Talkpage's export "
        "format (docs/export-format.md); - writes to standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        bar = None
        if options["verbosity"] > 0:
            bar = ProgressBar(self._to_stderr, terminal=self.stderr.isatty())
        # The document itself goes to stdout with "-", so the report does not.
        report = self.stderr if file == "-" else self.stdout
        try:
            summary = export_comments(
                destination=sys.stdout if file == "-" else Path(file), progress=bar
            )
        except (ImportFailed, OSError) as error:
            raise CommandError(f"{file}: {error}", returncode=BAD_INPUT) from None
        if bar is not None:
            bar.finish()
        report.write(
            f"Exported {summary.sites} sites, {summary.articles} articles and "
            f"{summary.comments} comments to {file}"
        )

    def _to_stderr(self, text: str) -> None:
        self.stderr.write(text, ending="")
        self.stderr.flush()
