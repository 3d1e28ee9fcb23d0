import time
from unittest import mock

import pytest
from django.urls import reverse

from talkpage.accounts.forms import RegistrationForm
from talkpage.accounts.models import User
from talkpage.accounts.tests.conftest import buttons_in, labels_in

URL = reverse("accounts:register")
GOOD_PASSWORD = "a quiet lighthouse in fog"


def form(**overrides) -> dict:
    data = {
        "username": "carol",
        "email": "carol@example.com",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_it_shows_the_form(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert labels_in(response) == {"Username", "Email", "Password", "Confirm password"}
    assert "Create account" in buttons_in(response)


@pytest.mark.django_db
def test_it_creates_the_account_and_signs_in(client):
    response = client.post(URL, form())

    assert response.status_code == 302
    assert response["Location"] == "/"
    carol = User.objects.get(username="carol")
    assert carol.email == "carol@example.com"
    assert carol.check_password(GOOD_PASSWORD)
    assert client.session["_auth_user_id"] == str(carol.pk)


@pytest.mark.django_db
def test_it_redirects_to_a_safe_next(client):
    response = client.post(URL + "?next=/some/article/", form())

    assert response.status_code == 302
    assert response["Location"] == "/some/article/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"],
)
def test_it_refuses_an_off_site_next(client, target):
    response = client.post(URL, {**form(), "next": target})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.filter(username="carol").exists()


@pytest.mark.django_db
def test_it_does_not_print_an_off_site_next_into_the_form(client):
    response = client.get(URL + "?next=https://evil.example/")

    assert response.status_code == 200
    assert b'name="next"' not in response.content


@pytest.mark.parametrize("username", ["alice", "ALICE", "Alice", "ａｌｉｃｅ"])
def test_it_refuses_a_taken_username_in_any_case(client, alice, username):
    response = client.post(URL, form(username=username))

    assert response.status_code == 400
    assert "That username is taken." in response.content.decode()
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("email", ["alice@example.org", "ALICE@Example.ORG"])
def test_it_refuses_a_taken_email_in_any_case(client, alice, email):
    response = client.post(URL, form(email=email))

    assert response.status_code == 400
    assert "An account already uses this email." in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


@pytest.mark.django_db
def test_it_refuses_an_at_sign_in_the_username(client):
    # Sign-in reads a name with "@" as an email address, so such a username
    # could never be used to sign in.
    response = client.post(URL, form(username="carol@home"))

    assert response.status_code == 400
    assert "@" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "This password is too short."),
        ("password123", "This password is too common."),
        ("qwertyuiop", "This password is too common."),
        ("8675309123", "This password is entirely numeric."),
        ("carol@example.com", "too similar to the"),
    ],
)
def test_it_refuses_a_weak_password(client, password, message):
    response = client.post(URL, form(password1=password, password2=password))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_refuses_mismatched_passwords(client):
    response = client.post(URL, form(password2=GOOD_PASSWORD + "!"))

    assert response.status_code == 400
    assert "The two password fields didn’t match." in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_accepts_a_64_character_password_without_truncating_it(client):
    password = "x7" * 32

    response = client.post(URL, form(password1=password, password2=password))

    assert response.status_code == 302
    carol = User.objects.get(username="carol")
    assert carol.check_password(password)
    assert not carol.check_password(password[:-1])
    assert not carol.check_password(password[:32])


@pytest.mark.django_db
def test_it_answers_a_megabyte_password_fast_at_the_door(client):
    # Over TALKPAGE_MAX_REQUEST_BYTES: refused before the body is read.
    password = "a" * 1024 * 1024

    started = time.monotonic()
    response = client.post(URL, form(password1=password, password2=password))

    assert time.monotonic() - started < 1
    assert response.status_code == 413
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("production_hashers", [False, True], ids=["md5", "argon2"])
def test_it_answers_a_megabyte_password_fast_with_400(
    client, settings, production_hashers
):
    # With the door open wide enough, the password validators refuse it
    # before any hasher sees it.
    settings.TALKPAGE_MAX_REQUEST_BYTES = 4 * 1024 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
    if production_hashers:
        settings.PASSWORD_HASHERS = settings.PRODUCTION_PASSWORD_HASHERS
    password = "a" * 1024 * 1024

    started = time.monotonic()
    response = client.post(URL, form(password1=password, password2=password))

    assert time.monotonic() - started < 1
    assert response.status_code == 400
    assert "at most 1024 characters" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_throttles_registrations_from_one_network(client, settings):
    settings.TALKPAGE_RATE_LIMITS = {**settings.TALKPAGE_RATE_LIMITS, "register": "2/h"}
    for name in ("carol", "dave"):
        client.post(URL, form(username=name, email=f"{name}@example.com"))
        client.post(reverse("accounts:logout"))

    response = client.post(URL, form(username="erin", email="erin@example.com"))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not User.objects.filter(username="erin").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rival", "message"),
    [
        (("Carol", "rival@example.com"), "That username is taken."),
        (("rival", "CAROL@example.com"), "An account already uses this email."),
    ],
    ids=["username", "email"],
)
def test_a_name_taken_during_the_request_is_refused_not_a_crash(client, rival, message):
    # A double click: the other request creates its row after this one's
    # form was checked, before this one's row is written.
    original_post_clean = RegistrationForm._post_clean

    def check_then_rival_wins(form):
        original_post_clean(form)
        if not User.objects.exists():
            User.objects.create_user(*rival, "another pass phrase")

    with mock.patch.object(RegistrationForm, "_post_clean", check_then_rival_wins):
        response = client.post(URL, form())

    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(User.objects.values_list("username", flat=True)) == [rival[0]]
    assert "_auth_user_id" not in client.session
