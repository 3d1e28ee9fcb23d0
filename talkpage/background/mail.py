"""The mail queue: every message Talkpage sends goes through it.

A request queues its message and answers; a worker (``talkpage worker``, or
the one ``talkpage serve`` starts) sends it, and tries again later when the
mail server is down. The operator sees what waits and what was given up on
with ``talkpage manage mailqueue``, or in the admin under Task results.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult, TaskResultStatus, get_date_max

from talkpage.lib.mail import one_line
from talkpage.lib.tasks import enqueue_on_commit

logger = logging.getLogger("talkpage.mail")

MAIL_QUEUE = "mail"


def send_later(message: EmailMessage) -> None:
    """Puts ``message`` on the mail queue; a worker sends it.

    The request that asked for the mail answers without waiting for the mail
    server, so a slow or dead server neither holds a request thread nor
    changes how long the page takes (on "Forgot password?" that would tell
    whether an address has an account). A message the server refuses is
    tried again (TALKPAGE_MAIL_RETRY_SECONDS), never lost. Called inside a
    transaction, the message is queued when (and only if) it commits.
    """
    enqueue_on_commit(deliver_mail, message=message_to_dict(message), attempt=1)


def message_to_dict(message: EmailMessage) -> dict:
    """What the queue stores of a message: JSON, rendered and complete. Our
    messages have no copies or attachments; one that had would lose them,
    so it is refused rather than sent without."""
    if message.cc or message.bcc or message.attachments:
        raise ValueError("queued mail cannot carry cc, bcc or attachments")
    return {
        "subject": one_line(str(message.subject)),
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "reply_to": list(message.reply_to),
        "headers": {
            name: one_line(str(v)) for name, v in message.extra_headers.items()
        },
        "alternatives": [
            [content, mimetype]
            for content, mimetype in getattr(message, "alternatives", [])
        ],
    }


def message_from_dict(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        reply_to=data.get("reply_to") or None,
        headers=data.get("headers") or {},
    )
    for content, mimetype in data.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    return message


class MailNotSent(Exception):
    """The mail server did not take a message; another attempt is queued."""


class MailGivenUp(Exception):
    """No more attempts: every retry failed, or the server refused the
    recipient for good. The operator decides (``mailqueue --retry``)."""


def is_permanent(error: BaseException) -> bool:
    """The server refused every recipient with a 5xx code ("no such user"):
    trying again would get the same answer for a day and a half."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    return False


@task(queue_name=MAIL_QUEUE, priority=10)
def deliver_mail(*, message: dict, attempt: int, last_error: str = "") -> int:
    """Sends one queued message; on failure queues the next attempt (after
    TALKPAGE_MAIL_RETRY_SECONDS) and fails this one, so each failure is on
    record with its reason. Mail goes before other tasks (priority): a
    password reset never waits behind a busy thread's notifications."""
    try:
        return message_from_dict(message).send()
    except (KeyboardInterrupt, SystemExit):
        # The worker is being stopped mid-send: the message goes again
        # soon, as this same attempt.
        _queue_attempt(message, attempt=attempt, delay=5, last_error=last_error)
        raise
    except Exception as error:
        subject, count = message["subject"], len(message["to"])
        reason = f"{type(error).__name__}: {error}"
        delays = settings.TALKPAGE_MAIL_RETRY_SECONDS
        if attempt > len(delays) or is_permanent(error):
            logger.error(
                "Gave up on mail %r to %d recipient(s) after %d attempt(s): %s",
                subject, count, attempt, reason,
            )  # fmt: skip
            raise MailGivenUp(f"attempt {attempt} failed: {reason}") from error
        delay = delays[attempt - 1]
        _queue_attempt(message, attempt=attempt + 1, delay=delay, last_error=reason)
        logger.warning(
            "Could not send mail %r to %d recipient(s) (attempt %d): %s. "
            "Trying again in %d s.",
            subject, count, attempt, reason, delay,
        )  # fmt: skip
        raise MailNotSent(
            f"attempt {attempt} failed: {reason}; next in {delay} s"
        ) from error


def _queue_attempt(message: dict, *, attempt: int, delay: int, last_error: str):
    retry_at = timezone.now() + timedelta(seconds=delay)
    deliver_mail.using(run_after=retry_at).enqueue(
        message=message, attempt=attempt, last_error=last_error
    )


# --- What the operator sees ---------------------------------------------------


@dataclass(frozen=True)
class QueuedMail:
    id: str
    subject: str
    recipients: int
    attempt: int
    # When it is due (waiting mail) or when it was given up on.
    when: datetime | None
    last_error: str


GIVEN_UP = f"{MailGivenUp.__module__}.{MailGivenUp.__qualname__}"
RETRIED = f"{MailNotSent.__module__}.{MailNotSent.__qualname__}"
# The worker was stopped mid-send; deliver_mail queued the message again.
STOPPED = ["builtins.SystemExit", "builtins.KeyboardInterrupt"]


def _mail_tasks():
    return DBTaskResult.objects.filter(task_path=deliver_mail.module_path)


def _due(row: DBTaskResult) -> datetime:
    # No run_after is stored as the latest date: "as soon as possible".
    return row.enqueued_at if row.run_after == get_date_max() else row.run_after


def _described(row: DBTaskResult, *, when: datetime | None) -> QueuedMail:
    kwargs = row.args_kwargs["kwargs"]
    own_error = row.traceback.strip().splitlines()[-1] if row.traceback else ""
    return QueuedMail(
        id=str(row.id),
        subject=kwargs["message"]["subject"],
        recipients=len(kwargs["message"]["to"]),
        attempt=kwargs["attempt"],
        when=when,
        last_error=own_error or kwargs.get("last_error", ""),
    )


def waiting_mail() -> list[QueuedMail]:
    """Messages not sent yet: first attempts and retries, soonest first."""
    rows = _mail_tasks().filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    waiting = [_described(row, when=_due(row)) for row in rows]
    return sorted(waiting, key=lambda mail: mail.when)


def _given_up_rows():
    """Failed attempts that queued no next one: given up on, or stopped by
    something other than the mail server (a crash in the worker)."""
    return (
        _mail_tasks()
        .filter(status=TaskResultStatus.FAILED)
        .exclude(exception_class_path__in=[RETRIED, *STOPPED])
    )


def given_up_mail() -> list[QueuedMail]:
    rows = _given_up_rows().order_by("-finished_at")
    return [_described(row, when=row.finished_at) for row in rows]


def queue_given_up_mail_again() -> int:
    """Each given-up message is queued once more, as a first attempt; the
    failed record goes, so it is not queued a second time later."""
    count = 0
    for row in _given_up_rows():
        deliver_mail.enqueue(message=row.args_kwargs["kwargs"]["message"], attempt=1)
        row.delete()
        count += 1
    return count


def other_failures_today() -> int:
    """Failed attempts of tasks other than mail (notifications, repeating
    jobs) in the last day: nothing to send again by hand, but a sign."""
    return (
        DBTaskResult.objects.filter(
            status=TaskResultStatus.FAILED,
            finished_at__gte=timezone.now() - timedelta(days=1),
        )
        .exclude(task_path=deliver_mail.module_path)
        .count()
    )
