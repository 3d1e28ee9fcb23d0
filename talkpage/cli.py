"""The ``talkpage`` command.

talkpage serve [--host 127.0.0.1] [--port 8000] [--workers N]
talkpage import-articles DIR
talkpage manage COMMAND [ARGS...]     (any Django management command)
"""

import argparse
import os
import sys

SETTINGS = "talkpage.config.settings"


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="talkpage",
        description="Explainer articles with a discussion under each.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="migrate, load the demo into an empty database, and serve"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("TALKPAGE_WORKERS") or 0) or None,
        help="worker processes (default: number of CPU cores)",
    )

    importer = commands.add_parser(
        "import-articles", help="create or update articles from Markdown files"
    )
    importer.add_argument("directory")

    commands.add_parser(
        "manage", help="run a Django management command", add_help=False
    )

    if argv[:1] == ["manage"]:
        return manage(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "serve":
        from talkpage.server import serve as run_server

        return run_server(host=args.host, port=args.port, workers=args.workers)
    return manage(["import_articles", args.directory])


def manage(args: list[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["talkpage manage", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
