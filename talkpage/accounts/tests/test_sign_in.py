import re
from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, PBKDF2PasswordHasher
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from talkpage.accounts.models import User
from talkpage.accounts.tests.conftest import (
    buttons_in,
    labels_in,
    request_reset,
    reset_link_in,
    set_new_password,
    sign_in,
)
from talkpage.lib.ratelimit import Rate
from talkpage.testing import PASSWORD, deliver_queued_mail

URL = reverse("accounts:login")
BAD_LOGIN = "That username or email and password do not match."


def set_rate(settings, name: str, rate: str) -> None:
    settings.TALKPAGE_RATE_LIMITS = {**settings.TALKPAGE_RATE_LIMITS, name: rate}


def error_block(response) -> str:
    match = re.search(r'<div class="form-errors".*?</div>', response.content.decode())
    return match.group(0) if match else ""


@pytest.mark.django_db
def test_it_shows_the_form(client):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert labels_in(response) == {"Username or email", "Password"}
    assert "Sign in" in buttons_in(response)
    assert f'href="{reverse("accounts:password_reset")}">Forgot password?</a>' in html


@pytest.mark.django_db
def test_the_page_is_named_after_the_site_not_the_host(client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]

    response = client.get(URL, HTTP_HOST="evil.example")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Sign in · Talkpage</title>" in html
    assert "evil.example" not in html


@pytest.mark.parametrize(
    "login",
    ["alice", "ALICE", "Alice", " alice ", "alice@example.org", "ALICE@Example.Org"],
)
def test_it_signs_in_by_username_or_email_in_any_case(client, alice, login):
    response = sign_in(client, login)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)
    alice.refresh_from_db()
    assert alice.last_login is not None


def test_it_redirects_to_a_safe_next(client, alice):
    response = client.post(
        URL, {"username": "alice", "password": PASSWORD, "next": "/magnesium/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/magnesium/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example"])
def test_it_refuses_an_off_site_next(client, alice, target):
    response = client.post(
        URL, {"username": "alice", "password": PASSWORD, "next": target}
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_wrong_password_unknown_user_and_inactive_user_get_the_same_answer(
    client, alice, mallory
):
    mallory.is_active = False
    mallory.save()
    User.objects.create_user("dave", "dave@example.org", None)  # unusable password

    answers = [
        sign_in(Client(), "alice", "wrong password"),
        sign_in(Client(), "nobody"),
        sign_in(Client(), "nobody@example.org"),
        sign_in(Client(), "mallory"),  # inactive, right password
        sign_in(Client(), "dave", "anything at all"),
    ]

    first = answers[0]
    assert first.status_code == 400
    assert BAD_LOGIN in error_block(first)
    for answer in answers[1:]:
        assert answer.status_code == first.status_code
        assert error_block(answer) == error_block(first)
        assert "_auth_user_id" not in answer.wsgi_request.session


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("alice", "wrong password"),
        ("nobody", PASSWORD),
        ("mallory", PASSWORD),
        ("dave", PASSWORD),
    ],
    ids=["wrong-password", "unknown", "inactive", "unusable-password"],
)
def test_every_failed_sign_in_runs_the_hasher_once(
    client, alice, mallory, login, password
):
    # Equal work is what keeps the answers equally slow.
    mallory.is_active = False
    mallory.save()
    User.objects.create_user("dave", "dave@example.org", None)

    with mock.patch.object(
        MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode
    ) as encode:
        response = sign_in(client, login, password)

    assert response.status_code == 400
    assert encode.call_count == 1


def test_it_refuses_an_overlong_password_without_hashing(client, alice):
    with mock.patch.object(
        MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode
    ) as encode:
        response = sign_in(client, "alice", "a" * 100_000)

    assert response.status_code == 400
    assert encode.call_count == 0


def test_it_gives_a_new_session_key_on_sign_in(client, alice):
    session = client.session
    session["visited"] = True
    session.save()
    key_before = session.session_key

    sign_in(client, "alice")

    assert client.session.session_key != key_before
    assert not Session.objects.filter(session_key=key_before).exists()


@pytest.mark.parametrize("https", [False, True])
def test_the_session_cookie_is_guarded(client, alice, settings, https):
    settings.SESSION_COOKIE_SECURE = https

    sign_in(client, "alice")

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) is https


# --- Throttles ------------------------------------------------------------


def test_it_throttles_an_account_after_repeated_failures(client, alice, settings):
    set_rate(settings, "login_account", "3/15m")
    for _ in range(3):
        assert sign_in(client, "alice", "guess").status_code == 400

    response = sign_in(client, "alice", "guess")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "Forgot password?" in response.content.decode()
    # The right password waits too: otherwise the throttle would tell an
    # attacker when a guess is right.
    response = sign_in(Client(), "alice")
    assert response.status_code == 429
    alice.refresh_from_db()
    assert alice.last_login is None


