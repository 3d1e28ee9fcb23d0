"""Short versions of ``make soak`` (docs/reliability.md): real ``talkpage
serve`` processes, on whatever database this run uses, under concurrent
posting, a burst of votes, ``kill -9`` and overload. Each check is one of
SECURITY.md's items 27-30; a failure message lists every broken promise.

The overload test is skipped, saying so, when the machine is too busy for
the load generator to keep its schedule. Select these with ``-k
reliability``. The servers get databases of their
own, never the test database: on PostgreSQL ``talkpage_reliability_<worker>``
(made and dropped here), otherwise SQLite in a temporary directory.
"""

import os
import shutil

import psycopg
import pytest
import redis

from bench.soak import scenarios, store
from bench.soak.server import Database, Server

POSTERS = 20
POSTING_SECONDS = 10
VOTERS = 150
KILL_ROUNDS = 3
OVERLOAD_SECONDS = 5


def worker_number(worker_id: str) -> int:
    return int(worker_id.removeprefix("gw")) if worker_id.startswith("gw") else 0


def server_database(worker_id: str) -> Database:
    url = os.environ.get("TALKPAGE_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return Database()
    base = url.rsplit("/", 1)[0]
    database = Database(f"{base}/talkpage_reliability_{worker_id}")
    redis_url = os.environ.get("TALKPAGE_REDIS_URL", "")
    if redis_url:
        # The test settings use databases 15 and 14; these servers take 11, 10.
        number = 11 - worker_number(worker_id)
        database.redis_url = f"{redis_url.rsplit('/', 1)[0]}/{number}"
    try:
        store.reset_postgres(database)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL at {base} is not reachable: {error}")
    except redis.RedisError as error:
        pytest.skip(f"Redis at {database.redis_url} is not reachable: {error}")
    return database


@pytest.fixture(scope="module")
def database(worker_id):
    database = server_database(worker_id)
    yield database
    if database.is_postgres:
        store.drop_postgres(database)


@pytest.fixture(scope="module")
def server(database, tmp_path_factory):
    with Server(tmp_path_factory.mktemp("reliability"), database=database) as running:
        yield running


def assert_kept(result) -> None:
    problems = result.problems()
    assert not problems, "\n".join(problems)


def test_every_acknowledged_comment_is_stored_once_while_twenty_people_post(server):
    result = scenarios.posting(
        server, label="ci", posters=POSTERS, seconds=POSTING_SECONDS
    )

    assert_kept(result)
    assert result.check.stored == len(result.log.acknowledged) > 0
    assert result.log.retries, "some acknowledged posts were sent again"


def test_every_one_of_many_simultaneous_votes_is_counted_once(server):
    result = scenarios.concurrent_votes(server, voters=VOTERS)

    assert_kept(result)
    assert result.stored_votes == result.upvotes_field == VOTERS


def test_kill_9_during_posting_loses_no_acknowledged_comment(server):
    result = scenarios.kill_rounds(server, rounds=KILL_ROUNDS, posters=POSTERS)

    assert_kept(result)
    assert all(kill_round.acknowledged for kill_round in result.rounds)


def test_overload_is_refused_quickly_and_the_server_recovers_by_itself(
    database, tmp_path_factory
):
    # One worker on the first CPU, the load on the other, so the load
    # generator cannot starve the server it measures.
    two_cpus = len(os.sched_getaffinity(0)) >= 2
    if shutil.which("wrk") is None:
        message = "needs wrk to measure capacity: apt-get install wrk"
        if os.environ.get("TALKPAGE_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (.ci/run installs it)")
        pytest.skip(message)
    with Server(
        tmp_path_factory.mktemp("overload"),
        database=database,
        workers=1,
        cpus="0" if two_cpus else "",
    ) as server:
        result = scenarios.overload(
            server,
            label="ci",
            path="/",
            seed_comments=0,
            seconds=OVERLOAD_SECONDS,
            capacity_seconds=3,
            generator_cpus={1} if two_cpus else None,
        )

    if not result.generator_kept_up():
        pytest.skip(
            "the machine was too busy to offer the load on time (the generator "
            f"started {result.load.late_share:.0%} of its requests late): "
            "nothing was measured"
        )
    assert_kept(result)
    summary = result.summary()
    assert summary["refused_p50_ms"] < 1000, summary
