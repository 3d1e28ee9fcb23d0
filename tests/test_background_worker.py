"""``talkpage serve`` alone runs the background worker: mail queued while
the mail server is down is delivered once it is back, and the request that
queued it never waited for it. A real server, a real SMTP server (aiosmtpd),
SQLite, over HTTP."""

import http.cookiejar
import re
import time
import urllib.parse
import urllib.request

import pytest

from bench.soak.server import Server
from talkpage.testing import PASSWORD, MailServer

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def register(server: Server, username: str, email: str) -> tuple[int, float]:
    """Registers through the form, as a browser does; returns the status
    and how long the POST took."""
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(cookies), NoRedirects()
    )
    page = opener.open(server.url + "/accounts/register/", timeout=10).read().decode()
    token = CSRF_FIELD.search(page).group(1)
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
    ).encode()
    started = time.monotonic()
    try:
        response = opener.open(server.url + "/accounts/register/", form, timeout=10)
        status = response.status
    except urllib.error.HTTPError as answer:
        status = answer.code
    return status, time.monotonic() - started


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_for(condition, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture
def down_mail_server():
    mail_server = MailServer()  # not started: nothing listens on its port
    yield mail_server
    mail_server.stop()


def test_mail_queued_while_smtp_is_down_arrives_when_it_is_back(
    tmp_path, down_mail_server
):
    server = Server(
        data_dir=tmp_path / "data",
        workers=1,
        extra_env={
            "TALKPAGE_EMAIL_URL": down_mail_server.url,
            "TALKPAGE_MAIL_RETRY_SECONDS": "1,2,2,2,2,2,2,2,2,2",
        },
    )
    with server:
        status, took = register(server, "dora", "dora@example.org")

        assert status == 302
        assert took < 5  # the SMTP connection was never waited for
        assert wait_for(
            lambda: "Could not send mail" in server.log_text(), seconds=20
        ), server.log_tail()

        down_mail_server.start()

        assert wait_for(lambda: down_mail_server.messages, seconds=30), (
            server.log_tail()
        )
    (message,) = down_mail_server.messages
    assert message["To"] == "dora@example.org"
    assert "Confirm your email address" in str(message["Subject"])
