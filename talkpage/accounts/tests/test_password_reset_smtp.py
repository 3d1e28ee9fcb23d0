"""The whole "Forgot password?" path through a real SMTP server (aiosmtpd)."""

from urllib.parse import quote

import pytest
from django.test import Client, override_settings

from talkpage.accounts.tests.conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    request_reset,
    reset_link_in,
    set_new_password,
    sign_in,
)
from talkpage.lib.mail import email_settings_from_url
from talkpage.testing import PASSWORD, deliver_queued_mail

NEW_PASSWORD = "a brand new pass phrase"

pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning"
)


def smtp_settings(controller) -> dict:
    url = (
        f"smtp://{quote(SMTP_USER, safe='')}:{quote(SMTP_PASSWORD, safe='')}"
        f"@{controller.hostname}:{controller.port}"
    )
    return email_settings_from_url(url, outbox_dir=None)


def test_a_reset_link_sent_over_smtp_sets_a_new_password(smtp_server, alice, settings):
    controller, handler = smtp_server
    settings.BASE_URL = "http://testserver"
    client = Client()

    with override_settings(**smtp_settings(controller)):
        response = request_reset(client, "ALICE@example.org")
        deliver_queued_mail()

    assert response.status_code == 302
    (envelope,) = handler.envelopes
    assert envelope.rcpt_tos == ["alice@example.org"]
    (message,) = handler.messages
    assert message["To"] == "alice@example.org"
    assert message["Subject"] == "Set a new password for Talkpage"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = reset_link_in(text)
    assert link.startswith("http://testserver/accounts/reset/")
    assert link in html

    response = set_new_password(client, link, NEW_PASSWORD)

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert sign_in(Client(), "alice", NEW_PASSWORD).status_code == 302
    assert sign_in(Client(), "alice", PASSWORD).status_code == 400


def test_unknown_addresses_send_nothing_over_smtp(smtp_server, alice):
    controller, handler = smtp_server

    with override_settings(**smtp_settings(controller)):
        response = request_reset(Client(), "nobody@example.org")
        deliver_queued_mail()

    assert response.status_code == 302
    assert handler.messages == []


def test_wrong_smtp_credentials_are_logged_not_shown(smtp_server, alice, caplog):
    controller, handler = smtp_server
    url = f"smtp://{SMTP_USER}:wrong@{controller.hostname}:{controller.port}"

    with override_settings(**email_settings_from_url(url, outbox_dir=None)):
        response = request_reset(Client(), "alice@example.org")
        deliver_queued_mail()

    assert response.status_code == 302
    assert handler.messages == []
    assert "Could not send mail" in caplog.text
    assert "wrong" not in caplog.text
