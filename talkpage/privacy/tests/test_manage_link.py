"""An anonymous poster erases their comment with its private manage link:
afterwards nothing of them (name, network hash, edit token, words) is left
anywhere in the database."""

import pytest
from django.test import Client
from django.urls import reverse

from talkpage.discussion.models import Comment
from talkpage.privacy.tests.helpers import (
    MALLORYS_NETWORK,
    browser,
    find_everywhere,
    manage_link_in,
    post,
)
from talkpage.testing import post_url, with_token

pytestmark = pytest.mark.django_db

VISITORS_NETWORK = "192.0.2.55"
WORDS = "My private story about magnesium."


def post_with_manage_link(article, **fields) -> tuple[Comment, str]:
    visitor = browser(VISITORS_NETWORK)
    response = visitor.post(
        post_url(article),
        with_token(article, {"text": WORDS, "name": "Marta", **fields}),
        follow=True,
    )
    assert response.status_code == 200
    comment = Comment.objects.get(body=WORDS)
    return comment, manage_link_in(response.content.decode(), comment)


def test_the_manage_link_erases_everything_of_the_poster(article):
    comment, link = post_with_manage_link(article)
    token = link.rstrip("/").rsplit("/", 1)[1]
    traces = ("Marta", WORDS, comment.network_hash, comment.edit_token_hash, token)
    assert comment.network_hash and comment.edit_token_hash
    other_device = Client()

    assert other_device.get(link).status_code == 302
    delete_url = reverse("discussion:delete", args=[comment.pk])
    page = other_device.get(delete_url)
    assert page.status_code == 200
    assert (
        "Deleting erases its words, the name you gave, the hash of your network, "
        "its edit token and its link to your account"
    ) in page.content.decode()
    response = other_device.post(delete_url)

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_deleted
    assert comment.author_name == comment.body == comment.body_html == ""
    assert comment.network_hash == comment.edit_token_hash == comment.fingerprint == ""
    assert comment.submission_key is None
    assert find_everywhere(*traces) == set()
    assert Client().get(link).status_code == 404
    article.refresh_from_db()
    assert article.comment_count == 0


def test_an_erased_comment_with_a_reply_shows_as_deleted(article, mallory):
    comment, link = post_with_manage_link(article)
    post(browser(MALLORYS_NETWORK, mallory), article, "A reply.", reply_to=comment.pk)
    other_device = Client()
    other_device.get(link)

    other_device.post(reverse("discussion:delete", args=[comment.pk]))

    page = Client().get(article.get_absolute_url()).content.decode()
    assert "[deleted]" in page
    assert "A reply." in page
    assert "Marta" not in page
    assert WORDS not in page


def test_the_api_delete_erases_too(client, article):
    response = client.post(
        f"/api/v1/articles/{article.slug}/comments",
        {"text": WORDS, "name": "Marta"},
        content_type="application/json",
        REMOTE_ADDR=VISITORS_NETWORK,
    )
    assert response.status_code == 201
    token = response.json()["edit_token"]
    comment = Comment.objects.get(body=WORDS)
    network = comment.network_hash

    deleted = client.delete(
        f"/api/v1/comments/{comment.pk}", HTTP_X_TALKPAGE_EDIT_TOKEN=token
    )

    assert deleted.status_code == 200
    assert find_everywhere("Marta", WORDS, network, token) == set()


def test_someone_else_cannot_erase_it(article, mallory):
    comment, _ = post_with_manage_link(article)
    stranger = browser(MALLORYS_NETWORK, mallory)

    response = stranger.post(reverse("discussion:delete", args=[comment.pk]))

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == WORDS
    assert comment.author_name == "Marta"


def test_the_address_given_for_replies_goes_with_the_comment(article):
    comment, link = post_with_manage_link(article, email="marta@example.com")
    other_device = Client()
    other_device.get(link)

    other_device.post(reverse("discussion:delete", args=[comment.pk]))

    assert find_everywhere("marta@example.com") == set()
