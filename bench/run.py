"""``make bench``: Talkpage against Isso 0.14.0 and nginx, on this machine.

One run seeds both systems with the same discussions, serves each the way
its documentation says, measures them with wrk over 127.0.0.1, and writes
bench/results/make-bench/summary.json (and .tsv) and docs/benchmarks.md.
Raw wrk reports, server logs and the response bodies go to
bench/results/raw/make-bench/ (git-ignored). Talkpage runs on SQLite and
again on PostgreSQL with Redis; Isso supports only SQLite, so its numbers
are measured once and stand beside both.

Settings (environment variables):
  DURATION     seconds of each measured wrk run          (default 10)
  WARMUP       seconds of unrecorded wrk before each run (default 1)
  CONNECTIONS  wrk connections                           (default 32)
  WRK_THREADS  wrk threads                               (default 2)
  DATABASES    which Talkpage databases                  (default "sqlite postgres")
  SIZES        comments in the seeded discussions        (default
               "10 100 1000 10000 100000"; Isso gets those up to 10,000)

A quick check of the harness: DURATION=2 make bench.
"""

import json
import math
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import harness
import report
from harness import HOST, DatabaseServers, Server, Wrk, free_port, http_get

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VAR = BENCH / "var"
RESULTS = BENCH / "results" / "make-bench"
RAW = BENCH / "results" / "raw" / "make-bench"
DOC = ROOT / "docs" / "benchmarks.md"
VENV_BIN = ROOT / ".venv" / "bin"
ISSO_VENV = BENCH / ".isso-venv"
ISSO_PACKAGES = {"isso": "0.14.0", "gunicorn": "27.0.1"}
LUA_NEW_COMMENT = BENCH / "wrk" / "new_comment.lua"
LUA_POST_JSON = BENCH / "wrk" / "post_json.lua"

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/talkpage_bench"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_DATABASE = "talkpage_bench"
REDIS_URL = "redis://127.0.0.1:6379/13"

SERVER_WORKERS = 2
ISSO_MAX_SIZE = 10_000
ISSO_LONGEST_RUN_SECONDS = 60
# The counts request asks for four pages: the four smaller discussions.
COUNTED_SIZES = (10, 100, 1_000, 10_000)
# The cache-miss and behind-nginx runs are made for the sizes the targets
# name, to keep `make bench` near 15 minutes: the first pages of the larger
# discussions weigh the same (50 threads), so they add little.
TARGET_SIZES = (10, 1_000, 100_000)
POSTS_SLUG = "bench-posts"
# The warm-up and the measured creation run post from different networks.
MEASURED_FIRST_NETWORK = 524_288
# Settings that turn Talkpage's discussion cache off, newest name first; the
# first one the installed settings define is used for the cache-miss runs.
CACHE_OFF_SWITCHES = {
    "TALKPAGE_DISCUSSION_CACHE_SECONDS": "0",
    "TALKPAGE_THREAD_CACHE": "0",
}


@dataclass(frozen=True)
class BenchSettings:
    duration: int
    warmup: int
    connections: int
    wrk_threads: int
    databases: tuple[str, ...]
    sizes: tuple[int, ...]

    @classmethod
    def from_environment(cls) -> "BenchSettings":
        databases = tuple(os.environ.get("DATABASES", "sqlite postgres").split())
        unknown = set(databases) - {"sqlite", "postgres"}
        if unknown or not databases:
            raise SystemExit(f"DATABASES: sqlite and/or postgres, not {databases}")
        return cls(
            duration=env_int("DURATION", 10),
            warmup=env_int("WARMUP", 1, minimum=0),
            connections=env_int("CONNECTIONS", 32),
            wrk_threads=env_int("WRK_THREADS", 2),
            databases=databases,
            sizes=env_sizes("SIZES", "10 100 1000 10000 100000"),
        )

    @property
    def isso_sizes(self) -> tuple[int, ...]:
        return tuple(size for size in self.sizes if size <= ISSO_MAX_SIZE)

    @property
    def counted_sizes(self) -> tuple[int, ...]:
        return tuple(size for size in COUNTED_SIZES if size in self.sizes)


