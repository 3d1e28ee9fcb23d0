"""Read replicas: who reads from one, and who must read the primary.

The replica here is an SQLite file with the schema, beside the test
database as the primary. Rows reach it only when a test copies them, so it
lags the way a real replica may: what a page shows tells where it read, and
the queries each database ran say so too.

These tests use real transactions (``transactional_db``): inside the test
case's usual wrapping transaction every read would rightly go to the
primary.
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.utils import load_backend
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from talkpage.articles.models import Article
from talkpage.config.routers import ReplicaReadsMiddleware, ReplicaRouter
from talkpage.discussion.models import Comment
from talkpage.embeds.tokens import issue_bearer_token
from talkpage.testing import load_settings, make_comment, post_url, with_token

REPLICA = "replica"
LATE_WORDS = "Written a moment ago"


@contextmanager
def sqlite_database(alias: str, path: Path) -> Iterator[None]:
    """An SQLite database under ``alias`` for as long as the block runs.

    It is made the way Django makes a connection, but left out of
    settings.DATABASES: test cases allow such connections and leave them be.
    """
    configured = connections.configure_settings(
        {
            DEFAULT_DB_ALIAS: {"ENGINE": "django.db.backends.sqlite3"},
            alias: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)},
        }
    )[alias]
    connection = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, alias)
    connections[alias] = connection
    try:
        yield
    finally:
        connection.close()
        del connections[alias]


@pytest.fixture(scope="session")
def replica_schema(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("replica") / "schema.sqlite3"
    with django_db_blocker.unblock(), sqlite_database("schema", path):
        call_command("migrate", database="schema", verbosity=0, interactive=False)
    return path


@pytest.fixture
def replica(replica_schema, transactional_db, tmp_path, settings) -> Iterator[str]:
    """A site configured as TALKPAGE_DATABASE_REPLICA_URLS configures it,
    with one empty replica."""
    path = tmp_path / "replica.sqlite3"
    shutil.copyfile(replica_schema, path)
    settings.TALKPAGE_DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_ROUTERS = ["talkpage.config.routers.ReplicaRouter"]
    settings.MIDDLEWARE = [
        "talkpage.config.routers.ReplicaReadsMiddleware",
        *settings.MIDDLEWARE,
    ]
    with sqlite_database(REPLICA, path):
        yield REPLICA


def replicate(*rows) -> None:
    """Copies rows to the replica, as replication does a moment later."""
    for row in rows:
        copy = type(row)._base_manager.using(DEFAULT_DB_ALIAS).get(pk=row.pk)
        copy.save(using=REPLICA, force_insert=True)


@contextmanager
def queries() -> Iterator[dict[str, CaptureQueriesContext]]:
    """The queries each database runs inside the block."""
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        yield {"primary": primary, "replica": replica}


def test_a_reader_with_nothing_of_their_own_reads_the_replica(
    client, replica, article, alice
):
    replicate(article)
    make_comment(article, LATE_WORDS, user=alice)  # not replicated yet

    with queries() as ran:
        page = client.get(article.get_absolute_url())
        thread = client.get(f"/api/v1/articles/{article.slug}/comments")

    assert page.status_code == thread.status_code == 200
    assert LATE_WORDS not in page.content.decode()
    assert thread.json()["comments"] == []
    assert len(ran["replica"]) > 0
    assert len(ran["primary"]) == 0


def test_a_signed_in_reader_reads_the_primary(client, replica, article, alice):
    replicate(article)
    make_comment(article, LATE_WORDS, user=alice)
    client.force_login(alice)

    with queries() as ran:
        page = client.get(article.get_absolute_url())
        thread = client.get(f"/api/v1/articles/{article.slug}/comments")

    assert LATE_WORDS in page.content.decode()
    assert LATE_WORDS in thread.content.decode()
    assert len(ran["replica"]) == 0


def test_an_anonymous_author_reads_their_own_comment_at_once(client, replica, article):
    replicate(article)
    with queries() as ran:
        response = client.post(post_url(article), with_token(article, {"text": "Mine"}))
    assert response.status_code == 302
    assert len(ran["replica"]) == 0
    assert Comment.objects.using(DEFAULT_DB_ALIAS).filter(body="Mine").exists()
    assert not Comment.objects.using(REPLICA).exists()

    # The edit-token cookie the post left behind sends them to the primary.
    with queries() as ran:
        page = client.get(article.get_absolute_url())
    assert "Mine" in page.content.decode()
    assert len(ran["replica"]) == 0


# What a request carries when its reader may have written something.
WRITER_MARKS = {
    "session": lambda alice: {"cookie": ("sessionid", "abc")},
    "edit tokens": lambda alice: {"cookie": ("talkpage_edit", "1:abc")},
    "voter id": lambda alice: {"cookie": ("talkpage_voter", "a" * 22)},
    "waiting message": lambda alice: {"cookie": ("messages", "abc")},
    "API token": lambda alice: {
        "HTTP_AUTHORIZATION": f"Bearer {issue_bearer_token(alice)}"
    },
    "widget's edit tokens": lambda alice: {"HTTP_X_TALKPAGE_EDIT_TOKENS": "1:abc"},
    "widget's voter id": lambda alice: {"HTTP_X_TALKPAGE_VOTER": "a" * 22},
}


@pytest.mark.parametrize("mark", WRITER_MARKS)
def test_a_reader_who_may_have_written_reads_the_primary(
    client, replica, article, alice, mark
):
    replicate(article)
    make_comment(article, LATE_WORDS, user=alice)
    headers = WRITER_MARKS[mark](alice)
    if "cookie" in headers:
        name, value = headers.pop("cookie")
        client.cookies[name] = value

    with queries() as ran:
        response = client.get(f"/api/v1/articles/{article.slug}/comments", **headers)

    assert response.status_code == 200
    assert LATE_WORDS in response.content.decode()
    assert len(ran["replica"]) == 0


def test_writes_and_reads_in_a_transaction_or_after_a_write_use_the_primary(
    replica, article
):
    read_from = []

    def view(request):
        read_from.append(router.db_for_read(Article))
        with transaction.atomic():
            read_from.append(router.db_for_read(Article))
        read_from.append(router.db_for_read(Article))
        assert router.db_for_write(Article) == DEFAULT_DB_ALIAS
        Article.objects.filter(pk=article.pk).update(title="Renamed")
        read_from.append(router.db_for_read(Article))
        return HttpResponse()

    ReplicaReadsMiddleware(view)(RequestFactory().get("/"))

    assert read_from == [REPLICA, DEFAULT_DB_ALIAS, REPLICA, DEFAULT_DB_ALIAS]
    assert Article.objects.using(DEFAULT_DB_ALIAS).get().title == "Renamed"
    # Outside a request, nobody is judged: everything uses the primary.
    assert router.db_for_read(Article) == DEFAULT_DB_ALIAS


def test_post_requests_never_read_the_replica(replica, article):
    read_from = []

    def view(request):
        read_from.append(router.db_for_read(Article))
        return HttpResponse()

    ReplicaReadsMiddleware(view)(RequestFactory().post("/"))
    assert read_from == [DEFAULT_DB_ALIAS]


def test_migrations_run_only_on_the_primary():
    assert ReplicaRouter().allow_migrate(DEFAULT_DB_ALIAS, "discussion")
    assert not ReplicaRouter().allow_migrate("replica1", "discussion")


# --- Settings -------------------------------------------------------------


def test_replica_urls_add_databases_the_router_and_its_middleware(
    monkeypatch, tmp_path
):
    settings = load_settings(
        monkeypatch,
        tmp_path,
        DATABASE_URL="postgres://talkpage@primary.internal/talkpage",
        DATABASE_REPLICA_URLS=(
            "postgres://talkpage@replica-1.internal/talkpage, "
            "postgres://talkpage@replica-2.internal:6432/talkpage?sslmode=require"
        ),
    )

    databases = settings["DATABASES"]
    assert list(databases) == ["default", "replica1", "replica2"]
    assert settings["TALKPAGE_DATABASE_REPLICAS"] == ["replica1", "replica2"]
    second = databases["replica2"]
    assert (second["HOST"], second["PORT"]) == ("replica-2.internal", 6432)
    # The primary's connection options, plus the URL's own.
    assert second["OPTIONS"]["sslmode"] == "require"
    assert "statement_timeout=30000" in second["OPTIONS"]["options"]
    assert databases["replica1"]["OPTIONS"] == databases["default"]["OPTIONS"]
    assert second["CONN_MAX_AGE"] == databases["default"]["CONN_MAX_AGE"]
    assert second["TEST"] == {"MIRROR": "default"}
    assert settings["DATABASE_ROUTERS"] == ["talkpage.config.routers.ReplicaRouter"]
    assert settings["MIDDLEWARE"][0] == "talkpage.config.routers.ReplicaReadsMiddleware"


def test_without_replica_urls_everything_uses_the_one_database(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, tmp_path)
    assert list(settings["DATABASES"]) == ["default"]
    assert settings["TALKPAGE_DATABASE_REPLICAS"] == []
    assert "DATABASE_ROUTERS" not in settings
    assert (
        "talkpage.config.routers.ReplicaReadsMiddleware" not in settings["MIDDLEWARE"]
    )


def test_a_replica_of_another_kind_of_database_stops_the_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="TALKPAGE_DATABASE_REPLICA_URLS"):
        load_settings(
            monkeypatch,
            tmp_path,
            DATABASE_REPLICA_URLS="postgres://talkpage@replica-1.internal/talkpage",
        )
