"""``talkpage serve``: prepare the installation, then serve it with gunicorn.

gunicorn with threaded workers (see bench/README.md for the measurement
against granian that chose it). Static files are served by WhiteNoise from
inside the app, so nothing else has to run in front.
"""

import logging
import os

logger = logging.getLogger("talkpage.server")

THREADS_PER_WORKER = 4


def prepare() -> None:
    """Migrate, collect static files and load the demo into an empty site."""
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from talkpage.articles.services import load_demo_if_empty

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    result = load_demo_if_empty()
    if result is not None:
        logger.warning("Loaded %d demo articles.", len(result.created))
    # Forked workers must not share the parent's database connection.
    connections.close_all()


def serve(*, host: str, port: int, workers: int | None) -> int:
    from gunicorn.app.base import BaseApplication

    prepare()
    from talkpage.config.wsgi import application

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers or os.cpu_count() or 1,
        "worker_class": "gthread",
        "threads": THREADS_PER_WORKER,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "talkpage",
        # Requests larger than this die in gunicorn before reaching Django.
        "limit_request_line": 8190,
    }

    class TalkpageServer(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)
            # gunicorn 24+ opens a control socket at a fixed per-user path;
            # several servers on one machine (tests, side-by-side installs)
            # would fight over it, and nothing of ours uses it.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self):
            return application

    print(f"Talkpage is serving on http://{host}:{port}/", flush=True)
    TalkpageServer().run()
    return 0
