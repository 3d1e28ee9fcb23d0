"""Reading what the server stored, straight from its database (sqlite3 or
psycopg), to hold it against what the server acknowledged."""

import sqlite3
from contextlib import closing
from dataclasses import dataclass

import psycopg

from bench.soak.server import Database, Server


@dataclass(frozen=True)
class StoredComment:
    id: int
    submission_key: str | None
    body: str


def reset_postgres(database: Database) -> None:
    """Drop and create the server's PostgreSQL database, and flush its Redis
    database: every run starts empty."""
    import redis

    name = database.url.rsplit("/", 1)[1].split("?")[0]
    admin_url = database.url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    if database.redis_url:
        redis.Redis.from_url(database.redis_url, socket_timeout=5).flushdb()


def drop_postgres(database: Database) -> None:
    name = database.url.rsplit("/", 1)[1].split("?")[0]
    admin_url = database.url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(server: Server, sql: str, params: tuple = ()) -> list[tuple]:
    if server.database.is_postgres:
        with psycopg.connect(server.database.url, connect_timeout=5) as connection:
            return connection.execute(sql.replace("?", "%s"), params).fetchall()
    uri = f"file:{server.sqlite_path}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=30)) as connection:
        return connection.execute(sql, params).fetchall()


def comments_with_prefix(server: Server, prefix: str) -> list[StoredComment]:
    rows = _query(
        server,
        "SELECT id, submission_key, body FROM discussion_comment WHERE body LIKE ?",
        (prefix + "%",),
    )
    return [StoredComment(*row) for row in rows]


def vote_count(server: Server, comment_id: int) -> tuple[int, int]:
    """(rows in the vote table, the comment's upvotes field)."""
    (votes,) = _query(
        server,
        "SELECT count(*) FROM discussion_vote WHERE comment_id = ?",
        (comment_id,),
    )[0]
    (upvotes,) = _query(
        server, "SELECT upvotes FROM discussion_comment WHERE id = ?", (comment_id,)
    )[0]
    return votes, upvotes


def integrity_check(server: Server) -> str:
    """SQLite's own verdict on the file ("ok"); PostgreSQL needs none."""
    if server.database.is_postgres:
        return "n/a (PostgreSQL)"
    with closing(sqlite3.connect(server.sqlite_path, timeout=30)) as connection:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(row[0] for row in rows)


def durability(server: Server) -> str:
    """The setting that decides whether an acknowledged write survives."""
    if server.database.is_postgres:
        (commit_mode,) = _query(server, "SHOW synchronous_commit")[0]
        return f"synchronous_commit={commit_mode}"
    with closing(sqlite3.connect(server.sqlite_path, timeout=30)) as connection:
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    # synchronous is per connection: the server sets FULL on each of its own
    # (tests/test_installation.py checks that).
    return f"journal_mode={mode}"