def env_sizes(name: str, default: str) -> tuple[int, ...]:
    words = (os.environ.get(name) or default).split()
    if not words or not all(word.isdigit() and int(word) > 0 for word in words):
        raise SystemExit(f"{name} must be comment counts such as '10 1000'")
    return tuple(sorted({int(word) for word in words}))


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, not {number}")
    return number


class Recorder:
    """Collects every measurement; writes them out as it goes, so a failed
    run still leaves what it measured."""

    def __init__(self, settings: BenchSettings) -> None:
        self.summary = {
            "settings": asdict(settings),
            "machine": {},
            "commands": {},
            "seeding_seconds": {},
            "measurements": [],
            "memory": [],
            "responses": [],
            "notes": [],
        }

    def measurement(
        self,
        *,
        database: str,
        system: str,
        what: str,
        size: int | None,
        url: str,
        result: harness.WrkResult,
        **extra,
    ) -> None:
        row = {
            "database": database,
            "system": system,
            "what": what,
            "size": size,
            "url": url,
            **result.as_dict(),
            **extra,
        }
        self.summary["measurements"].append(row)
        errors = result.non_2xx + result.socket_errors
        print(
            f"  {database:8} {system:28} {what:7} {size or '':>6}"
            f"  {result.requests_per_second:>10.1f} req/s"
            f"  p50 {result.p50_ms} ms  p99 {result.p99_ms} ms"
            f"  errors {errors}  other load {result.other_cores} cores",
            flush=True,
        )
        self.save()

    def note(self, text: str) -> None:
        print(f"  note: {text}", flush=True)
        self.summary["notes"].append(text)

    def save(self) -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "summary.json").write_text(
            json.dumps(self.summary, indent=2, default=str) + "\n"
        )
        report.write_tsv(self.summary, RESULTS / "summary.tsv")


def main() -> None:
    settings = BenchSettings.from_environment()
    # make stops us with SIGTERM on a failure elsewhere, a terminal with
    # SIGHUP: unwind, so that every server is stopped on the way out.
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, raise_system_exit)
    harness.require_tools({"wrk": "wrk", "nginx": "nginx-light"})
    ensure_isso()
    started = time.monotonic()
    shutil.rmtree(RAW, ignore_errors=True)
    shutil.rmtree(VAR, ignore_errors=True)
    RAW.mkdir(parents=True)
    VAR.mkdir(parents=True)

    recorder = Recorder(settings)
    recorder.summary["machine"] = machine_facts(settings)
    wrk = Wrk(
        duration=settings.duration,
        warmup=settings.warmup,
        connections=settings.connections,
        threads=settings.wrk_threads,
    )
    print(
        f"Benchmarking with {' '.join(wrk.command('URL', settings.duration, None, []))}"
    )
    bench_isso(settings, wrk, recorder)
    for number, database in enumerate(settings.databases):
        bench_talkpage(
            database, settings, wrk, recorder, measure_static_ceiling=number == 0
        )

    recorder.summary["total_seconds"] = round(time.monotonic() - started)
    recorder.save()
    DOC.write_text(report.markdown(recorder.summary))
    print(f"\nWrote {DOC.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}/")
    print(f"Total time: {recorder.summary['total_seconds']} s")


def raise_system_exit(signal_number: int, frame) -> None:
    raise SystemExit(128 + signal_number)


# --- Isso ----------------------------------------------------------------------


