"""Reading discussions through the JSON API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from talkpage.discussion.models import Status
from talkpage.discussion.services import post_comment
from talkpage.moderation import services as moderation

pytestmark = pytest.mark.django_db


def thread_url(article) -> str:
    return f"/api/v1/articles/{article.slug}/comments"


def test_thread_lists_published_comments_with_nested_replies(client, article):
    top = post_comment(article=article, user=None, text="*top*", author_name="Ann")
    post_comment(article=article, user=None, text="reply", in_reply_to=top.comment)
    response = client.get(thread_url(article))
    assert response.status_code == 200
    data = response.json()
    assert data["article"]["slug"] == article.slug
    assert data["article"]["comment_count"] == 2
    [thread] = data["comments"]
    assert thread["author"] == {"name": "Ann", "anonymous": True}
    assert thread["html"] == "<p><em>top</em></p>\n"
    assert thread["can_edit"] is False
    assert [r["html"] for r in thread["replies"]] == ["<p>reply</p>\n"]
    assert data["next_cursor"] is None


def test_every_kind_of_thread_response_has_the_schema_s_exact_shape(
    client, article, alice, bob
):
    """The thread is built as plain data, not validated on the way out:
    what any reader gets must still be what ThreadOut describes."""
    from talkpage.api.schemas import ThreadOut
    from talkpage.discussion.services import delete_comment

    top = post_comment(article=article, user=None, text="top", author_name="Ann")
    reply = post_comment(article=article, user=alice, text="a", in_reply_to=top.comment)
    post_comment(article=article, user=alice, text="mine", anonymous=True)
    delete_comment(comment=reply.comment)
    post_comment(article=article, user=None, text="reply", in_reply_to=top.comment)
    readers = [("nobody", None), ("alice", alice), ("bob", bob)]
    for name, person in readers:
        client.logout()
        if person is not None:
            client.force_login(person)
        data = client.get(thread_url(article)).json()

        checked = ThreadOut.model_validate(data).model_dump(mode="json")
        assert shape_of(checked) == shape_of(data), name


def shape_of(value):
    """The keys of every object, all the way down, and the kind of each
    leaf (datetimes differ in their digits between encoders, not kinds)."""
    if isinstance(value, dict):
        return {key: shape_of(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape_of(item) for item in value]
    return type(value).__name__


def test_thread_hides_what_readers_may_not_see(client, article, bob):
    post_comment(article=article, user=None, text="visible")
    for status in (Status.HELD, Status.SPAM, Status.HIDDEN, Status.REJECTED):
        comment = post_comment(article=article, user=None, text=status).comment
        moderation.set_status(comment=comment, status=status, actor=bob, action="t")
    body = client.get(thread_url(article)).content.decode()
    assert "visible" in body
    for status in ("held", "spam", "hidden", "rejected"):
        assert f"<p>{status}</p>" not in body


def test_members_posting_anonymously_stay_anonymous(client, article, alice):
    post_comment(article=article, user=alice, text="quiet", anonymous=True)
    body = client.get(thread_url(article)).content.decode()
    assert "alice" not in body
    assert '"name": "Anonymous"' in body or '"name":"Anonymous"' in body


def test_thread_pages_with_a_cursor(client, article, settings):
    settings.TALKPAGE_COMMENTS_PER_PAGE = 2
    for n in range(5):
        post_comment(article=article, user=None, text=f"c{n}", author_name=f"P{n}")
    first = client.get(thread_url(article)).json()
    second = client.get(thread_url(article), {"after": first["next_cursor"]}).json()
    assert [c["html"] for c in first["comments"]] == ["<p>c0</p>\n", "<p>c1</p>\n"]
    assert [c["html"] for c in second["comments"]] == ["<p>c2</p>\n", "<p>c3</p>\n"]


def test_thread_queries_do_not_grow_with_comments(client, article, other_article):
    post_comment(article=article, user=None, text="one")
    for n in range(60):
        post_comment(
            article=other_article, user=None, text=f"n{n}", author_name=f"X{n}"
        )
    with CaptureQueriesContext(connection) as small:
        client.get(thread_url(article))
    with CaptureQueriesContext(connection) as large:
        client.get(thread_url(other_article))
    assert len(small) == len(large)


@pytest.mark.parametrize(
    ("query", "status"),
    [({"sort": "sideways"}, 400), ({"after": "garbage"}, 400)],
)
def test_bad_parameters_are_json_400s(client, article, query, status):
    response = client.get(thread_url(article), query)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"error", "detail"}


def test_unknown_article_is_a_json_404(client, db):
    response = client.get("/api/v1/articles/nope/comments")
    assert response.status_code == 404
    assert response.json()["error"] == "Not found."


def test_counts_for_many_articles_in_one_request(client, article, other_article):
    post_comment(article=article, user=None, text="a")
    response = client.get(
        "/api/v1/counts", {"slug": [article.slug, other_article.slug, "missing"]}
    )
    assert response.json() == {"counts": {article.slug: 1, other_article.slug: 0}}


def test_counts_refuse_more_than_a_hundred(client, db):
    response = client.get("/api/v1/counts", {"slug": [f"s{n}" for n in range(101)]})
    assert response.status_code == 400


def test_me_says_who_is_asking(client, alice):
    assert client.get("/api/v1/me").json()["authenticated"] is False
    client.force_login(alice)
    assert client.get("/api/v1/me").json() == {
        "authenticated": True,
        "username": "alice",
        "is_moderator": False,
    }


def test_openapi_spec_and_docs_are_served(client, db):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["openapi"].startswith("3.")
    assert "/api/v1/articles/{slug}/comments" in spec.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
