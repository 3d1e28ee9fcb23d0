"""The operator's erasure by email address: `talkpage manage
erase_personal_data EMAIL [--yes]` and `talkpage erase-personal-data`."""

import io

import pytest
from django.core.mail import EmailMessage
from django.core.management import CommandError, call_command
from django.test import override_settings

from talkpage.accounts.models import User
from talkpage.cli import main as talkpage_main
from talkpage.lib.mail import OUTBOX_BACKEND, OutboxBackend
from talkpage.privacy.services import erase_personal_data
from talkpage.privacy.tests.helpers import browser, find_everywhere, post, sessions_of

pytestmark = pytest.mark.django_db


def erase(*args: str, answer: str | None = None) -> str:
    out = io.StringIO()
    options = {"stdout": out}
    if answer is not None:
        options["stdin"] = io.StringIO(answer)
    call_command("erase_personal_data", *args, **options)
    return out.getvalue()


def test_without_yes_it_shows_what_would_go_and_asks(world, alice):
    output = erase("alice@example.org", answer="no\n")

    assert "This would erase, for alice@example.org:" in output
    assert "Account: alice" in output
    assert "Comments erased: 7" in output
    assert "Votes withdrawn: 1" in output
    assert "Sessions ended: 2" in output
    assert "Type yes to go on" in output
    assert output.rstrip().endswith("Nothing was erased.")
    assert User.objects.filter(pk=alice.pk).exists()
    world.refresh()
    assert world.published.body == "Magnesium helped my sleep a lot."
    assert len(sessions_of(alice.pk)) == 2


def test_no_answer_is_not_a_yes(world, alice):
    output = erase("alice@example.org", answer="")

    assert "Nothing was erased." in output
    assert User.objects.filter(pk=alice.pk).exists()


def test_answering_yes_erases(world, alice):
    output = erase("alice@example.org", answer="yes\n")

    assert "Erased, for alice@example.org:" in output
    assert not User.objects.filter(pk=alice.pk).exists()


def test_with_yes_it_erases_and_deletes_the_comments(world, alice):
    alice_pk = alice.pk
    fingerprint = world.published.fingerprint

    output = erase("alice@example.org", "--yes")

    assert "Type yes" not in output
    assert "Erased, for alice@example.org:" in output
    assert "Comments erased: 7" in output
    assert "Comments anonymised: 0" in output
    assert not User.objects.filter(pk=alice_pk).exists()
    world.refresh()
    for comment in world.signed_in_comments:
        assert comment.is_deleted and comment.body == ""
    assert find_everywhere("alice@example.org", fingerprint) == set()


def test_the_address_matches_whatever_its_case(world, alice):
    output = erase("  ALICE@Example.ORG ", "--yes")

    assert "Account: alice" in output
    assert not User.objects.filter(pk=alice.pk).exists()


def test_an_unknown_address_is_said_plainly(alice):
    output = erase("nobody@example.com", "--yes")

    assert output == "Nothing is stored for nobody@example.com: nothing to erase.\n"
    assert User.objects.filter(pk=alice.pk).exists()


def test_something_that_is_not_an_address_is_refused(alice):
    with pytest.raises(CommandError, match="not an email address"):
        erase("alice", "--yes")
    assert User.objects.filter(pk=alice.pk).exists()


def test_mail_to_the_address_leaves_the_outbox(alice, mallory, tmp_path):
    with override_settings(EMAIL_BACKEND=OUTBOX_BACKEND, EMAIL_FILE_PATH=str(tmp_path)):
        OutboxBackend().send_messages(
            [
                EmailMessage("Reset", "A link", "t@example.org", ["Alice@example.org"]),
                EmailMessage(
                    "Reset", "A link", "t@example.org", ["mallory@example.net"]
                ),
                EmailMessage(
                    "Hi",
                    "Cc",
                    "t@example.org",
                    ["x@example.com"],
                    cc=["alice@example.org"],
                ),
            ]
        )
        assert len(list(tmp_path.glob("*.eml"))) == 3

        output = erase("alice@example.org", "--yes")

    assert "Outbox messages removed: 2" in output
    (left,) = tmp_path.glob("*.eml")
    assert "mallory@example.net" in left.read_text()


def test_an_address_without_an_account_still_loses_its_mail(tmp_path):
    with override_settings(EMAIL_BACKEND=OUTBOX_BACKEND, EMAIL_FILE_PATH=str(tmp_path)):
        OutboxBackend().send_messages(
            [EmailMessage("Hi", "Body", "t@example.org", ["visitor@example.com"])]
        )

        preview = erase_personal_data(email="visitor@example.com", dry_run=True)
        assert preview.outbox_messages_removed == 1
        assert list(tmp_path.glob("*.eml"))
        output = erase("visitor@example.com", "--yes")

    assert "Account: none uses visitor@example.com" in output
    assert "Outbox messages removed: 1" in output
    assert list(tmp_path.glob("*.eml")) == []


@pytest.mark.django_db(transaction=True)
def test_the_talkpage_command_has_it_too(alice, capsys):
    # transaction=True: a management command run from the command line
    # closes the database connections when it ends.
    assert talkpage_main(["erase-personal-data", "alice@example.org", "--yes"]) == 0

    assert "Erased, for alice@example.org:" in capsys.readouterr().out
    assert not User.objects.filter(pk=alice.pk).exists()


def test_subscriptions_and_queued_mail_for_the_address_go(world, alice, article):
    # A visitor follows replies with Alice's address, and mail is queued.
    post(
        browser("192.0.2.80"),
        article,
        "Signed out, with my address.",
        email="alice@example.org",
    )

    erase("alice@example.org", "--yes")

    assert find_everywhere("alice@example.org") == set()
