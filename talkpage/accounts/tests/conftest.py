"""Helpers for the accounts tests: signing in through the real form, reading
reset links out of mail, and a real SMTP server (aiosmtpd)."""

import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.test import Client
from django.urls import reverse

from talkpage.testing import PASSWORD, path_of  # noqa: F401 (tests import it here)

RESET_LINK = re.compile(r"https?://[^\s\"<>]+/accounts/reset/[^\s\"<>]+/")

SMTP_USER = "talkpage"
SMTP_PASSWORD = "p@ss:w/rd"  # needs percent-encoding in a URL


def labels_in(response) -> set[str]:
    """The text of every label on the page that names a field on it (its
    ``for`` matches an element's id), without a trailing colon."""
    html = response.content.decode()
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    labels = re.findall(r'<label\b[^>]*\bfor="([^"]+)"[^>]*>(.*?)</label>', html, re.S)
    return {_text(text).rstrip(":") for for_id, text in labels if for_id in ids}


def buttons_in(response) -> set[str]:
    html = response.content.decode()
    return {
        _text(text) for text in re.findall(r"<button\b[^>]*>(.*?)</button>", html, re.S)
    }


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def sign_in(client: Client, login: str, password: str = PASSWORD):
    return client.post(
        reverse("accounts:login"), {"username": login, "password": password}
    )


def request_reset(client: Client, email: str, **extra):
    return client.post(reverse("accounts:password_reset"), {"email": email}, **extra)


def reset_link_in(text: str) -> str:
    links = RESET_LINK.findall(text)
    assert links, f"no reset link in {text!r}"
    return links[0]


def set_new_password(client: Client, link: str, password: str):
    """Follows a reset link the way a browser does; returns the POST response."""
    response = client.get(path_of(link))
    assert response.status_code == 302, "a valid link moves the token out of the URL"
    return client.post(
        response["Location"],
        {"new_password1": password, "new_password2": password},
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CollectingHandler:
    """An aiosmtpd handler that keeps every message it accepts."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        self.messages.append(
            message_from_bytes(envelope.original_content, policy=policy.default)
        )
        return "250 Message accepted for delivery"


def check_credentials(server, session, envelope, mechanism, auth_data):
    good = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (SMTP_USER, SMTP_PASSWORD)
    # handled=False: let aiosmtpd answer "535" itself on failure.
    return AuthResult(success=good, handled=False)


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 that requires a login."""
    handler = CollectingHandler()
    # Plain-text AUTH is fine on loopback, which is all this listens on (the
    # tests using it silence aiosmtpd's warning about that).
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        auth_require_tls=False,
        auth_required=True,
        authenticator=check_credentials,
    )
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()
