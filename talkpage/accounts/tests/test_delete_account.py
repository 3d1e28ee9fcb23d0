import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from talkpage.accounts.models import User
from talkpage.accounts.tests.conftest import buttons_in, labels_in, sign_in
from talkpage.discussion.models import ANONYMOUS, Comment
from talkpage.discussion.services import post_comment
from talkpage.testing import PASSWORD

URL = reverse("accounts:delete")


@pytest.fixture
def alices_comments(alice, mallory, article) -> list[Comment]:
    first = post_comment(article=article, user=alice, text="Magnesium helped me.")
    reply = post_comment(
        article=article,
        user=mallory,
        text="Did it?",
        in_reply_to=first.comment,
    )
    second = post_comment(
        article=article, user=alice, text="Yes, really.", in_reply_to=reply.comment
    )
    hidden = post_comment(
        article=article, user=alice, text="Posted anonymously.", anonymous=True
    )
    return [first.comment, second.comment, hidden.comment]


@pytest.mark.django_db
def test_it_needs_a_signed_in_person(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_shows_both_choices(client, alice):
    sign_in(client, "alice")

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Keep them, shown as Anonymous" in html
    assert "Delete them" in html
    assert "Current password" in labels_in(response)
    assert "Delete account" in buttons_in(response)


def test_it_keeps_comments_as_anonymous(client, alice, article, alices_comments):
    sign_in(client, "alice")
    session_key = client.session.session_key

    response = client.post(URL, {"comments": "anonymise", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("articles:home")
    assert not User.objects.filter(username="alice").exists()
    assert not Session.objects.filter(session_key=session_key).exists()
    for comment in Comment.objects.filter(pk__in=[c.pk for c in alices_comments]):
        assert comment.user_id is None
        assert comment.author_name == ""
        assert comment.anonymous
        assert not comment.is_deleted
        assert comment.public_name == ANONYMOUS
    assert Comment.objects.get(pk=alices_comments[0].pk).body == "Magnesium helped me."
    article.refresh_from_db()
    assert article.comment_count == 4
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "Magnesium helped me." in page
    assert "alice" not in page


def test_it_deletes_comments(client, alice, mallory, article, alices_comments):
    sign_in(client, "alice")

    response = client.post(URL, {"comments": "delete", "password": PASSWORD})

    assert response.status_code == 302
    assert not User.objects.filter(username="alice").exists()
    for comment in Comment.objects.filter(pk__in=[c.pk for c in alices_comments]):
        assert comment.is_deleted
        assert comment.body == ""
        assert comment.user_id is None
    article.refresh_from_db()
    assert article.comment_count == 1
    assert Comment.objects.get(user=mallory).body == "Did it?"
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "Magnesium helped me." not in page
    assert "Yes, really." not in page
    assert "Did it?" in page


def test_it_needs_the_current_password(client, alice, alices_comments):
    sign_in(client, "alice")

    response = client.post(URL, {"comments": "delete", "password": "guess"})

    assert response.status_code == 400
    assert "That is not your current password." in response.content.decode()
    assert User.objects.filter(username="alice").exists()
    assert Comment.objects.filter(user=alice, deleted_at__isnull=True).count() == 3


def test_it_refuses_an_unknown_choice(client, alice, alices_comments):
    sign_in(client, "alice")

    response = client.post(URL, {"comments": "everything", "password": PASSWORD})

    assert response.status_code == 400
    assert User.objects.filter(username="alice").exists()


def test_it_refuses_get_with_parameters(client, alice):
    sign_in(client, "alice")

    response = client.get(URL, {"comments": "delete", "password": PASSWORD})

    assert response.status_code == 200
    assert User.objects.filter(username="alice").exists()
