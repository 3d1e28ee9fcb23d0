"""Seed Isso with the benchmark's discussions, through Isso's own database
layer (run by the Python of Isso's virtualenv).

    python bench/seed_isso.py ISSO_CFG SIZE [SIZE ...]

creates the thread ``/bench-SIZE`` with SIZE comments for each SIZE, and the
empty thread ``/bench-posts`` that the comment creation run posts to (two
workers creating one thread at the same moment fail with HTTP 500, so it
exists before the run). Isso's HTTP API allows 2 new comments a minute per
address, which rules it out for seeding.

Isso commits (and syncs to disk) every statement; the database is built in
memory-backed /dev/shm and then moved into place, which takes seconds
instead of most of a minute and leaves the same file.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

from isso import config
from isso.db import SQLite3
from seed_data import thread_comments

POSTS_URI = "/bench-posts"
# Seeded comments are this far apart, the newest an hour old.
SPACING_SECONDS = 30
VALID = 1  # Isso's "mode" of a published comment


def main(config_path: str, sizes: list[int]) -> None:
    started = time.perf_counter()
    conf = config.load(config.default_file(), config_path)
    with tempfile.TemporaryDirectory(dir=memory_backed_dir()) as building:
        building_path = Path(building) / "comments.db"
        seed(SQLite3(str(building_path), conf), sizes)
        shutil.move(building_path, conf.get("general", "dbpath"))
    print(f"seeding took {time.perf_counter() - started:.1f} s", flush=True)


def memory_backed_dir() -> str | None:
    # Only the parent of a private TemporaryDirectory, not a guessable name.
    shm = Path("/dev/shm")  # noqa: S108
    return str(shm) if shm.is_dir() else None


def seed(db: SQLite3, sizes: list[int]) -> None:
    for size in sizes:
        uri = f"/bench-{size}"
        db.threads.new(uri, f"Benchmark discussion: {size} comments")
        first_created = time.time() - 3600 - SPACING_SECONDS * size
        isso_ids: list[int] = []
        for comment in thread_comments(size):
            parent = None if comment.reply_to is None else isso_ids[comment.reply_to]
            added = db.comments.add(
                uri,
                {
                    "text": comment.text,
                    "author": comment.author or None,
                    "email": None,
                    "website": None,
                    "parent": parent,
                    "mode": VALID,
                    # Isso stores addresses already anonymised like this.
                    "remote_addr": comment.network,
                    "created": first_created + SPACING_SECONDS * comment.index,
                    "notification": 0,
                },
            )
            isso_ids.append(added["id"])
        print(f"seeded {uri}: {size} comments", flush=True)
    db.threads.new(POSTS_URI, "Benchmark: comment creation")


if __name__ == "__main__":
    main(sys.argv[1], [int(size) for size in sys.argv[2:]])
