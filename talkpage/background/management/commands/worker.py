"""``talkpage worker``: runs queued tasks (mail, notifications) until stopped.

``talkpage serve`` starts one beside the web server; run this instead on
machines that only do background work (``talkpage serve --no-worker`` on
the web machines).
"""

import logging
import os
import socket

from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker

from talkpage.background.schedule import queue_missing_jobs, requeue_abandoned_tasks

logger = logging.getLogger("talkpage.background")


class Command(BaseCommand):
    help = "Run queued background tasks (mail, notifications) until stopped."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds between looks at an empty queue (default 1)",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="run what is due now, then exit",
        )

    def handle(self, *, interval: float, batch: bool, **options):
        requeue_abandoned_tasks()
        queue_missing_jobs()
        worker = Worker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=f"{socket.gethostname()}:{os.getpid()}"[:64],
        )
        if not batch:
            logger.info("Background worker %s started.", worker.worker_id)
        worker.configure_signals()
        worker.run()