def ensure_isso() -> None:
    """Isso and its gunicorn in a virtualenv of their own, installed once."""
    python = ISSO_VENV / "bin" / "python"
    if python.exists():
        installed = subprocess.run(
            [python, "-c", VERSIONS_SCRIPT, *ISSO_PACKAGES],
            capture_output=True,
            text=True,
        ).stdout.split()
        if installed == list(ISSO_PACKAGES.values()):
            return
    print(f"Installing Isso into {ISSO_VENV.relative_to(ROOT)}...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", ISSO_VENV], check=True)
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            *(f"{name}=={version}" for name, version in ISSO_PACKAGES.items()),
        ],
        check=True,
    )


VERSIONS_SCRIPT = """
import importlib.metadata, sys
for name in sys.argv[1:]:
    try:
        print(importlib.metadata.version(name))
    except importlib.metadata.PackageNotFoundError:
        print("missing")
"""


def bench_isso(settings: BenchSettings, wrk: Wrk, recorder: Recorder) -> None:
    print("\n=== Isso 0.14.0 (SQLite, gunicorn, 2 workers)", flush=True)
    directory = VAR / "isso"
    directory.mkdir(parents=True)
    port = free_port()
    base = f"http://{HOST}:{port}"
    config_path = directory / "isso.cfg"
    database_path = directory / "comments.db"
    # host is Isso itself: it only checks it can reach it (and warns that
    # it cannot, at start-up, before it listens).
    config_path.write_text(
        "[general]\n"
        f"dbpath = {database_path}\n"
        f"host = {base}/\n"
        "[moderation]\n"
        "enabled = false\n"
    )
    recorder.summary["seeding_seconds"]["isso"] = timed_run(
        [
            ISSO_VENV / "bin" / "python",
            BENCH / "seed_isso.py",
            config_path,
            *map(str, settings.isso_sizes),
        ],
        env=os.environ.copy(),
    )
    argv = [
        str(ISSO_VENV / "bin" / "gunicorn"),
        "-b",
        f"{HOST}:{port}",
        "-w",
        str(SERVER_WORKERS),
        "--preload",
        "--no-control-socket",
        "isso.run",
    ]
    shown_argv = ["gunicorn", "-b", f"{HOST}:PORT", *argv[3:]]
    recorder.summary["commands"]["isso"] = (
        f"ISSO_SETTINGS=isso.cfg {' '.join(shown_argv)}"
    )
    server = Server(
        "isso",
        argv,
        env={**os.environ, "ISSO_SETTINGS": str(config_path)},
        log_path=RAW / "isso" / "server.log",
    )
    with server:
        # The query string Isso's own embed.js sends with its defaults.
        thread_url = base + "/?uri=%2Fbench-{size}&sort=oldest&offset=0&nested_limit=5"
        ready_url = thread_url.format(size=settings.isso_sizes[0])
        server.wait_until_ready(ready_url)
        for size in settings.isso_sizes:
            url = thread_url.format(size=size)
            fetch_started = time.monotonic()
            _status, _headers, body = http_get(url)
            one_response_seconds = time.monotonic() - fetch_started
            save_body(RAW / "isso" / "bodies" / f"thread-{size}.json", body)
            recorder.summary["responses"].append(
                {"system": "isso", "what": "thread", "size": size, "bytes": len(body)}
            )
            # A whole large thread takes Isso seconds: a warm-up at full
            # concurrency would leave it minutes of queued requests, so the
            # fetch above is the warm-up. And the run lasts long enough for
            # several responses to complete, else 10,000 comments would
            # measure 0 req/s.
            thread_wrk = Wrk(
                duration=min(
                    ISSO_LONGEST_RUN_SECONDS,
                    max(wrk.duration, math.ceil(5 * one_response_seconds)),
                ),
                warmup=0,
                connections=wrk.connections,
                threads=wrk.threads,
            )
            recorder.measurement(
                database="sqlite",
                system="isso",
                what="thread",
                size=size,
                url=url,
                result=thread_wrk.measure(
                    url, RAW / "isso" / f"thread-{size}.txt", servers=[server]
                ),
            )
            # Its sync workers go on rendering every request wrk left queued
            # (for minutes after the largest thread): start afresh instead.
            server.restart(ready_url)
        if settings.counted_sizes:
            uris = json.dumps([f"/bench-{size}" for size in settings.counted_sizes])
            recorder.measurement(
                database="sqlite",
                system="isso",
                what="counts",
                size=None,
                url=f"{base}/count",
                result=wrk.measure(
                    f"{base}/count",
                    RAW / "isso" / "counts.txt",
                    servers=[server],
                    script=LUA_POST_JSON,
                    warmup_args=[uris],
                    script_args=[uris],
                ),
                body=uris,
            )
        measure_creation(
            recorder,
            wrk,
            database="sqlite",
            system="isso",
            url=f"{base}/new?uri=%2Fbench-posts",
            flavour="isso",
            servers=[server],
            output=RAW / "isso" / "create.txt",
            count_rows=lambda: {"stored": isso_comment_count(database_path)},
        )
    recorder.summary["memory"].append(
        {
            "database": "sqlite",
            "system": "isso",
            "peak_rss_mib": server.peak_rss_mib,
            "peak_pss_mib": server.peak_pss_mib,
        }
    )
    print(f"  isso peak RSS {server.peak_rss_mib} MiB", flush=True)