def test_the_default_account_throttle_allows_at_most_100_failures_an_hour(settings):
    rate = Rate.parse(settings.TALKPAGE_RATE_LIMITS["login_account"])

    assert rate.count * 3600 / rate.seconds <= 100  # OWASP ASVS 5.0, V6


def test_the_default_account_throttle_stops_guessing_at_ten(client, alice):
    for _ in range(10):
        assert sign_in(client, "alice", "guess").status_code == 400

    assert sign_in(client, "alice", "guess").status_code == 429


@pytest.mark.parametrize(
    "spellings",
    [
        ["alice", "alice@example.org", "ALICE@EXAMPLE.ORG"],
        ["alice", "ａｌｉｃｅ", "ａlice", "alｉce"],
    ],
    ids=["username-and-email", "fullwidth"],
)
def test_the_account_throttle_counts_every_spelling_of_the_account(
    client, alice, settings, spellings
):
    set_rate(settings, "login_account", "3/15m")
    for login in spellings[:3]:
        assert sign_in(client, login, "guess").status_code == 400

    response = sign_in(client, spellings[-1], "guess")

    assert response.status_code == 429


def test_the_account_throttle_leaves_other_accounts_alone(
    client, alice, mallory, settings
):
    set_rate(settings, "login_account", "3/15m")
    for _ in range(3):
        sign_in(client, "alice", "guess")

    response = sign_in(Client(), "mallory")

    assert response.status_code == 302


def test_a_password_reset_lifts_the_account_throttle(client, alice, settings):
    set_rate(settings, "login_account", "3/15m")
    for login in ("alice", "alice@example.org", "ALICE"):
        sign_in(Client(), login, "guess")
    assert sign_in(Client(), "alice").status_code == 429

    owner = Client()
    assert request_reset(owner, "alice@example.org").status_code == 302
    deliver_queued_mail()
    (message,) = mail.outbox
    response = set_new_password(owner, reset_link_in(message.body), "n3w pass phrase")
    assert response.status_code == 302

    for login in ("alice", "alice@example.org"):
        response = sign_in(Client(), login, "n3w pass phrase")
        assert response.status_code == 302


def test_it_throttles_a_network(alice, settings):
    set_rate(settings, "login_network", "3/m")
    for n in range(3):
        assert sign_in(Client(), f"user{n}", "guess").status_code == 400

    response = sign_in(Client(), "alice")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    alice.refresh_from_db()
    assert alice.last_login is None


def test_a_forged_forwarded_for_does_not_escape_the_network_throttle(alice, settings):
    set_rate(settings, "login_network", "3/m")
    for n in range(3):
        Client(HTTP_X_FORWARDED_FOR=f"203.0.{n}.1").post(
            URL, {"username": "x", "password": "y"}
        )

    response = Client(HTTP_X_FORWARDED_FOR="198.51.100.7").post(
        URL, {"username": "alice", "password": PASSWORD}
    )

    assert response.status_code == 429


def test_the_network_throttle_counts_per_network(alice, settings):
    set_rate(settings, "login_network", "3/m")
    for _ in range(3):
        Client(REMOTE_ADDR="203.0.113.5").post(URL, {"username": "x", "password": "y"})

    same_network = Client(REMOTE_ADDR="203.0.113.99")
    other_network = Client(REMOTE_ADDR="198.51.100.7")

    assert sign_in(same_network, "alice").status_code == 429
    assert sign_in(other_network, "alice").status_code == 302


# --- Password storage -----------------------------------------------------


@pytest.mark.django_db
def test_production_stores_passwords_with_argon2(client, settings):
    settings.PASSWORD_HASHERS = settings.PRODUCTION_PASSWORD_HASHERS
    password = "a quiet lighthouse in fog"

    response = client.post(
        reverse("accounts:register"),
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": password,
            "password2": password,
        },
    )

    assert response.status_code == 302
    stored = User.objects.get(username="carol").password
    assert stored.startswith("argon2$argon2id$")
    other = User.objects.create_user("dave", "dave@example.com", password)
    assert other.password != stored  # a salt of its own


def test_sign_in_upgrades_an_old_hash(client, alice, settings):
    settings.PASSWORD_HASHERS = settings.PRODUCTION_PASSWORD_HASHERS
    # A hash from an older configuration: PBKDF2 with too few iterations.
    alice.password = PBKDF2PasswordHasher().encode(PASSWORD, "oldsalt", iterations=1000)
    alice.save()

    response = sign_in(client, "alice")

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.password.startswith("argon2")
    assert alice.check_password(PASSWORD)


# --- Caching --------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["accounts:settings", "accounts:password_change", "articles:home"]
)
def test_pages_for_a_signed_in_person_are_never_stored(client, alice, page):
    sign_in(client, "alice")

    response = client.get(reverse(page))

    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


# --- Sign-out -------------------------------------------------------------


def test_sign_out_refuses_get(client, alice):
    sign_in(client, "alice")

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_sign_out_ends_the_session_on_the_server(client, alice):
    sign_in(client, "alice")
    key = client.session.session_key

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    stolen = Client()
    stolen.cookies["sessionid"] = key
    response = stolen.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
