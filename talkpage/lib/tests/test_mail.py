from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection

from talkpage.lib.mail import (
    CONSOLE_BACKEND,
    OUTBOX_BACKEND,
    SMTP_BACKEND,
    OutboxBackend,
    email_settings_from_url,
)

OUTBOX = Path("/srv/talkpage/outbox")


def test_no_url_means_the_outbox():
    assert email_settings_from_url("", OUTBOX) == {
        "EMAIL_BACKEND": OUTBOX_BACKEND,
        "EMAIL_FILE_PATH": str(OUTBOX),
    }


def test_console():
    assert email_settings_from_url("console://", OUTBOX) == {
        "EMAIL_BACKEND": CONSOLE_BACKEND
    }


def test_plain_smtp_with_credentials():
    assert email_settings_from_url("smtp://user:pw@mail.example:2525", OUTBOX) == {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": "mail.example",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "user",
        "EMAIL_HOST_PASSWORD": "pw",
        "EMAIL_USE_SSL": False,
        "EMAIL_USE_TLS": False,
        "EMAIL_TIMEOUT": 10,
    }


@pytest.mark.parametrize(
    ("url", "port", "ssl", "tls"),
    [
        ("smtp://mail.example", 25, False, False),
        ("smtp://mail.example?starttls=1", 25, False, True),
        ("smtp://mail.example?starttls=true", 25, False, True),
        ("smtp://mail.example?starttls=0", 25, False, False),
        ("smtp+starttls://mail.example", 587, False, True),
        ("SMTP+STARTTLS://mail.example:2587", 2587, False, True),
        ("smtps://mail.example", 465, True, False),
    ],
)
def test_schemes_pick_port_and_encryption(url, port, ssl, tls):
    config = email_settings_from_url(url, OUTBOX)

    assert config["EMAIL_BACKEND"] == SMTP_BACKEND
    assert config["EMAIL_HOST"] == "mail.example"
    assert config["EMAIL_PORT"] == port
    assert config["EMAIL_USE_SSL"] is ssl
    assert config["EMAIL_USE_TLS"] is tls
    assert config["EMAIL_HOST_USER"] == ""
    assert config["EMAIL_HOST_PASSWORD"] == ""


def test_percent_encoded_credentials_are_decoded():
    config = email_settings_from_url(
        "smtps://me%40example.org:p%40ss%3Aw%2Frd%23%25@mail.example", OUTBOX
    )

    assert config["EMAIL_HOST_USER"] == "me@example.org"
    assert config["EMAIL_HOST_PASSWORD"] == "p@ss:w/rd#%"


def test_an_ipv6_host():
    config = email_settings_from_url("smtp://[::1]:2525", OUTBOX)

    assert config["EMAIL_HOST"] == "::1"
    assert config["EMAIL_PORT"] == 2525


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example",
        "smtp+ssl://mail.example",
        "mailto:someone@example.org",
        "mail.example:25",
        "smtp://",
        "smtp://:25",
        "smtp://mail.example:port",
        "smtp://mail.example:99999",
        "smtps://mail.example?starttls=1",
    ],
)
def test_bad_urls_stop_the_start(url):
    with pytest.raises(ImproperlyConfigured):
        email_settings_from_url(url, OUTBOX)


def test_the_settings_work_with_djangos_smtp_backend(settings):
    config = email_settings_from_url("smtp+starttls://u:p@mail.example", OUTBOX)
    for name, value in config.items():
        setattr(settings, name, value)

    connection = get_connection()

    assert (connection.host, connection.port) == ("mail.example", 587)
    assert (connection.username, connection.password) == ("u", "p")
    assert connection.use_tls and not connection.use_ssl


# --- The outbox -------------------------------------------------------------


def message(to="alice@example.org") -> EmailMessage:
    return EmailMessage(
        "Set a new password",
        "Open https://talk.example/accounts/reset/MQ/abc-123/ to continue.",
        "Talkpage <noreply@talk.example>",
        [to],
    )


def test_the_outbox_writes_one_file_per_message(tmp_path, caplog):
    backend = OutboxBackend(file_path=str(tmp_path / "outbox"))

    with caplog.at_level("INFO", logger="talkpage.mail"):
        sent = backend.send_messages([message(), message("bob@example.org")])

    assert sent == 2
    files = sorted((tmp_path / "outbox").iterdir())
    assert len(files) == 2
    assert all(path.suffix == ".eml" for path in files)
    recipients = {
        message_from_bytes(path.read_bytes(), policy=policy.default)["To"]
        for path in files
    }
    assert recipients == {"alice@example.org", "bob@example.org"}
    logged = [r.getMessage() for r in caplog.records if r.name == "talkpage.mail"]
    assert len(logged) == 2
    assert "Set a new password" in logged[0]
    assert "https://talk.example/accounts/reset/MQ/abc-123/" in logged[0]


def test_the_outbox_uses_email_file_path_by_default(settings, tmp_path):
    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path)

    message().send()

    assert len(list(tmp_path.glob("*.eml"))) == 1
