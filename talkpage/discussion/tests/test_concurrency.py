"""Counts stay exact when many readers write at the same moment.

These need a database server that takes concurrent connections: the
SQLite test database lives in memory inside one process, so they run in the
PostgreSQL run of the suite (`make test-postgres`, which CI always runs).
"""

import threading

import pytest
from django.db import connection, connections

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment, Vote
from talkpage.discussion.services import post_comment, vote

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent connections: runs in the PostgreSQL run",
    ),
]

READERS = 20


def all_at_once(work) -> list[BaseException]:
    """Run ``work(n)`` in READERS threads released together; their errors."""
    start = threading.Barrier(READERS)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_votes_count_every_voter(article):
    comment = post_comment(article=article, user=None, text="vote on me").comment

    errors = all_at_once(
        lambda n: vote(comment=comment, voter_key=f"v:{n}", user=None, value=1)
    )

    assert errors == []
    comment.refresh_from_db()
    assert comment.upvotes == READERS
    assert Vote.objects.filter(comment=comment).count() == READERS


def test_one_reader_voting_from_many_tabs_counts_once(article):
    comment = post_comment(article=article, user=None, text="only once").comment

    errors = all_at_once(
        lambda n: vote(comment=comment, voter_key="v:same", user=None, value=1)
    )

    assert errors == []
    comment.refresh_from_db()
    assert comment.upvotes == 1


def test_concurrent_posts_keep_the_comment_count_exact(article):
    errors = all_at_once(
        lambda n: post_comment(article=article, user=None, text=f"comment {n}")
    )

    assert errors == []
    assert Comment.objects.filter(article=article).count() == READERS
    assert Article.objects.get(pk=article.pk).comment_count == READERS
