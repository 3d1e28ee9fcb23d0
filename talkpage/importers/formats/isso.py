"""Isso's SQLite database (the file ``dbpath`` names in isso.cfg).

Two tables matter (isso/db/threads.py and isso/db/comments.py)::

    threads(id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256))
    comments(tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
             created FLOAT NOT NULL, modified FLOAT, mode INTEGER,
             remote_addr VARCHAR, text VARCHAR, author VARCHAR, email VARCHAR,
             website VARCHAR, likes INTEGER, dislikes INTEGER, voters BLOB,
             notification INTEGER)

``uri`` is the page's path on the site Isso served ("/2019/hello/"), so it
is resolved against a base address. ``mode`` is 1 (accepted), 2 (pending
review) or 4 (deleted, kept because it has replies). ``text`` is Markdown,
as here. Times are Unix seconds. Isso keeps every reply one level deep,
under its top-level comment. Addresses, websites and the voters' filter
are never read; likes and dislikes become the vote totals.
"""

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from talkpage.discussion.models import Status
from talkpage.importers.formats.common import placeholder_if_empty
from talkpage.importers.records import (
    ImportFileError,
    Problem,
    Record,
    SourceComment,
    SourceName,
    SourceThread,
)
from talkpage.lib.markdown import render_comment

ACCEPTED, PENDING, DELETED = 1, 2, 4
SQLITE_HEADER = b"SQLite format 3\x00"
COLUMNS = (
    "tid, id, parent, created, modified, mode, text, author, email, likes, dislikes"
)


def read(path: Path, *, base_url: str, on_row=None) -> Iterator[Record]:
    """``on_row(done, total)`` is called as rows are read."""
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise ImportFileError("not an Isso database: not an SQLite file")
    # Read-only: an import never changes the file it reads.
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
        if not {"threads", "comments"} <= tables:
            raise ImportFileError(
                "not an Isso database: it has no threads and comments tables"
            )
        yield SourceName(f"isso:{base_url.rstrip('/')}")
        for thread_id, uri, title in connection.execute(
            "SELECT id, uri, title FROM threads ORDER BY id"
        ):
            yield SourceThread(
                source_id=str(thread_id), url=uri or "", title=title or ""
            )
        (total,) = connection.execute("SELECT COUNT(*) FROM comments").fetchone()
        rows = connection.execute(
            f"SELECT {COLUMNS} FROM comments ORDER BY id"  # noqa: S608 (constant)
        )
        for done, row in enumerate(rows, start=1):
            yield from _comment(row)
            if on_row is not None:
                on_row(done, total)
    except sqlite3.DatabaseError as error:
        raise ImportFileError(f"not a readable Isso database ({error})") from None
    finally:
        connection.close()


def _comment(row) -> Iterator[SourceComment | Problem]:
    (thread_id, comment_id, parent, created, modified, mode) = row[:6]
    text, author, email, likes, dislikes = row[6:]
    where = f"comment id {comment_id}"
    try:
        created_at = _time(created)
        edited_at = _time(modified) if modified else None
    except (TypeError, ValueError, OverflowError, OSError):
        yield Problem(
            where,
            "bad date",
            f"{created!r} is not a Unix time",
            "skipped",
            skipped=True,
        )
        return
    comment = SourceComment(
        source_id=str(comment_id),
        thread_id=str(thread_id),
        position=where,
        created_at=created_at,
        edited_at=edited_at,
        body="",
        body_html="",
        reply_to="" if parent is None else str(parent),
        upvotes=max(0, int(likes or 0)),
        downvotes=max(0, int(dislikes or 0)),
    )
    if mode == DELETED:
        comment.deleted_at = edited_at or created_at
        yield comment
        return
    if mode == PENDING:
        comment.status = Status.HELD
        comment.moderation_reasons = ["awaiting moderation in Isso"]
    elif mode != ACCEPTED:
        comment.status = Status.HELD
        comment.moderation_reasons = [f"mode {mode!r} in Isso"]
        yield Problem(where, "unknown mode", repr(mode), "held for moderation", False)
    comment.body = text or ""
    comment.body_html = render_comment(comment.body)
    comment.author_name = (author or "").strip()
    comment.email = (email or "").strip()
    if problem := placeholder_if_empty(comment, where):
        yield problem
    yield comment


def _time(value) -> datetime:
    return datetime.fromtimestamp(float(value), tz=UTC)
