"""Every form that changes state refuses a post from another site."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from talkpage.accounts.models import User
from talkpage.accounts.tests.conftest import path_of, reset_link_in
from talkpage.testing import PASSWORD, deliver_queued_mail

NEW_PASSWORD = "a brand new pass phrase"

ANONYMOUS_FORMS = {
    "accounts:register": {
        "username": "carol",
        "email": "carol@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    },
    "accounts:login": {"username": "alice", "password": PASSWORD},
    "accounts:password_reset": {"email": "alice@example.org"},
}
SIGNED_IN_FORMS = {
    "accounts:logout": {},
    "accounts:password_change": {
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    },
    "accounts:email_change": {"email": "alice@new.example", "password": PASSWORD},
    "accounts:delete": {"comments": "delete", "password": PASSWORD},
}


def assert_alice_unchanged(alice) -> None:
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert alice.email == "alice@example.org"


@pytest.mark.parametrize(
    ("name", "data"), ANONYMOUS_FORMS.items(), ids=list(ANONYMOUS_FORMS)
)
def test_anonymous_forms_refuse_cross_site_posts(alice, name, data):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse(name), data)

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="carol").exists()
    deliver_queued_mail()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("name", "data"), SIGNED_IN_FORMS.items(), ids=list(SIGNED_IN_FORMS)
)
def test_signed_in_forms_refuse_cross_site_posts(alice, name, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(reverse(name), data)

    assert response.status_code == 403
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert_alice_unchanged(alice)


def test_the_set_password_form_refuses_cross_site_posts(alice):
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    deliver_queued_mail()
    link = reset_link_in(mail.outbox[0].body)
    guarded = Client(enforce_csrf_checks=True)
    form_url = guarded.get(path_of(link))["Location"]

    response = guarded.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 403
    assert_alice_unchanged(alice)


def test_a_post_with_the_token_goes_through(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(reverse("accounts:email_change"))

    response = client.post(
        reverse("accounts:email_change"),
        {
            **SIGNED_IN_FORMS["accounts:email_change"],
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