def isso_comment_count(database_path: Path) -> int:
    with sqlite3.connect(f"file:{database_path}?mode=ro", uri=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM comments JOIN threads ON threads.id = comments.tid"
            " WHERE threads.uri = ?",
            ("/bench-posts",),
        ).fetchone()[0]


# --- Talkpage ------------------------------------------------------------------


def talkpage_environment(
    database: str, data_dir: Path, extra: dict | None = None
) -> dict:
    """The server's environment: none of the caller's TALKPAGE_* settings,
    a fresh data directory, and X-Forwarded-For believed from 127.0.0.1 only
    (the creation run's addresses; the rate limits count per /24)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("TALKPAGE_") and name != "DJANGO_SETTINGS_MODULE"
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="talkpage.config.settings",
        TALKPAGE_DATA_DIR=str(data_dir),
        TALKPAGE_TRUSTED_PROXIES="127.0.0.1/32",
    )
    if database == "postgres":
        environment.update(
            TALKPAGE_DATABASE_URL=POSTGRES_URL, TALKPAGE_REDIS_URL=REDIS_URL
        )
    environment.update(extra or {})
    return environment


def database_servers_of(database: str) -> DatabaseServers | None:
    """SQLite runs inside Talkpage's processes; PostgreSQL and Redis do not."""
    if database == "postgres":
        return DatabaseServers({"postgres", "redis-server"}, database=POSTGRES_DATABASE)
    return None


def reset_postgres_and_redis() -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    flush_redis()


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL, socket_timeout=5).flushdb()


