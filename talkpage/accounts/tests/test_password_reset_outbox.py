"""With no TALKPAGE_EMAIL_URL, mail lands as .eml files in the outbox."""

from email import message_from_bytes, policy

from django.test import Client

from talkpage.accounts.tests.conftest import (
    request_reset,
    reset_link_in,
    set_new_password,
)
from talkpage.lib.mail import OUTBOX_BACKEND, email_settings_from_url
from talkpage.testing import deliver_queued_mail

NEW_PASSWORD = "a brand new pass phrase"


def test_a_reset_writes_an_eml_file_whose_link_works(alice, settings, tmp_path, caplog):
    outbox = tmp_path / "outbox"
    mail_settings = email_settings_from_url("", outbox)
    assert mail_settings["EMAIL_BACKEND"] == OUTBOX_BACKEND
    for name, value in mail_settings.items():
        setattr(settings, name, value)
    client = Client()

    with caplog.at_level("INFO", logger="talkpage.mail"):
        response = request_reset(client, "alice@example.org")
        deliver_queued_mail()

    assert response.status_code == 302
    (path,) = outbox.glob("*.eml")
    assert list(outbox.iterdir()) == [path]  # no half-written leftovers
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "alice@example.org"
    link = reset_link_in(message.get_body(preferencelist=("plain",)).get_content())
    (record,) = [r for r in caplog.records if r.name == "talkpage.mail"]
    assert "Set a new password for Talkpage" in record.getMessage()
    assert link in record.getMessage()
    assert str(path) in record.getMessage()

    response = set_new_password(client, link, NEW_PASSWORD)

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_an_unknown_address_writes_nothing(alice, settings, tmp_path):
    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")

    response = request_reset(Client(), "nobody@example.org")
    deliver_queued_mail()

    assert response.status_code == 302
    assert not list(tmp_path.glob("**/*.eml"))
