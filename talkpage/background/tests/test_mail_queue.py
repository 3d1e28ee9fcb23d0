"""Mail goes through the queue: sent by a worker, tried again while the mail
server is down, never lost, and visible to the operator."""

from io import StringIO

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from talkpage.background.mail import (
    given_up_mail,
    send_later,
    waiting_mail,
)
from talkpage.testing import deliver_queued_mail, run_queued_tasks

pytestmark = pytest.mark.django_db


def message(**overrides) -> EmailMessage:
    fields = {
        "subject": "New reply to your comment",
        "body": "Someone replied.",
        "to": ["alice@example.org"],
        **overrides,
    }
    return EmailMessage(**fields)


def test_a_queued_message_is_sent_by_the_worker():
    send_later(message())

    assert mail.outbox == []
    assert deliver_queued_mail() == 1
    (sent,) = mail.outbox
    assert sent.to == ["alice@example.org"]
    assert sent.subject == "New reply to your comment"


def test_a_message_keeps_its_headers_and_html_part():
    from django.core.mail import EmailMultiAlternatives

    rich = EmailMultiAlternatives(
        "Hello", "plain", to=["alice@example.org"], headers={"List-Id": "x"}
    )
    rich.attach_alternative("<p>html</p>", "text/html")
    send_later(rich)
    deliver_queued_mail()

    (sent,) = mail.outbox
    assert sent.extra_headers["List-Id"] == "x"
    assert sent.alternatives[0][0] == "<p>html</p>"


def test_a_message_queued_in_a_rolled_back_transaction_is_never_sent():
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        send_later(message())
        raise Abandoned

    assert deliver_queued_mail() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("separator", ["\r\n", "\n", "\u2028", "\x85", "\r"])
def test_line_breaks_in_a_subject_never_make_a_header(separator):
    send_later(message(subject=f"Re: hello{separator}Bcc: mallory@example.net"))
    deliver_queued_mail()

    (sent,) = mail.outbox
    raw = sent.message().as_string()
    assert "\nBcc:" not in raw
    assert sent.subject == "Re: hello Bcc: mallory@example.net"


def test_a_down_mail_server_delays_the_message_and_loses_nothing(mail_server):
    mail_server.stop()
    send_later(message())

    run_queued_tasks()

    assert mail_server.messages == []
    (waiting,) = waiting_mail()
    assert waiting.attempt == 2
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).get()
    assert "attempt 1 failed" in failed.traceback
    assert "ConnectionRefusedError" in waiting.last_error

    mail_server.start()
    run_queued_tasks(including_later=True)

    (delivered,) = mail_server.messages
    assert delivered["To"] == "alice@example.org"
    assert waiting_mail() == []
    assert given_up_mail() == []


def test_a_message_is_given_up_on_after_every_retry_and_can_be_sent_again(
    mail_server, settings
):
    mail_server.stop()
    send_later(message())

    run_queued_tasks(including_later=True)

    assert waiting_mail() == []
    (given_up,) = given_up_mail()
    assert given_up.attempt == len(settings.TALKPAGE_MAIL_RETRY_SECONDS) + 1
    assert "MailGivenUp: attempt 10 failed: ConnectionRefusedError" in (
        given_up.last_error
    )
    out = StringIO()
    call_command("mailqueue", stdout=out)
    assert "Given up on: 1" in out.getvalue()
    assert "New reply to your comment" in out.getvalue()

    mail_server.start()
    call_command("mailqueue", "--retry", stdout=StringIO())
    deliver_queued_mail()

    assert len(mail_server.messages) == 1
    assert given_up_mail() == []


def test_the_mail_queue_command_lists_waiting_mail():
    send_later(message())
    out = StringIO()

    call_command("mailqueue", stdout=out)

    assert "Waiting to be sent: 1" in out.getvalue()
    assert "attempt 1" in out.getvalue()


def test_a_recipient_refused_for_good_is_given_up_on_at_once(mail_server):
    mail_server.refused.add("nobody@example.org")
    send_later(message(to=["nobody@example.org"]))

    run_queued_tasks(including_later=True)

    assert mail_server.messages == []
    assert waiting_mail() == []
    (given_up,) = given_up_mail()
    assert given_up.attempt == 1
    assert "SMTPRecipientsRefused" in given_up.last_error


def test_a_send_cut_short_by_the_worker_stopping_is_queued_again(mail_server):
    from unittest import mock

    send_later(message())
    with mock.patch(
        "django.core.mail.backends.smtp.EmailBackend.send_messages",
        side_effect=SystemExit(1),
    ):
        run_queued_tasks()

    (waiting,) = waiting_mail()
    assert waiting.attempt == 1
    assert given_up_mail() == []
    run_queued_tasks(including_later=True)
    assert len(mail_server.messages) == 1


def test_mail_with_copies_is_refused_rather_than_sent_without_them():
    with pytest.raises(ValueError, match="cc, bcc or attachments"):
        send_later(message(bcc=["mallory@example.net"]))


def test_the_mail_queue_command_mentions_other_failed_tasks():
    from unittest import mock

    from talkpage.notifications.tasks import send_notices

    with mock.patch(
        "talkpage.notifications.services.send_notices", side_effect=RuntimeError
    ):
        send_notices.enqueue(address="alice@example.org")
        run_queued_tasks()
    out = StringIO()

    call_command("mailqueue", stdout=out)

    assert "Other tasks that failed in the last day: 1" in out.getvalue()
