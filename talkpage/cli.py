"""The ``talkpage`` command.

talkpage serve [--host 127.0.0.1] [--port 8000] [--workers N] [--no-worker]
talkpage worker                       (background tasks: mail, notifications)
talkpage import-articles DIR
talkpage import FORMAT FILE [--site NAME_OR_KEY] [--article SLUG] [--base-url URL]
                                      (FORMAT: disqus, wordpress, isso, talkpage)
talkpage export FILE                  (every article and comment, as JSON)
talkpage erase-personal-data EMAIL [--yes]
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
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start the background worker (run `talkpage worker` elsewhere)",
    )
    commands.add_parser(
        "worker", help="run background tasks (mail, notifications) until stopped"
    )

    importer = commands.add_parser(
        "import-articles", help="create or update articles from Markdown files"
    )
    importer.add_argument("directory")

    # The same as `talkpage manage import_comments` / `export_comments`.
    comments_in = commands.add_parser(
        "import", help="import comments from Disqus, WordPress, Isso or Talkpage"
    )
    comments_in.add_argument(
        "format", choices=["disqus", "wordpress", "isso", "talkpage"]
    )
    comments_in.add_argument("file")
    comments_in.add_argument(
        "--site", help="pages that map nowhere else go under this site (name or key)"
    )
    comments_in.add_argument("--article", help="import every comment into this slug")
    comments_in.add_argument(
        "--base-url", help="resolve relative page addresses (Isso's) against this"
    )
    comments_in.add_argument(
        "--source-key", help="the name re-runs recognise this file's comments by"
    )
    comments_out = commands.add_parser(
        "export", help="write every article and comment to FILE as JSON"
    )
    comments_out.add_argument("file", help="the file to write, or - for stdout")

    eraser = commands.add_parser(
        "erase-personal-data", help="erase everything stored for an email address"
    )
    eraser.add_argument("email")
    eraser.add_argument("--yes", action="store_true", help="erase without asking")

    commands.add_parser(
        "manage", help="run a Django management command", add_help=False
    )

    if argv[:1] == ["manage"]:
        return manage(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "serve":
        from talkpage.server import serve as run_server

        return run_server(
            host=args.host,
            port=args.port,
            workers=args.workers,
            background_worker=not args.no_worker,
        )
    if args.command == "worker":
        # One task at a time needs one connection (and one spare), not a
        # web server's pool.
        os.environ.setdefault("TALKPAGE_DATABASE_POOL_SIZE", "2")
        return manage(["worker"])
    if args.command == "erase-personal-data":
        yes = ["--yes"] if args.yes else []
        return manage(["erase_personal_data", args.email, *yes])
    if args.command == "import":
        options = [
            f"--{name.replace('_', '-')}={getattr(args, name)}"
            for name in ("site", "article", "base_url", "source_key")
            if getattr(args, name) is not None
        ]
        return manage(["import_comments", args.format, args.file, *options])
    if args.command == "export":
        return manage(["export_comments", args.file])
    return manage(["import_articles", args.directory])


def manage(args: list[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["talkpage manage", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
