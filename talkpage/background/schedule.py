"""Jobs that repeat, run by the workers.

Each repeating job is a queued task that, when it has run, queues its next
run. A worker starting up queues any job that has no run waiting (the first
start, or a chain broken by a crash), so no clock process is needed and
several workers share one schedule: a job queued twice runs twice, which
every job here allows (each acts on what the database says is due).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks_db.models import DBTaskResult, TaskResultStatus

logger = logging.getLogger("talkpage.background")

# A task that has been "running" this long was being run by a worker that
# died (or was killed); nothing Talkpage queues takes more than seconds.
ABANDONED_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class RepeatingJob:
    name: str
    # Dotted path of a function taking no arguments.
    function: str
    every: timedelta


def repeating_jobs() -> list[RepeatingJob]:
    """The schedule, from the settings of the moment."""
    jobs = [
        RepeatingJob(
            "requeue-abandoned-tasks",
            "talkpage.background.schedule.requeue_abandoned_tasks",
            timedelta(minutes=5),
        ),
        RepeatingJob(
            "prune-finished-tasks",
            "talkpage.background.schedule.prune_finished_tasks",
            timedelta(hours=6),
        ),
    ]
    jobs.append(
        RepeatingJob(
            "apply-retention",
            "talkpage.privacy.services.apply_retention",
            timedelta(days=1),
        )
    )
    jobs.append(
        RepeatingJob(
            "forget-old-notices",
            "talkpage.notifications.services.forget_old_notices",
            timedelta(days=1),
        )
    )
    if settings.TALKPAGE_MODERATOR_NOTIFICATIONS == "digest":
        jobs.append(
            RepeatingJob(
                "moderator-digest",
                "talkpage.notifications.services.send_moderator_digest",
                timedelta(minutes=settings.TALKPAGE_MODERATOR_DIGEST_MINUTES),
            )
        )
    return jobs


def job_named(name: str) -> RepeatingJob | None:
    return next((job for job in repeating_jobs() if job.name == name), None)


@task()
def run_repeating_job(*, name: str) -> str:
    job = job_named(name)
    if job is None:
        return f"{name}: no longer scheduled"
    if _runs_waiting(name).exists():
        # Two workers started at once queued it twice: the other run
        # carries the schedule on.
        return f"{name}: queued twice, this run left out"
    try:
        function: Callable[[], object] = import_string(job.function)
        outcome = function()
    finally:
        run_repeating_job.using(run_after=timezone.now() + job.every).enqueue(name=name)
        # Any run heals the others: a job whose chain broke (its next run
        # could not be queued) is queued again here.
        queue_missing_jobs()
    return f"{name}: {outcome}"


def _runs_waiting(name: str):
    return DBTaskResult.objects.filter(
        task_path=run_repeating_job.module_path,
        status=TaskResultStatus.READY,
        args_kwargs__kwargs__name=name,
    )


def queue_missing_jobs() -> list[str]:
    """Queues each repeating job that has no run waiting or running."""
    waiting = DBTaskResult.objects.filter(
        task_path=run_repeating_job.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    )
    queued = {row.args_kwargs["kwargs"].get("name") for row in waiting}
    missing = [job.name for job in repeating_jobs() if job.name not in queued]
    for name in missing:
        run_repeating_job.enqueue(name=name)
    return missing


def requeue_abandoned_tasks() -> int:
    """Tasks left "running" by a worker that died are queued again: a
    message being sent when the worker was killed is sent, not lost (at
    worst twice, which beats never)."""
    count = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        started_at__lt=timezone.now() - ABANDONED_AFTER,
    ).update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("Queued again %d task(s) abandoned by a worker.", count)
    return count


def prune_finished_tasks() -> int:
    """Finished tasks hold what they sent (addresses, links): the
    successful ones go after a day, the failed ones, which the operator
    may need to look into, after TALKPAGE_FAILED_TASK_DAYS."""
    now = timezone.now()
    successful = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - timedelta(days=1)
    )
    failed = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED,
        finished_at__lt=now - timedelta(days=settings.TALKPAGE_FAILED_TASK_DAYS),
    )
    given_up = failed.count()
    if given_up:
        logger.warning(
            "Deleting the records of %d failed task(s) older than %d days "
            "(TALKPAGE_FAILED_TASK_DAYS).",
            given_up,
            settings.TALKPAGE_FAILED_TASK_DAYS,
        )
    return successful.delete()[0] + failed.delete()[0]