def bench_talkpage(
    database: str,
    settings: BenchSettings,
    wrk: Wrk,
    recorder: Recorder,
    *,
    measure_static_ceiling: bool,
) -> None:
    """Seed, serve and measure Talkpage on one database. The nginx-static
    ceiling is measured on the first database only: nginx never touches the
    database, and the bodies are the same bytes on both, apart from dates."""
    print(f"\n=== Talkpage on {database}", flush=True)
    data_dir = VAR / database
    raw = RAW / database
    database_servers = database_servers_of(database)
    environment = talkpage_environment(database, data_dir)
    if database == "postgres":
        reset_postgres_and_redis()
    subprocess.run(
        [VENV_BIN / "talkpage", "manage", "migrate", "--verbosity", "0"],
        env=environment,
        check=True,
    )
    recorder.summary["seeding_seconds"][database] = timed_run(
        [VENV_BIN / "python", BENCH / "seed_talkpage.py", *map(str, settings.sizes)],
        env=environment,
    )
    port = free_port()
    base = f"http://{HOST}:{port}"
    argv = talkpage_serve_argv(port)
    recorder.summary["commands"][f"talkpage-{database}"] = shown_command(
        environment, argv, port
    )
    server = Server(
        f"talkpage-{database}", argv, env=environment, log_path=raw / "server.log"
    )
    with server:
        server.wait_until_ready(
            f"{base}/api/v1/articles/bench-{settings.sizes[0]}/comments"
        )
        bodies = save_talkpage_bodies(database, base, settings, recorder)
        for size in settings.sizes:
            for what, path in talkpage_reads(size):
                recorder.measurement(
                    database=database,
                    system="talkpage",
                    what=what,
                    size=size,
                    url=base + path,
                    result=wrk.measure(
                        base + path,
                        raw / f"{what}-{size}.txt",
                        servers=[server],
                        database_servers=database_servers,
                    ),
                )
        if settings.counted_sizes:
            query = "&".join(f"slug=bench-{size}" for size in settings.counted_sizes)
            url = f"{base}/api/v1/counts?{query}"
            recorder.measurement(
                database=database,
                system="talkpage",
                what="counts",
                size=None,
                url=url,
                result=wrk.measure(
                    url,
                    raw / "counts.txt",
                    servers=[server],
                    database_servers=database_servers,
                ),
            )
        with NginxFront(database, upstream_port=port) as nginx:
            if measure_static_ceiling:
                measure_static(database, bodies, nginx, wrk, recorder)
            measure_behind_cache(database, settings, nginx, server, wrk, recorder)
        # Last, so that every read above saw the seeded database only.
        measure_creation(
            recorder,
            wrk,
            database=database,
            system="talkpage",
            url=f"{base}/api/v1/articles/{POSTS_SLUG}/comments",
            flavour="talkpage",
            servers=[server],
            database_servers=database_servers,
            output=raw / "create.txt",
            count_rows=lambda: talkpage_comment_counts(database, data_dir),
        )
    recorder.summary["memory"].append(
        {
            "database": database,
            "system": "talkpage",
            "peak_rss_mib": server.peak_rss_mib,
            "peak_pss_mib": server.peak_pss_mib,
        }
    )
    print(f"  talkpage peak RSS {server.peak_rss_mib} MiB", flush=True)
    measure_cache_misses(database, settings, data_dir, wrk, recorder)


def talkpage_serve_argv(port: int) -> list[str]:
    return [
        str(VENV_BIN / "talkpage"),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(SERVER_WORKERS),
    ]


def shown_command(environment: dict, argv: list[str], port: int) -> str:
    """The server's command line as docs/benchmarks.md shows it."""
    settings = [
        f"{name}={value}" for name, value in environment.items() if "TALKPAGE" in name
    ]
    command = " ".join([*settings, ".venv/bin/talkpage", *argv[1:]])
    return command.replace(str(ROOT) + "/", "").replace(str(port), "PORT")


def talkpage_reads(size: int) -> list[tuple[str, str]]:
    """A first view: the API's first page, and the article page as a reader
    without cookies gets it."""
    return [
        ("api", f"/api/v1/articles/bench-{size}/comments"),
        ("page", f"/articles/bench-{size}/"),
    ]


def save_talkpage_bodies(
    database: str, base: str, settings: BenchSettings, recorder: Recorder
) -> dict[tuple[str, int], Path]:
    """The exact bytes of each first view, for nginx to serve, and what the
    server said about caching them. Also checks the seeding shows."""
    bodies = {}
    for size in settings.sizes:
        for what, path in talkpage_reads(size):
            status, headers, body = http_get(base + path)
            if status != 200:
                raise RuntimeError(f"{base + path} answered {status}")
            if what == "api":
                count = json.loads(body)["article"]["comment_count"]
                if count != size:
                    raise RuntimeError(f"bench-{size} shows {count} comments")
            extension = "json" if what == "api" else "html"
            file = RAW / "bodies" / database / f"{what}-{size}.{extension}"
            save_body(file, body)
            bodies[(what, size)] = file
            headers = {name.lower(): value for name, value in headers.items()}
            recorder.summary["responses"].append(
                {
                    "database": database,
                    "system": "talkpage",
                    "what": what,
                    "size": size,
                    "bytes": len(body),
                    "cache_control": headers.get("cache-control", ""),
                    "etag": headers.get("etag", ""),
                    "vary": headers.get("vary", ""),
                    "sets_cookie": "set-cookie" in headers,
                }
            )
    return bodies


