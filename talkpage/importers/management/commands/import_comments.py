from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from talkpage.importers.mapping import ImportOptionError, find_article, find_site
from talkpage.importers.progress import ProgressBar
from talkpage.importers.services import FORMATS, ImportFailed, import_comments

# Bad input (a missing file, a file of the wrong kind, a wrong option) exits
# with 2, as a usage error does.
BAD_INPUT = 2


class Command(BaseCommand):
    help = (
        "Import comments from a Disqus, WordPress (WXR) or Isso export, or from "
        "a Talkpage export. Running it again imports nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("format", choices=FORMATS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--site",
            metavar="NAME_OR_KEY",
            help="put the comments of pages that map nowhere else under this "
            "site's embed threads",
        )
        parser.add_argument(
            "--article", metavar="SLUG", help="import every comment into this article"
        )
        parser.add_argument(
            "--base-url",
            default="",
            metavar="URL",
            help="resolve relative page addresses (Isso's) against this "
            "(default: the --site's first origin, else TALKPAGE_BASE_URL)",
        )
        parser.add_argument(
            "--source-key",
            default="",
            metavar="KEY",
            help="the name re-runs recognise the file's comments by "
            "(default: the system, and the blog's address where ids are per blog)",
        )

    def handle(self, *args, format, file, site, article, base_url, source_key, **o):
        bar = None
        if o["verbosity"] > 0:
            bar = ProgressBar(self._to_stderr, terminal=self.stderr.isatty())
        try:
            summary = import_comments(
                format=format,
                path=file,
                site=find_site(site) if site else None,
                article=find_article(article) if article else None,
                base_url=base_url,
                source_key=source_key,
                progress=bar,
            )
        except ImportOptionError as error:
            raise CommandError(str(error), returncode=BAD_INPUT) from None
        except ImportFailed as error:
            if bar is not None:
                bar.finish()
            if error.summary is not None:
                self.stdout.write("\n".join(error.summary.lines()))
            raise CommandError(f"{file}: {error}", returncode=BAD_INPUT) from None
        except OSError as error:
            raise CommandError(
                f"{file}: {error.strerror or error}", returncode=BAD_INPUT
            ) from None
        if bar is not None:
            bar.finish()
        self.stdout.write("\n".join(summary.lines()))

    def _to_stderr(self, text: str) -> None:
        self.stderr.write(text, ending="")
        self.stderr.flush()
