import base64
import datetime
import re
import time
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client
from django.urls import reverse

from talkpage.accounts.models import User
from talkpage.accounts.tests.conftest import (
    buttons_in,
    free_port,
    labels_in,
    path_of,
    request_reset,
    reset_link_in,
    set_new_password,
    sign_in,
)
from talkpage.background.mail import waiting_mail
from talkpage.testing import PASSWORD, deliver_queued_mail

URL = reverse("accounts:password_reset")
NEW_PASSWORD = "a brand new pass phrase"


def sent_mail() -> list:
    deliver_queued_mail()
    return mail.outbox


def link_for(client: Client, email: str) -> str:
    response = request_reset(client, email)
    assert response.status_code == 302
    (message,) = sent_mail()
    return reset_link_in(message.body)


def split_link(link: str) -> tuple[str, str]:
    uidb64, token = path_of(link).rstrip("/").split("/")[-2:]
    return uidb64, token


def confirm_url(uidb64: str, token: str) -> str:
    return reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token}
    )


def answer(response) -> tuple:
    """What a visitor can observe about a reply, for comparing two of them."""
    return (
        response.status_code,
        response.get("Location"),
        response.content,
        tuple(sorted(response.headers)),
        tuple(sorted(response.cookies)),
    )


@pytest.mark.django_db
def test_it_shows_the_form(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert labels_in(response) == {"Email"}
    assert 'type="email"' in response.content.decode()
    assert "Send reset link" in buttons_in(response)


def test_it_mails_a_link_that_sets_a_new_password(client, alice, settings):
    settings.BASE_URL = "https://talk.example"

    response = request_reset(client, "alice@example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    (message,) = sent_mail()
    assert message.to == ["alice@example.org"]
    assert message.subject == "Set a new password for Talkpage"
    link = reset_link_in(message.body)
    assert link.startswith("https://talk.example/accounts/reset/")
    html = message.alternatives[0][0]
    assert f'href="{link}"' in html
    assert "60 minutes" in message.body

    response = set_new_password(client, link, NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert client.session["_auth_user_id"] == str(alice.pk)
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not alice.check_password(PASSWORD)
    assert sign_in(Client(), "alice", NEW_PASSWORD).status_code == 302


def test_the_link_page_moves_the_token_out_of_the_url(client, alice):
    link = link_for(client, "alice@example.org")
    uidb64, token = split_link(link)

    response = client.get(path_of(link))

    assert response.status_code == 302
    assert response["Location"] == confirm_url(uidb64, "set-password")
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"

    response = client.get(response["Location"])

    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert token not in html
    assert labels_in(response) == {"New password", "Confirm new password"}
    assert "Set password" in buttons_in(response)
    # Only our own scripts and styles: nothing that could see the page.
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert url.startswith(("/", "#", "?")) and not url.startswith("//"), url


def test_the_token_is_long_enough(client, alice):
    _, token = split_link(link_for(client, "alice@example.org"))

    signature = token.split("-")[1]
    assert len(signature) * 4 >= 128


def test_the_link_works_once(client, alice):
    link = link_for(client, "alice@example.org")
    set_new_password(client, link, NEW_PASSWORD)

    response = Client().get(path_of(link))

    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_the_set_password_page_is_refused_once_used(client, alice):
    link = link_for(client, "alice@example.org")
    response = client.get(path_of(link))
    form_url = response["Location"]
    client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    response = client.post(
        form_url,
        {"new_password1": "yet another one!", "new_password2": "yet another one!"},
    )

    assert "This link no longer works" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(("seconds", "works"), [(3590, True), (3610, False)])
def test_the_link_expires_within_an_hour(client, alice, seconds, works):
    link = link_for(client, "alice@example.org")
    later = datetime.datetime.now() + datetime.timedelta(seconds=seconds)

    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        response = client.get(path_of(link))

    assert (response.status_code == 302) is works
    if not works:
        assert "This link no longer works" in response.content.decode()


def test_a_new_password_kills_the_link(client, alice):
    link = link_for(client, "alice@example.org")
    alice.set_password(NEW_PASSWORD)
    alice.save()

    response = client.get(path_of(link))

    assert "This link no longer works" in response.content.decode()


def test_a_new_email_kills_the_link(client, alice):
    link = link_for(client, "alice@example.org")
    alice.email = "alice@elsewhere.example"
    alice.save()

    response = client.get(path_of(link))

    assert "This link no longer works" in response.content.decode()


def flip_last(text: str) -> str:
    return text[:-1] + ("a" if text[-1] != "a" else "b")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda uid, token, other: (uid, flip_last(token)),
        lambda uid, token, other: (uid, token[:-1]),
        lambda uid, token, other: (uid, token.split("-")[0] + "-"),
        lambda uid, token, other: (other, token),
        lambda uid, token, other: ("!!!", token),
        lambda uid, token, other: (
            base64.urlsafe_b64encode(b"99999999999999999999999").decode().rstrip("="),
            token,
        ),
    ],
    ids=[
        "flipped",
        "truncated",
        "no-signature",
        "other-user",
        "garbage-uid",
        "huge-uid",
    ],
)
def test_a_tampered_link_is_invalid(client, alice, mallory, tamper):
    uidb64, token = split_link(link_for(client, "alice@example.org"))
    mallory_uid = (
        base64.urlsafe_b64encode(str(mallory.pk).encode()).decode().rstrip("=")
    )
    bad_uid, bad_token = tamper(uidb64, token, mallory_uid)

    response = client.get(confirm_url(bad_uid, bad_token))

    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()
    response = client.post(
        confirm_url(bad_uid, "set-password"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "This link no longer works" in response.content.decode()
    for person in (alice, mallory):
        person.refresh_from_db()
        assert person.check_password(PASSWORD)


def test_a_reset_signs_out_every_other_session(alice):
    laptop, phone = Client(), Client()
    assert sign_in(laptop, "alice").status_code == 302
    assert sign_in(phone, "alice").status_code == 302

    link = link_for(laptop, "alice@example.org")
    set_new_password(laptop, link, NEW_PASSWORD)

    response = phone.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert response.wsgi_request.user.is_anonymous
    response = laptop.get(reverse("accounts:settings"))
    assert response.status_code == 200
    assert response.wsgi_request.user == alice


# --- The same answer for everyone -----------------------------------------


def test_every_address_gets_the_same_answer(alice, mallory, settings):
    mallory.is_active = False
    mallory.save()
    User.objects.create_user("dave", "dave@example.org", None)  # unusable password

    answers = {
        email: answer(request_reset(Client(), email))
        for email in [
            "alice@example.org",
            "nobody@example.org",
            "mallory@example.net",
            "dave@example.org",
        ]
    }

    assert len(set(answers.values())) == 1
    assert [m.to for m in sent_mail()] == [["alice@example.org"]]


def test_smtp_being_down_gets_the_same_answer(alice, settings, caplog):
    normal = answer(request_reset(Client(), "nobody@example.org"))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 2

    response = request_reset(Client(), "alice@example.org")
    deliver_queued_mail()

    assert answer(response) == normal
    assert any(
        record.name == "talkpage.mail" and record.levelname == "WARNING"
        for record in caplog.records
    )
    (waiting,) = waiting_mail()
    assert waiting.subject == "Set a new password for Talkpage"


def slow_send(messages) -> int:
    time.sleep(0.6)
    return len(messages)


def test_a_slow_mail_server_does_not_slow_the_answer(alice):
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=slow_send,
    ):
        started = time.monotonic()
        response = request_reset(Client(), "alice@example.org")
        elapsed = time.monotonic() - started
        deliver_queued_mail()

    assert response.status_code == 302
    assert elapsed < 0.3


def test_a_forged_host_header_is_refused(client, alice):
    response = request_reset(client, "alice@example.org", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert sent_mail() == []


def test_the_link_ignores_the_host_header(client, alice, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    settings.BASE_URL = "https://talk.example"

    response = request_reset(client, "alice@example.org", HTTP_HOST="evil.example")

    assert response.status_code == 302
    (message,) = sent_mail()
    assert "evil.example" not in message.body
    assert "evil.example" not in message.alternatives[0][0]
    assert reset_link_in(message.body).startswith("https://talk.example/accounts/")


def test_throttled_requests_look_the_same_but_send_nothing(alice, settings):
    settings.TALKPAGE_RATE_LIMITS = {
        **settings.TALKPAGE_RATE_LIMITS,
        "password_reset_address": "2/h",
    }
    answers = [answer(request_reset(Client(), "alice@example.org")) for _ in range(4)]
    answers.append(answer(request_reset(Client(), "ALICE@example.org")))

    assert len(set(answers)) == 1
    assert len(sent_mail()) == 2


def test_requests_are_throttled_per_network(alice, settings):
    settings.TALKPAGE_RATE_LIMITS = {
        **settings.TALKPAGE_RATE_LIMITS,
        "password_reset_network": "2/h",
    }
    for n in range(2):
        request_reset(Client(), f"person{n}@example.org")

    response = request_reset(Client(), "alice@example.org")

    assert response.status_code == 302
    assert sent_mail() == []


@pytest.mark.parametrize(
    "typed",
    [
        "alıce@example.org",  # dotless i (CVE-2019-19844)
        "alİce@example.org",  # dotted capital I
        "ａlice@example.org",  # fullwidth a
        "alice@exаmple.org",  # Cyrillic а
        "ALICE@EXAMPLE.ORG",
    ],
)
def test_mail_goes_only_to_the_stored_address(client, alice, typed):
    response = request_reset(client, typed)

    assert response.status_code in (200, 302)
    for message in sent_mail():
        assert message.to == ["alice@example.org"]
        assert message.recipients() == ["alice@example.org"]
        assert typed not in str(message.message())


def test_a_look_alike_account_gets_its_own_mail(client, alice):
    User.objects.create_user("mallory2", "alıce@example.org", PASSWORD)

    request_reset(client, "alıce@example.org")

    assert [m.to for m in sent_mail()] == [["alıce@example.org"]]


def test_set_password_form_accepts_the_origin_a_browser_sends(alice, settings):
    """Browsers send the page's Origin with the form (not "null"), which
    CSRF protection accepts: the page must not use no-referrer."""
    link = link_for(Client(), "alice@example.org")
    browser = Client(enforce_csrf_checks=True)
    form_page = browser.get(browser.get(path_of(link))["Location"])
    token = form_page.context["csrf_token"]
    response = browser.post(
        form_page.request["PATH_INFO"],
        {
            "csrfmiddlewaretoken": str(token),
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
        HTTP_ORIGIN=settings.BASE_URL,
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a brand new passphrase")