def save_body(file: Path, body: bytes) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(body)


def measure_static(
    database: str,
    bodies: dict[tuple[str, int], Path],
    nginx: "NginxFront",
    wrk: Wrk,
    recorder: Recorder,
) -> None:
    # nginx serves a file the same from the first request: no warm-up.
    static_wrk = Wrk(
        duration=wrk.duration,
        warmup=0,
        connections=wrk.connections,
        threads=wrk.threads,
    )
    for (what, size), file in bodies.items():
        url = f"{nginx.static_base}/{database}/{file.name}"
        recorder.measurement(
            database=database,
            system="nginx-static",
            what=what,
            size=size,
            url=url,
            result=static_wrk.measure(
                url, RAW / "nginx-static" / f"{what}-{size}.txt", servers=[nginx.server]
            ),
            bytes=file.stat().st_size,
        )


def measure_behind_cache(
    database: str,
    settings: BenchSettings,
    nginx: "NginxFront",
    server: Server,
    wrk: Wrk,
    recorder: Recorder,
) -> None:
    for size in [size for size in settings.sizes if size in TARGET_SIZES]:
        for what, path in talkpage_reads(size):
            url = nginx.proxy_base + path
            before: dict[str, int] = {}
            result = wrk.measure(
                url,
                RAW / database / f"behind-cache-{what}-{size}.txt",
                servers=[nginx.server, server],
                database_servers=database_servers_of(database),
                before_run=lambda counts=before: counts.update(nginx.cache_statuses()),
            )
            after = nginx.cache_statuses()
            recorder.measurement(
                database=database,
                system="talkpage-behind-nginx-cache",
                what=what,
                size=size,
                url=url,
                result=result,
                cache_statuses={
                    status: after[status] - before.get(status, 0) for status in after
                },
            )


def measure_creation(
    recorder: Recorder,
    wrk: Wrk,
    *,
    database: str,
    system: str,
    url: str,
    flavour: str,
    servers: list[Server],
    output: Path,
    count_rows: Callable[[], dict[str, int]],
    database_servers: DatabaseServers | None = None,
) -> None:
    """Comment creation, checked twice: the statuses wrk saw, and the rows
    the database gained during the measured run (which also holds the
    requests still in flight when wrk stopped)."""
    run_tag = f"{system}-{database}-{int(time.time())}"
    rows: dict[str, dict] = {}
    result = wrk.measure(
        url,
        output,
        servers=servers,
        database_servers=database_servers,
        script=LUA_NEW_COMMENT,
        warmup_args=[flavour, "0", f"{run_tag}-warmup"],
        script_args=[flavour, str(MEASURED_FIRST_NETWORK), run_tag],
        before_run=lambda: rows.update(before=count_rows()),
    )
    rows["after"] = count_rows()
    created = sum(result.statuses.get(status, 0) for status in ("201", "202"))
    recorder.measurement(
        database=database,
        system=system,
        what="create",
        size=None,
        url=url,
        result=result,
        created=created,
        created_per_second=round(created / result.seconds, 2),
        rows_before=rows["before"],
        rows_after=rows["after"],
        rows_gained=sum(rows["after"].values()) - sum(rows["before"].values()),
    )


