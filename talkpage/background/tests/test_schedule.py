from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from talkpage.background.mail import deliver_mail
from talkpage.background.schedule import (
    prune_finished_tasks,
    queue_missing_jobs,
    repeating_jobs,
    requeue_abandoned_tasks,
    run_repeating_job,
)

pytestmark = pytest.mark.django_db


def scheduled_names() -> list[str]:
    rows = DBTaskResult.objects.filter(
        task_path=run_repeating_job.module_path, status=TaskResultStatus.READY
    )
    return sorted(row.args_kwargs["kwargs"]["name"] for row in rows)


def test_a_starting_worker_queues_each_repeating_job_once():
    assert queue_missing_jobs() == [job.name for job in repeating_jobs()]
    assert queue_missing_jobs() == []

    assert scheduled_names() == sorted(job.name for job in repeating_jobs())


def test_a_repeating_job_queues_its_next_run():
    run_repeating_job.call(name="requeue-abandoned-tasks")

    (next_run,) = DBTaskResult.objects.filter(
        task_path=run_repeating_job.module_path,
        args_kwargs__kwargs__name="requeue-abandoned-tasks",
    )
    assert next_run.run_after > timezone.now() + timedelta(minutes=4)


def test_the_moderator_digest_is_scheduled_only_in_digest_mode(settings):
    settings.TALKPAGE_MODERATOR_NOTIFICATIONS = "each"
    assert "moderator-digest" not in [job.name for job in repeating_jobs()]

    settings.TALKPAGE_MODERATOR_NOTIFICATIONS = "digest"
    assert "moderator-digest" in [job.name for job in repeating_jobs()]


def test_a_task_abandoned_by_a_dead_worker_is_queued_again():
    result = deliver_mail.enqueue(message={"subject": "s", "to": []}, attempt=1)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
    )

    assert requeue_abandoned_tasks() == 1

    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY


def test_a_task_running_now_is_left_alone():
    result = deliver_mail.enqueue(message={"subject": "s", "to": []}, attempt=1)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now()
    )

    assert requeue_abandoned_tasks() == 0


def test_old_finished_tasks_are_pruned(settings):
    settings.TALKPAGE_FAILED_TASK_DAYS = 30
    old, recent = timezone.now() - timedelta(days=40), timezone.now()
    for status, finished_at in [
        (TaskResultStatus.SUCCESSFUL, old),
        (TaskResultStatus.SUCCESSFUL, recent),
        (TaskResultStatus.FAILED, old),
        (TaskResultStatus.FAILED, timezone.now() - timedelta(days=2)),
    ]:
        result = deliver_mail.enqueue(message={"subject": "s", "to": []}, attempt=1)
        DBTaskResult.objects.filter(pk=result.id).update(
            status=status, finished_at=finished_at
        )

    assert prune_finished_tasks() == 2
    assert DBTaskResult.objects.count() == 2


# The worker checks its connection between tasks, as after a request: a
# test transaction around it would be closed under it.
@pytest.mark.django_db(transaction=True)
def test_the_worker_command_runs_what_is_due_and_exits_in_batch_mode(mailoutbox):
    from django.core.mail import EmailMessage

    from talkpage.background.mail import send_later

    send_later(EmailMessage("Hi", "Body", to=["alice@example.org"]))

    call_command("worker", "--batch", stdout=StringIO())

    assert [m.subject for m in mailoutbox] == ["Hi"]


def test_a_failing_task_is_tried_again_then_left_failed():
    from talkpage.background import retry
    from talkpage.notifications.tasks import send_notices
    from talkpage.testing import run_queued_tasks

    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise RuntimeError("database is busy")

    with mock.patch("talkpage.notifications.services.send_notices", side_effect=broken):
        send_notices.enqueue(address="alice@example.org")
        run_queued_tasks(including_later=True)

    assert calls == [{"address": "alice@example.org"}] * (len(retry.DELAYS) + 1)
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    assert failed.count() == len(retry.DELAYS) + 1
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def test_a_job_queued_twice_runs_once_and_keeps_one_schedule():
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"], excluded_queue_names=[], interval=0, batch=True,
        backend_name="default", startup_delay=False, max_tasks=None,
        worker_id="test",
    )  # fmt: skip
    for _ in range(2):
        run_repeating_job.enqueue(name="prune-finished-tasks")
    for row in DBTaskResult.objects.filter(task_path=run_repeating_job.module_path):
        row.claim(worker.worker_id)
        worker.run_task(row)

    assert scheduled_names().count("prune-finished-tasks") == 1
    assert sorted(set(scheduled_names())) == sorted(j.name for j in repeating_jobs())
