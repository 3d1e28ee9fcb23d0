"""How each database is connected to: PostgreSQL through a fixed pool per
process, SQLite through a kept connection per thread, durable by default."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from talkpage.testing import load_settings


def test_postgresql_connections_come_from_a_fixed_pool_per_process(
    monkeypatch, tmp_path
):
    settings = load_settings(
        monkeypatch,
        tmp_path,
        DATABASE_URL="postgres://talkpage@db.internal/talkpage",
        MAX_CONCURRENT_REQUESTS="6",
    )

    database = settings["DATABASES"]["default"]
    assert database["OPTIONS"]["pool"]["min_size"] == 8  # the admitted + 2
    assert database["OPTIONS"]["pool"]["max_size"] == 8
    # Django returns a pooled connection at the end of every request.
    assert database["CONN_MAX_AGE"] == 0
    assert "statement_timeout=30000" in database["OPTIONS"]["options"]


def test_the_pool_size_can_be_set(monkeypatch, tmp_path):
    settings = load_settings(
        monkeypatch,
        tmp_path,
        DATABASE_URL="postgres://talkpage@db.internal/talkpage",
        DATABASE_POOL_SIZE="3",
    )

    assert settings["DATABASES"]["default"]["OPTIONS"]["pool"]["max_size"] == 3


def test_sqlite_is_durable_unless_told_otherwise(monkeypatch, tmp_path):
    durable = load_settings(monkeypatch, tmp_path)["DATABASES"]["default"]
    faster = load_settings(monkeypatch, tmp_path, SQLITE_SYNCHRONOUS="normal")[
        "DATABASES"
    ]["default"]

    assert "PRAGMA synchronous=FULL;" in durable["OPTIONS"]["init_command"]
    assert "PRAGMA synchronous=NORMAL;" in faster["OPTIONS"]["init_command"]
    assert "pool" not in durable["OPTIONS"]
    assert durable["CONN_MAX_AGE"] == 300


def test_an_unknown_synchronous_mode_stops_the_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="TALKPAGE_SQLITE_SYNCHRONOUS"):
        load_settings(monkeypatch, tmp_path, SQLITE_SYNCHRONOUS="off")
