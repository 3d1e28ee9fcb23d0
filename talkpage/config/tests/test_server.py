"""What ``talkpage serve`` does before granian forks its workers."""

import pytest
from django.db import connections

from talkpage.articles.models import Article
from talkpage.server import close_connections_before_fork

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_database_connection_or_pool_is_left_for_the_workers_to_inherit():
    connection = connections["default"]
    assert Article.objects.count() >= 0  # this process has used the database

    close_connections_before_fork()

    if connection.vendor == "sqlite":
        # The suite's in-memory database ignores close(), not to lose its
        # data; a server's database file is closed like any other.
        assert connection.is_in_memory_db()
    else:
        assert connection.connection is None
    if connection.vendor == "postgresql":
        # A forked worker would otherwise share these sockets.
        assert connection.alias not in type(connection)._connection_pools
    # The next query opens a connection (and a pool) of this process's own.
    assert Article.objects.count() >= 0
    assert connection.connection is not None
