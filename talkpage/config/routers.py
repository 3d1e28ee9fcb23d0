"""Reads from database replicas, when ``TALKPAGE_DATABASE_REPLICA_URLS``
names some.

A replica lags its primary by a moment, so only a reader who cannot have
written anything reads from one: a GET or HEAD from someone with nothing of
their own (no session, edit tokens, voter id, waiting message or API token:
``is_nobody_in_particular``, the same rule that lets them share cached
pages). Whatever such a reader misses, nothing of theirs is among it.

Everyone else reads from the primary, so a writer always reads their own
writes: a signed-in reader, the author of an anonymous comment (who holds
its edit token), a voter, anyone whose request writes (from that write on),
and any read inside a transaction, which may be about to write what it read.
Outside a request (management commands, mail sent in the background) there
is no reader to judge, and everything uses the primary. Migrations run only
on the primary: replicas receive the schema through replication.

Routers do not see the request, so the middleware decides once per request
and leaves the decision in a context variable that the router reads.
"""

import random
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

from talkpage.discussion.viewers import is_nobody_in_particular

READ_ONLY_METHODS = {"GET", "HEAD"}


@dataclass
class ReplicaReads:
    """The replica one request reads from, until it writes."""

    alias: str
    wrote: bool = False


_replica_reads: ContextVar[ReplicaReads | None] = ContextVar(
    "talkpage_replica_reads", default=None
)


class ReplicaReadsMiddleware:
    """Lets the request of a reader with nothing of their own read from one
    replica (one for the whole request, so a page never mixes two replicas'
    moments)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        replicas = settings.TALKPAGE_DATABASE_REPLICAS
        if (
            not replicas
            or request.method not in READ_ONLY_METHODS
            or not is_nobody_in_particular(request)
        ):
            return self.get_response(request)
        token = _replica_reads.set(ReplicaReads(random.choice(replicas)))
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        reads = _replica_reads.get()
        if (
            reads is None
            or reads.wrote
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return reads.alias

    def db_for_write(self, model, **hints) -> str:
        reads = _replica_reads.get()
        if reads is not None:
            # The rest of the request reads what it just wrote.
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Every alias holds the same rows: a comment read from a replica may
        # point at an article read from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
