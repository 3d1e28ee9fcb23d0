"""New accounts and changed addresses are verified by a mailed link."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from talkpage.accounts.models import User
from talkpage.accounts.tests.conftest import sign_in
from talkpage.testing import PASSWORD, deliver_queued_mail, path_of, plain_body

pytestmark = pytest.mark.django_db

VERIFY_LINK = re.compile(r"https?://\S+/accounts/verify/\S+/")


def verification_link(mail_server) -> str:
    deliver_queued_mail()
    return VERIFY_LINK.search(plain_body(mail_server.messages[-1])).group(0)


def register(client: Client, username="dora", email="dora@example.org"):
    return client.post(
        reverse("accounts:register"),
        {
            "username": username,
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_a_new_account_is_sent_a_verification_link(mail_server):
    client = Client()
    assert register(client).status_code == 302
    user = User.objects.get(username="dora")
    assert not user.email_verified

    link = verification_link(mail_server)
    assert mail_server.messages[-1]["To"] == "dora@example.org"
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "Confirm my address" in page.content.decode()
    user.refresh_from_db()
    assert not user.email_verified  # GET changes nothing

    client.post(path_of(link))

    user.refresh_from_db()
    assert user.email_verified


def test_an_unverified_account_signs_in_and_posts(mail_server, article):
    from talkpage.testing import post_url, with_token

    client = Client()
    register(client)

    response = client.post(post_url(article), with_token(article, {"text": "Hello"}))

    assert response.status_code == 302
    assert article.comments.get().user.username == "dora"


def test_a_changed_address_must_be_verified_again_and_the_old_one_is_told(
    alice, mail_server
):
    alice.email_verified_at = "2026-01-01T00:00:00Z"
    alice.save()
    client = Client()
    sign_in(client, "alice")

    response = client.post(
        reverse("accounts:email_change"),
        {"email": "alice@new.example", "password": PASSWORD},
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    assert not alice.email_verified
    deliver_queued_mail()
    recipients = sorted(str(m["To"]) for m in mail_server.messages)
    assert recipients == ["alice@example.org", "alice@new.example"]
    (notice,) = [m for m in mail_server.messages if m["To"] == "alice@example.org"]
    assert "a***@new.example" in plain_body(notice)
    assert "alice@new.example" not in plain_body(notice)


def test_a_link_sent_to_an_old_address_no_longer_verifies(alice, mail_server):
    client = Client()
    sign_in(client, "alice")
    client.post(reverse("accounts:verify-again"))
    old_link = verification_link(mail_server)
    client.post(
        reverse("accounts:email_change"),
        {"email": "alice@new.example", "password": PASSWORD},
    )

    response = client.post(path_of(old_link))

    assert response.status_code == 404
    assert "no longer uses" in response.content.decode()
    alice.refresh_from_db()
    assert not alice.email_verified


def test_a_forged_verification_link_is_refused():
    response = Client().post("/accounts/verify/forged-token/")

    assert response.status_code == 404


def test_asking_for_the_link_again_is_rate_limited(alice, mail_server):
    client = Client()
    sign_in(client, "alice")

    answers = [
        client.post(reverse("accounts:verify-again")).status_code for _ in range(4)
    ]

    assert answers == [302, 302, 302, 429]
    deliver_queued_mail()
    assert len(mail_server.messages) == 3


def test_the_settings_page_says_whether_the_address_is_confirmed(alice):
    client = Client()
    sign_in(client, "alice")

    page = client.get(reverse("accounts:settings")).content.decode()

    assert "Not confirmed yet" in page
    assert "Send the link again" in page


def test_a_superuser_made_on_the_command_line_has_a_verified_address(monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser",
        "--noinput",
        "--username",
        "root",
        "--email",
        "root@example.org",
    )

    assert User.objects.get(username="root").email_verified


def test_asking_for_the_link_again_needs_a_signed_in_member(mail_server):
    response = Client().post(reverse("accounts:verify-again"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    deliver_queued_mail()
    assert mail_server.messages == []


def test_asking_for_the_link_again_from_another_site_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(reverse("accounts:verify-again"))

    assert response.status_code == 403
