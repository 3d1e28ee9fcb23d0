"""Putting work on the task queue (django-tasks; see talkpage/background/).

The embedded backend (django-tasks-db) keeps the queue in our own database,
so queuing inside a transaction is part of that transaction: the task
becomes visible to workers when the transaction commits and vanishes with
a rollback, and no crash between the two can lose it. A backend outside the
database (RQ on Redis) is handed the task after the commit instead, so no
worker can run it before the rows it needs exist.
"""

from django.db import transaction
from django_tasks import task_backends


def enqueue_on_commit(task, /, *args, **kwargs) -> None:
    backend = task_backends[task.backend]
    if _stores_in_database(backend):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs), robust=True)


def _stores_in_database(backend) -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(backend, DatabaseBackend)
