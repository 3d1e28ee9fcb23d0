"""Asking for reply emails through the JSON API (the widget's checkbox)."""

import json

import pytest

from talkpage.notifications.models import Subscription
from talkpage.testing import deliver_queued_mail

pytestmark = pytest.mark.django_db


def post(client, article, data):
    return client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json.dumps(data),
        content_type="application/json",
    )


def test_a_visitor_asks_for_reply_emails_and_is_sent_a_confirmation(
    client, article, mailoutbox
):
    response = post(
        client, article, {"text": "Hello", "notify": True, "email": "ann@example.org"}
    )

    assert response.status_code == 201
    subscription = Subscription.objects.get()
    assert subscription.email == "ann@example.org"
    assert not subscription.is_confirmed
    deliver_queued_mail()
    assert [m.to for m in mailoutbox] == [["ann@example.org"]]
    assert "ann@example.org" not in response.content.decode()


def test_a_member_asks_for_reply_emails_with_no_address(client, alice, article):
    client.force_login(alice)

    response = post(client, article, {"text": "Hello", "notify": True})

    assert response.status_code == 201
    assert Subscription.objects.get().user == alice


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"notify": True}, "email: is needed to be told about replies."),
        ({"email": "ann@example.org"}, "email: is used only with notify: true."),
        (
            {"notify": True, "email": "not-an-address"},
            "email: Please enter an email address.",
        ),
    ],
)
def test_bad_reply_email_requests_are_refused_and_nothing_is_posted(
    client, article, data, error
):
    response = post(client, article, {"text": "Hello", **data})

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert article.comments.count() == 0
    assert Subscription.objects.count() == 0