def talkpage_comment_counts(database: str, data_dir: Path) -> dict[str, int]:
    """Comments stored on the creation run's article, by status."""
    query = (
        "SELECT c.status, count(*) FROM discussion_comment c"
        " JOIN articles_article a ON a.id = c.article_id"
        " WHERE a.slug = %s GROUP BY c.status"
    )
    if database == "postgres":
        import psycopg

        with psycopg.connect(POSTGRES_URL.replace("postgres://", "postgresql://")) as c:
            return dict(c.execute(query, (POSTS_SLUG,)).fetchall())
    path = data_dir / "talkpage.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return dict(
            connection.execute(query.replace("%s", "?"), (POSTS_SLUG,)).fetchall()
        )


def measure_cache_misses(
    database: str,
    settings: BenchSettings,
    data_dir: Path,
    wrk: Wrk,
    recorder: Recorder,
) -> None:
    """First views built from the database every time, with the server's
    discussion cache turned off, when the installed Talkpage has a switch."""
    switch = cache_off_switch(talkpage_environment(database, data_dir))
    if switch is None:
        recorder.note(
            "cache-miss runs skipped: the settings define none of "
            + ", ".join(CACHE_OFF_SWITCHES)
        )
        return
    sizes = [size for size in settings.sizes if size in TARGET_SIZES]
    if not sizes:
        return
    print(f"  cache-miss runs with {switch[0]}={switch[1]}", flush=True)
    if database == "postgres":
        # The switch stops the server storing pages, not reading them: the
        # pages the first server left in Redis would be served as hits.
        flush_redis()
    port = free_port()
    base = f"http://{HOST}:{port}"
    server = Server(
        f"talkpage-{database}-no-cache",
        talkpage_serve_argv(port),
        env=talkpage_environment(database, data_dir, dict([switch])),
        log_path=RAW / database / "server-no-cache.log",
    )
    with server:
        server.wait_until_ready(f"{base}/api/v1/me")
        for size in sizes:
            for what, path in talkpage_reads(size):
                recorder.measurement(
                    database=database,
                    system="talkpage-cache-miss",
                    what=what,
                    size=size,
                    url=base + path,
                    result=wrk.measure(
                        base + path,
                        RAW / database / f"miss-{what}-{size}.txt",
                        servers=[server],
                        database_servers=database_servers_of(database),
                    ),
                    switch=f"{switch[0]}={switch[1]}",
                )


