"""``talkpage serve``: prepare the installation, then serve it with granian.

granian runs the WSGI app in worker processes while its Rust core handles
connections, keep-alive and slow clients, so Talkpage needs no proxy in
front to be safe. bench/README.md has the measurement against gunicorn that
chose it: gunicorn's gthread workers let one process take every keep-alive
connection and left the other core idle. Static files are served by
WhiteNoise from inside the app.
"""

import logging
import os
from contextlib import contextmanager

logger = logging.getLogger("talkpage.server")


def blocking_threads_per_worker() -> int:
    """Python threads per worker for blocking work: the requests Django runs
    at once (``TALKPAGE_MAX_CONCURRENT_REQUESTS``), those waiting their turn
    and spare ones that refuse the rest with a quick 503 (see
    talkpage/lib/overload.py). Only the admitted ones compete for the GIL;
    granian's default of hundreds, all running Django, measured slower. A
    request waiting for the SQLite write lock holds one, not the worker."""
    from django.conf import settings

    from talkpage.lib.overload import blocking_threads_for

    return blocking_threads_for(settings.TALKPAGE_MAX_CONCURRENT_REQUESTS)


def prepare() -> None:
    """Migrate, collect static files and load the demo into an empty site."""
    import django
    from django.core.management import call_command

    django.setup()
    from talkpage.articles.services import load_demo_if_empty

    warn_about_a_local_secret_key()
    with one_server_at_a_time():
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        result = load_demo_if_empty()
    if result is not None:
        logger.warning("Loaded %d demo articles.", len(result.created))
    close_connections_before_fork()


def close_connections_before_fork() -> None:
    """Workers are forked from this process and must open connections of
    their own: a PostgreSQL connection (or pool) used by two processes
    mixes their queries on one socket."""
    from django.db import connections

    for connection in connections.all():
        connection.close()
        if connection.vendor == "postgresql":
            connection.close_pool()


# Any fixed number: the key of the advisory lock that start-ups share.
STARTUP_LOCK_KEY = 7_463_727_368


@contextmanager
def one_server_at_a_time():
    """Servers started together on one PostgreSQL database (several
    machines, a rolling restart) take turns to migrate and load the demo:
    otherwise they race to create the same tables, and one exits. SQLite
    already serialises writers itself."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [STARTUP_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [STARTUP_LOCK_KEY])


def warn_about_a_local_secret_key() -> None:
    """On a shared database, every server must sign with one key, or one
    machine's sessions, forms and bans mean nothing to the next."""
    from django.db import connection

    if connection.vendor != "sqlite" and not os.environ.get("TALKPAGE_SECRET_KEY"):
        logger.warning(
            "TALKPAGE_SECRET_KEY is not set, so this server signs with the key "
            "in its own data directory. Running more than one server on this "
            "database? Give them all the same TALKPAGE_SECRET_KEY "
            "(docs/deploy.md)."
        )


def fewer_malloc_arenas() -> None:
    """glibc gives each of a worker's hundred threads a memory arena of its
    own, up to 8 per core, and freed memory stays in them. Two are plenty
    for requests that take turns at the gate: about 13 MiB less per worker,
    measured, at the same speed. Set before the workers are forked, which
    inherit it; without glibc, nothing to do."""
    import ctypes
    import ctypes.util

    m_arena_max = -8  # from glibc's malloc.h
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(m_arena_max, 2)
    except (OSError, AttributeError):
        pass


class BackgroundWorker:
    """``talkpage worker`` as a child of ``talkpage serve``: started with
    the server, started again if it dies, stopped with the server."""

    def __init__(self):
        import threading

        self._process = None
        self._stopping = threading.Event()
        self._watcher = threading.Thread(
            target=self._watch, name="talkpage-worker-watch", daemon=True
        )

    def _start_process(self):
        import subprocess
        import sys

        # In the server's process group, so whatever stops or kills the
        # group stops the worker too. A second signal (Ctrl+C reaches both,
        # then stop() below) may cut a send short: deliver_mail queues that
        # message again.
        self._process = subprocess.Popen(  # noqa: S603 (our own command)
            [sys.executable, "-m", "talkpage.cli", "worker"]
        )

    def start(self) -> "BackgroundWorker":
        self._start_process()
        self._watcher.start()
        return self

    def _watch(self):
        while not self._stopping.wait(2):
            if self._process.poll() is not None:
                logger.warning(
                    "The background worker exited (status %s); starting it again.",
                    self._process.returncode,
                )
                self._stopping.wait(1)
                if not self._stopping.is_set():
                    self._start_process()

    def stop(self):
        import subprocess

        self._stopping.set()
        if self._process is None or self._process.poll() is not None:
            return
        try:  # Ctrl+C reached the worker as well: it may be exiting
            self._process.wait(timeout=1)
            return
        except subprocess.TimeoutExpired:
            pass
        self._process.terminate()  # finishes the task at hand, then exits
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def serve(
    *, host: str, port: int, workers: int | None, background_worker: bool = True
) -> int:
    from granian.constants import Interfaces
    from granian.server import Server

    prepare()
    if "MALLOC_ARENA_MAX" not in os.environ:
        fewer_malloc_arenas()
    server = Server(
        "talkpage.config.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        websockets=False,
        workers=workers or os.cpu_count() or 1,
        blocking_threads=blocking_threads_per_worker(),
        # Without this, one crashed worker stops the whole server.
        respawn_failed_workers=True,
        # Long enough for a request that waits on the database to finish.
        workers_kill_timeout=30,
        log_access=False,
    )
    shown_host = f"[{host}]" if ":" in host else host
    worker = BackgroundWorker().start() if background_worker else None
    print(f"Talkpage is serving on http://{shown_host}:{port}/", flush=True)
    try:
        server.serve()
    finally:
        if worker is not None:
            worker.stop()
    return 0
