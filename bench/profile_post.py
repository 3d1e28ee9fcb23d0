"""Where the time of one new comment goes, in one process, on SQLite.

    .venv/bin/python bench/profile_post.py [POSTS]

Posts POSTS anonymous comments (300 by default) through the JSON API with
Django's test client, production settings, a fresh data directory and a
new network for each, so that every check does its real work: rate limits,
duplicate and repeat checks, bans, the spam filter, Markdown and the
sanitiser, the insert and the counters. It prints:

- the disk's fsync latency in the data directory (synchronous=FULL costs
  one per comment, and SQLite has one writer at a time);
- wall and CPU time per post (then again under cProfile), and the
  queries of one post;
- the functions with the most CPU time of their own (cProfile).

Results of a run are in bench/results/profiles/post.txt.
"""

import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

# On the project's disk, as a server's data would be (a temporary directory
# may be in memory, with no fsync to speak of).
VAR = Path(__file__).resolve().parent / "var"
VAR.mkdir(exist_ok=True)
DATA_DIR = Path(tempfile.mkdtemp(prefix="profile-", dir=VAR))
os.environ["TALKPAGE_DATA_DIR"] = str(DATA_DIR)
os.environ["TALKPAGE_TRUSTED_PROXIES"] = "127.0.0.1/32"
os.environ["DJANGO_SETTINGS_MODULE"] = "talkpage.config.settings"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def fsync_milliseconds(directory: Path, rounds: int = 100) -> float:
    path = directory / "fsync.probe"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        start = time.perf_counter()
        for _ in range(rounds):
            os.write(descriptor, b"x" * 4096)
            os.fsync(descriptor)
        return (time.perf_counter() - start) / rounds * 1000
    finally:
        os.close(descriptor)
        path.unlink()


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from talkpage.articles.services import load_demo_if_empty

    call_command("migrate", verbosity=0)
    load_demo_if_empty()
    from talkpage.articles.models import Article

    posts = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    url = f"/api/v1/articles/{Article.objects.first().slug}/comments"
    client = Client()

    def post(number: int) -> None:
        response = client.post(
            url,
            data=json.dumps({"text": f"Comment {number} {uuid.uuid4().hex}"}),
            content_type="application/json",
            # A /24 of its own for every post: the rate limits never trigger.
            HTTP_X_FORWARDED_FOR=f"{11 + number // 65536}.{number // 256 % 256}."
            f"{number % 256}.7",
            HTTP_HOST="127.0.0.1",
        )
        assert response.status_code in (201, 202), response.content

    for number in range(20):  # warm-up: imports, first queries
        post(number)
    # Every request starts by emptying the query log: empty it first.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        post(20)
    # Read now: the property reads the log, which the next request empties.
    one_post = list(queries.captured_queries)

    wall, cpu = time.perf_counter(), time.process_time()
    for number in range(21, 21 + posts):
        post(number)
    plain_wall, plain_cpu = time.perf_counter() - wall, time.process_time() - cpu
    profile = cProfile.Profile(time.process_time)
    wall, cpu = time.perf_counter(), time.process_time()
    profile.enable()
    for number in range(21 + posts, 21 + 2 * posts):
        post(number)
    profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    print(f"fsync in the data directory: {fsync_milliseconds(DATA_DIR):.2f} ms")
    print(
        f"{posts} posts: {plain_wall / posts * 1000:.2f} ms wall and "
        f"{plain_cpu / posts * 1000:.2f} ms CPU each; under cProfile "
        f"{wall / posts * 1000:.2f} and {cpu / posts * 1000:.2f}"
    )
    print(f"\nThe {len(one_post)} queries of one post:")
    for query in one_post:
        print(f"  {float(query['time']) * 1000:6.2f} ms  {query['sql'][:110]}")
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(r"talkpage|ninja|markdown|nh3", 40)
    stats.sort_stats("tottime").print_stats(15)
    print("\nCPU time: our functions by time inside them, then all by own time:")
    print(out.getvalue())


if __name__ == "__main__":
    main()