def cache_off_switch(environment: dict) -> tuple[str, str] | None:
    defined = subprocess.run(
        [
            VENV_BIN / "python",
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(' '.join(n for n in dir(settings) if n.startswith('TALKPAGE_')))",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name, value in CACHE_OFF_SWITCHES.items():
        if name in defined:
            return name, value
    return None


# --- nginx ---------------------------------------------------------------------


class NginxFront:
    """One nginx with its own configuration in a directory of its own: a
    static file server over the saved bodies, and a caching proxy in front
    of Talkpage that caches what Talkpage's Cache-Control allows, nothing
    more."""

    def __init__(self, database: str, *, upstream_port: int) -> None:
        self.prefix = VAR / f"nginx-{database}"
        self.static_port = free_port()
        self.proxy_port = free_port()
        self.upstream_port = upstream_port
        self.static_base = f"http://{HOST}:{self.static_port}"
        self.proxy_base = f"http://{HOST}:{self.proxy_port}"
        self.cache_log = self.prefix / "cache-status.log"
        self.server: Server | None = None

    def __enter__(self) -> "NginxFront":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> "NginxFront":
        for directory in ("temp", "cache"):
            (self.prefix / directory).mkdir(parents=True, exist_ok=True)
        config = self.prefix / "nginx.conf"
        config.write_text(self.config())
        self.server = Server(
            self.prefix.name,
            [
                "nginx",
                "-e",
                str(self.prefix / "error.log"),
                "-p",
                str(self.prefix),
                "-c",
                str(config),
            ],
            env=os.environ.copy(),
            log_path=self.prefix / "stdout.log",
        ).start()
        self.server.wait_until_ready(self.proxy_base + "/api/v1/me")
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def cache_statuses(self) -> dict[str, int]:
        """Cache verdicts so far (HIT, MISS, EXPIRED, ...), from the access
        log, which nginx writes out every 250 ms."""
        time.sleep(0.6)
        counts: dict[str, int] = {}
        if self.cache_log.exists():
            for line in self.cache_log.read_text().split():
                counts[line] = counts.get(line, 0) + 1
        return counts

    def config(self) -> str:
        temp = self.prefix / "temp"
        # Workers run as whoever runs the benchmark (root would hand them to
        # "nobody", who cannot read our files).
        user = f"user {os.environ.get('USER') or 'root'};" if os.geteuid() == 0 else ""
        return f"""
{user}
worker_processes {SERVER_WORKERS};
daemon off;
pid {self.prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    # No tcp_nopush: with it, this kernel served cached 110 KB pages 20
    # times slower than the same file from disk (about 2,000 against 40,000
    # req/s); without it both are served alike.
    sendfile on;
    keepalive_requests 1000000;
    types {{ application/json json; text/html html; }}
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;

    server {{
        listen {HOST}:{self.static_port};
        root {RAW / "bodies"};
    }}

    proxy_cache_path {self.prefix}/cache keys_zone=talkpage:16m max_size=512m
                     inactive=10m use_temp_path=off;
    upstream talkpage {{
        server {HOST}:{self.upstream_port};
        keepalive 64;
    }}
    log_format cache_status $upstream_cache_status;
    server {{
        listen {HOST}:{self.proxy_port};
        access_log {self.cache_log} cache_status buffer=64k flush=250ms;
        location / {{
            proxy_pass http://talkpage;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # No proxy_cache_valid: only what Talkpage marks cacheable is
            # kept, for as long as its Cache-Control says.
            proxy_cache talkpage;
            proxy_cache_lock on;
            proxy_cache_use_stale updating;
            proxy_cache_background_update on;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""


# --- Helpers -------------------------------------------------------------------


def timed_run(argv: list, *, env: dict) -> float:
    started = time.monotonic()
    subprocess.run([str(arg) for arg in argv], env=env, check=True)
    return round(time.monotonic() - started, 1)


def machine_facts(settings: BenchSettings) -> dict:
    def output(argv: list, **kwargs) -> str:
        completed = subprocess.run(
            [str(arg) for arg in argv], capture_output=True, text=True, **kwargs
        )
        return (completed.stdout + completed.stderr).strip()

    import django
    import granian

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    isso_python = ISSO_VENV / "bin" / "python"
    isso, gunicorn = output(
        [isso_python, "-c", VERSIONS_SCRIPT, "isso", "gunicorn"]
    ).split()
    facts = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git": output(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
        + (
            " (with uncommitted changes)"
            if output(["git", "-C", ROOT, "status", "--porcelain", "--", "talkpage"])
            else ""
        ),
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "kernel": platform.release(),
        "memory": output(["free", "-h", "--si"]).splitlines()[1].split()[1],
        "python": platform.python_version(),
        "django": django.get_version(),
        "granian": granian.__version__,
        "sqlite": sqlite3.sqlite_version,
        "isso": isso,
        "isso_gunicorn": gunicorn,
        "nginx": output(["nginx", "-v"]).removeprefix("nginx version: "),
        "wrk": output(["wrk", "-v"]).splitlines()[0].split(" [")[0],
    }
    if "postgres" in settings.databases:
        import psycopg
        import redis

        with psycopg.connect(POSTGRES_ADMIN_URL) as connection:
            facts["postgresql"] = connection.execute("SHOW server_version").fetchone()[
                0
            ]
        facts["redis"] = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    return facts


if __name__ == "__main__":
    main()
