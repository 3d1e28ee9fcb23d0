"""Writing through the JSON API: posting, editing, deleting, reporting."""

import json

import pytest
from django.test import Client

from talkpage.discussion.models import Comment, Status
from talkpage.moderation import services as moderation

pytestmark = pytest.mark.django_db


def post_json(client, url, data, **headers):
    return client.post(
        url, json.dumps(data), content_type="application/json", **headers
    )


def thread_url(article) -> str:
    return f"/api/v1/articles/{article.slug}/comments"


def test_visitor_posts_and_gets_an_edit_token(client, article):
    response = post_json(
        client, thread_url(article), {"text": "Hi *all*", "name": "Sam"}
    )
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "published"
    assert data["comment"]["author"] == {"name": "Sam", "anonymous": True}
    assert data["comment"]["can_edit"] is True
    assert len(data["edit_token"]) >= 22
    comment = Comment.objects.get()
    assert comment.edit_token_matches(data["edit_token"])
    assert comment.edit_token_hash != data["edit_token"]


def test_member_posts_signed_or_anonymous(client, alice, article):
    client.force_login(alice)
    signed = post_json(client, thread_url(article), {"text": "signed"}).json()
    hidden = post_json(
        client, thread_url(article), {"text": "hidden", "anonymous": True}
    ).json()
    assert signed["comment"]["author"]["name"] == "alice"
    assert signed["edit_token"] is None
    assert hidden["comment"]["author"]["name"] == "Anonymous (you)"
    public = Client().get(thread_url(article)).content.decode()
    assert public.count("alice") == 1


def test_held_comment_answers_202(client, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = "hold-all"
    response = post_json(client, thread_url(article), {"text": "wait"})
    assert response.status_code == 202
    assert response.json()["status"] == "held"
    assert Comment.objects.get().status == Status.HELD


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", ""]
)
def test_writes_need_json_content_type(client, article, content_type):
    response = client.post(thread_url(article), "text=hello", content_type=content_type)
    assert response.status_code == 415
    assert response.json()["error"]
    assert not Comment.objects.exists()


def test_a_cross_site_html_form_cannot_post(article):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        thread_url(article),
        {"text": "forged"},
        HTTP_ORIGIN="https://evil.example",
    )
    # Refused by origin (not a registered site) before the content type.
    assert response.status_code == 403
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ("[]", 400),
        ('{"name": "no text"}', 400),
        ('{"text": 12}', 400),
        ('{"text": ""}', 400),
        ('{"text": "   "}', 400),
        ('{"text": "' + "x" * 10_001 + '"}', 400),
        ('{"text": "nul \\u0000"}', 400),
        ('{"text": "ok", "reply_to": 999999}', 404),
        ('{"text": "ok", "reply_to": "abc"}', 400),
        ('{"text": "ok", "name": "ALICE"}', 400),
    ],
)
def test_bad_bodies_get_json_errors(client, article, alice, body, status):
    response = client.post(thread_url(article), body, content_type="application/json")
    assert response.status_code == status, response.content
    assert set(response.json()) == {"error", "detail"}
    assert not Comment.objects.exists()


def test_oversized_body_is_413(client, article):
    response = client.post(
        thread_url(article),
        json.dumps({"text": "x" * 300_000}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json()["error"] == "The request body is too large."
    assert not Comment.objects.exists()


def test_idempotency_key_makes_a_retry_harmless(client, article):
    headers = {"HTTP_IDEMPOTENCY_KEY": "retry-1234567890"}
    first = post_json(client, thread_url(article), {"text": "once"}, **headers)
    again = post_json(client, thread_url(article), {"text": "once"}, **headers)
    other = post_json(client, thread_url(article), {"text": "twice"}, **headers)
    assert first.status_code == 201
    assert again.json()["comment"]["id"] == first.json()["comment"]["id"]
    assert other.status_code == 409
    assert Comment.objects.count() == 1


def test_rate_limit_is_a_json_429_with_retry_after(client, article, settings):
    settings.TALKPAGE_RATE_LIMITS = {**settings.TALKPAGE_RATE_LIMITS, "comment": "1/m"}
    post_json(client, thread_url(article), {"text": "one"})
    response = post_json(client, thread_url(article), {"text": "two"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_closed_article_refuses_with_403(client, article):
    article.moderation_policy = "closed"
    article.save()
    response = post_json(client, thread_url(article), {"text": "late"})
    assert response.status_code == 403
    assert "closed" in response.json()["error"]


def test_anonymous_author_edits_and_deletes_with_the_token(client, article):
    posted = post_json(client, thread_url(article), {"text": "v1"}).json()
    url = f"/api/v1/comments/{posted['comment']['id']}"
    token = {"HTTP_X_TALKPAGE_EDIT_TOKEN": posted["edit_token"]}
    edited = client.patch(
        url, json.dumps({"text": "v2"}), content_type="application/json", **token
    )
    assert edited.status_code == 200
    assert edited.json()["comment"]["html"] == "<p>v2</p>\n"
    assert client.delete(url, **token).status_code == 200
    assert Comment.objects.get().is_deleted


def test_without_the_token_edit_and_delete_are_403(client, article):
    posted = post_json(client, thread_url(article), {"text": "mine"}).json()
    url = f"/api/v1/comments/{posted['comment']['id']}"
    stranger = Client()
    wrong = {"HTTP_X_TALKPAGE_EDIT_TOKEN": "A" * 32}
    assert (
        stranger.patch(
            url, json.dumps({"text": "x"}), content_type="application/json", **wrong
        ).status_code
        == 403
    )
    assert stranger.delete(url).status_code == 403
    assert Comment.objects.get().body == "mine"


def test_another_comments_token_does_not_work(client, article):
    mine = post_json(client, thread_url(article), {"text": "a"}).json()
    theirs = post_json(Client(), thread_url(article), {"text": "b"}).json()
    url = f"/api/v1/comments/{theirs['comment']['id']}"
    response = Client().delete(url, HTTP_X_TALKPAGE_EDIT_TOKEN=mine["edit_token"])
    assert response.status_code == 403


def test_member_edits_own_comment_with_session(client, alice, article):
    client.force_login(alice)
    posted = post_json(client, thread_url(article), {"text": "mine"}).json()
    response = client.patch(
        f"/api/v1/comments/{posted['comment']['id']}",
        json.dumps({"text": "changed"}),
        content_type="application/json",
    )
    assert response.status_code == 200


def test_report_counts_once_per_reader(client, article, settings):
    posted = post_json(Client(), thread_url(article), {"text": "rude"}).json()
    url = f"/api/v1/comments/{posted['comment']['id']}/report"
    for _ in range(2):
        assert post_json(client, url, {"reason": "abuse"}).status_code == 200
    assert Comment.objects.get().report_count == 1
    assert post_json(client, url, {"reason": "boring"}).status_code == 400


def test_hidden_comments_cannot_be_reported_or_seen(client, article, bob):
    posted = post_json(Client(), thread_url(article), {"text": "x"}).json()
    comment = Comment.objects.get()
    moderation.hide(comment=comment, actor=bob)
    url = f"/api/v1/comments/{posted['comment']['id']}/report"
    assert post_json(client, url, {"reason": "spam"}).status_code == 404


def test_unknown_comment_ids_are_404(client, db):
    assert client.delete("/api/v1/comments/424242").status_code == 404
    assert client.delete("/api/v1/comments/abc").status_code in (400, 404)
