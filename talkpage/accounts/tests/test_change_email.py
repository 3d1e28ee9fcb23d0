from unittest import mock

import pytest
from django.urls import reverse

from talkpage.accounts.forms import ChangeEmailForm
from talkpage.accounts.tests.conftest import buttons_in, labels_in, sign_in
from talkpage.testing import PASSWORD

URL = reverse("accounts:email_change")


@pytest.mark.django_db
def test_it_needs_a_signed_in_person(client):
    response = client.post(URL, {"email": "x@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_shows_the_form(client, alice):
    sign_in(client, "alice")

    response = client.get(URL)

    assert response.status_code == 200
    assert labels_in(response) == {"New email", "Current password"}
    assert "Change email" in buttons_in(response)


def test_it_changes_the_email(client, alice):
    sign_in(client, "alice")

    response = client.post(URL, {"email": "alice@NEW.example", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:settings")
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    assert client.get(reverse("accounts:settings")).status_code == 200
    assert sign_in(client.__class__(), "alice@new.example").status_code == 302


def test_it_needs_the_current_password(client, alice):
    sign_in(client, "alice")

    response = client.post(URL, {"email": "alice@new.example", "password": "guess"})

    assert response.status_code == 400
    assert "That is not your current password." in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


@pytest.mark.parametrize("email", ["mallory@example.net", "MALLORY@Example.NET"])
def test_it_refuses_an_email_another_account_uses(client, alice, mallory, email):
    sign_in(client, "alice")

    response = client.post(URL, {"email": email, "password": PASSWORD})

    assert response.status_code == 400
    assert "Another account already uses this email." in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_it_accepts_a_new_case_of_the_same_email(client, alice):
    sign_in(client, "alice")

    response = client.post(URL, {"email": "Alice@example.org", "password": PASSWORD})

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "Alice@example.org"


def test_it_refuses_a_malformed_email(client, alice):
    sign_in(client, "alice")

    response = client.post(URL, {"email": "not an email", "password": PASSWORD})

    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_an_email_taken_during_the_request_is_refused_not_a_crash(
    client, alice, mallory
):
    sign_in(client, "alice")

    # As if mallory took the address between the form's check and the save.
    with mock.patch.object(
        ChangeEmailForm, "clean_email", lambda form: form.cleaned_data["email"]
    ):
        response = client.post(
            URL, {"email": "MALLORY@example.net", "password": PASSWORD}
        )

    assert response.status_code == 400
    assert "Another account already uses this email." in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_guessing_the_current_password_is_throttled(client, alice, settings):
    settings.TALKPAGE_RATE_LIMITS = {
        **settings.TALKPAGE_RATE_LIMITS,
        "login_account": "3/15m",
    }
    client.force_login(alice)
    url = reverse("accounts:email_change")
    for guess in ("one", "two", "three"):
        response = client.post(url, {"email": "new@example.org", "password": guess})
        assert response.status_code == 400
    response = client.post(url, {"email": "new@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Forgot password?" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
