"""Where the time of one read of a discussion goes, in one process, on SQLite.

    .venv/bin/python bench/profile_read.py api|page hit|miss [READS]

Seeds a discussion of 1,000 comments (bench/seed_talkpage.py) in a fresh
data directory, then reads its first page READS times (200 by default)
through Django's WSGI handler, as granian would call it: ``hit`` from the
discussion cache, ``miss`` with the cache off (built from the database
every time). Prints the time per read, the queries of one read, and the
functions with the most time inside them (cProfile).
"""

import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
URLS = {
    "api": "/api/v1/articles/bench-1000/comments",
    "page": "/articles/bench-1000/",
}


def main() -> None:
    what, mode = sys.argv[1], sys.argv[2]
    reads = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    (BENCH / "var").mkdir(exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="profile-read-", dir=BENCH / "var")
    os.environ["TALKPAGE_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "talkpage.config.settings"
    if mode == "miss":
        os.environ["TALKPAGE_DISCUSSION_CACHE_SECONDS"] = "0"
    python = str(ROOT / ".venv" / "bin" / "python")
    talkpage = str(ROOT / ".venv" / "bin" / "talkpage")
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([talkpage, "manage", *command], check=True)
    subprocess.run(
        [python, "seed_talkpage.py", "1000"], cwd=BENCH, check=True, stdout=-3
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    handler = WSGIHandler()

    def read() -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": URLS[what],
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
        }
        statuses = []
        body = handler(environ, lambda status, headers: statuses.append(status))
        b"".join(body)
        body.close()
        assert statuses[0].startswith("200"), statuses

    for _ in range(20):
        read()
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        read()
    one_read = list(queries.captured_queries)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(reads):
        read()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(reads):
        read()
    profile.disable()
    print(
        f"{what} {mode}: {wall / reads * 1e6:,.0f} µs wall, "
        f"{cpu / reads * 1e6:,.0f} µs CPU per read; {len(one_read)} queries"
    )
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(r"talkpage|ninja|django/template", 30)
    stats.sort_stats("tottime").print_stats(15)
    print(out.getvalue())


if __name__ == "__main__":
    main()
