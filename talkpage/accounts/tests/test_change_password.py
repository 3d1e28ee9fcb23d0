import pytest
from django.test import Client
from django.urls import reverse

from talkpage.accounts.tests.conftest import buttons_in, labels_in, sign_in
from talkpage.testing import PASSWORD

URL = reverse("accounts:password_change")
NEW_PASSWORD = "a brand new pass phrase"


def change(client: Client, old: str = PASSWORD, new: str = NEW_PASSWORD):
    return client.post(
        URL, {"old_password": old, "new_password1": new, "new_password2": new}
    )


@pytest.mark.django_db
def test_it_needs_a_signed_in_person(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_shows_the_form(client, alice):
    sign_in(client, "alice")

    response = client.get(URL)

    assert response.status_code == 200
    assert labels_in(response) == {
        "Current password",
        "New password",
        "Confirm new password",
    }
    assert "Change password" in buttons_in(response)


def test_it_keeps_this_session_and_signs_out_the_others(alice):
    laptop, phone = Client(), Client()
    sign_in(laptop, "alice")
    sign_in(phone, "alice")

    response = change(laptop)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:settings")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert laptop.get(reverse("accounts:settings")).status_code == 200
    response = phone.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response.wsgi_request.user.is_anonymous


def test_it_needs_the_current_password(client, alice):
    sign_in(client, "alice")

    response = change(client, old="not my password")

    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_it_refuses_a_weak_new_password(client, alice):
    sign_in(client, "alice")

    response = change(client, new="password")

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
