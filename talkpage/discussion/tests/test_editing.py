"""Editing and deleting your own comments, signed in or anonymous."""

import pytest
from django.test import Client
from django.urls import reverse

from talkpage.discussion.models import Comment
from talkpage.discussion.services import delete_comment, post_comment
from talkpage.discussion.viewers import EDIT_TOKENS_COOKIE
from talkpage.testing import with_token  # noqa: E402

pytestmark = pytest.mark.django_db


def post_as_visitor(client, article, text="Mine") -> Comment:
    client.post(
        reverse("discussion:post", kwargs={"slug": article.slug}),
        with_token(article, {"text": text}),
    )
    return Comment.objects.get(body=text)


def manage_link_of(client, comment) -> str:
    """The private link shown once in the success message after posting."""
    page = client.get(comment.article.get_absolute_url()).content.decode()
    start = page.index(f"/comments/{comment.pk}/manage/")
    return page[start : page.index('"', start)]


def test_anonymous_author_edits_with_the_cookie(client, article):
    comment = post_as_visitor(client, article)
    edit_url = reverse("discussion:edit", args=[comment.pk])
    form = client.get(edit_url)
    assert form.status_code == 200
    assert "Mine" in form.content.decode()
    response = client.post(edit_url, {"text": "Mine, **better**"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Mine, **better**"
    assert comment.edited_at is not None
    assert "(edited)" in client.get(article.get_absolute_url()).content.decode()


def test_edit_form_error_keeps_the_text(client, article):
    comment = post_as_visitor(client, article)
    edit_url = reverse("discussion:edit", args=[comment.pk])
    response = client.post(edit_url, {"text": "y" * 10_001})
    assert response.status_code == 400
    assert "y" * 10_001 in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_anonymous_author_deletes_with_the_cookie(client, article):
    comment = post_as_visitor(client, article)
    delete_url = reverse("discussion:delete", args=[comment.pk])
    assert "Delete comment" in client.get(delete_url).content.decode()
    assert client.post(delete_url).status_code == 302
    comment.refresh_from_db()
    assert comment.is_deleted
    assert comment.body == ""
    article.refresh_from_db()
    assert article.comment_count == 0
    assert "Mine" not in client.get(article.get_absolute_url()).content.decode()


def test_someone_else_cannot_edit_or_delete(client, article, mallory):
    comment = post_as_visitor(client, article)
    stranger = Client()
    stranger.force_login(mallory)
    for url in (
        reverse("discussion:edit", args=[comment.pk]),
        reverse("discussion:delete", args=[comment.pk]),
    ):
        assert stranger.get(url).status_code == 403
        assert stranger.post(url, {"text": "hacked"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine"
    assert not comment.is_deleted


def test_one_comments_token_does_not_open_another(client, article):
    mine = post_as_visitor(client, article, "mine")
    theirs = post_as_visitor(Client(), article, "theirs")
    my_token = client.cookies[EDIT_TOKENS_COOKIE].value.split(":")[1]
    forged = Client()
    forged.cookies[EDIT_TOKENS_COOKIE] = f"{theirs.pk}:{my_token}"
    assert (
        forged.post(
            reverse("discussion:edit", args=[theirs.pk]), {"text": "x"}
        ).status_code
        == 403
    )
    assert mine.edit_token_hash != theirs.edit_token_hash


def test_garbage_token_cookie_is_ignored(client, article):
    comment = post_as_visitor(Client(), article)
    client.cookies[EDIT_TOKENS_COOKIE] = f"{comment.pk}:nope.x:y.:::.{'9' * 50}:z"
    assert client.get(reverse("discussion:edit", args=[comment.pk])).status_code == 403


def test_manage_link_works_on_another_device(client, article):
    comment = post_as_visitor(client, article)
    link = manage_link_of(client, comment)
    other_device = Client()
    response = other_device.get(link)
    assert response.status_code == 302
    assert "/manage/" not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert (
        other_device.post(reverse("discussion:delete", args=[comment.pk])).status_code
        == 302
    )
    comment.refresh_from_db()
    assert comment.is_deleted


def test_manage_link_is_shown_only_once(client, article):
    comment = post_as_visitor(client, article)
    manage_link_of(client, comment)
    again = client.get(article.get_absolute_url()).content.decode()
    assert "/manage/" not in again


def test_bad_manage_token_is_refused(client, article):
    comment = post_as_visitor(Client(), article)
    response = client.get(f"/comments/{comment.pk}/manage/{'A' * 32}/")
    assert response.status_code == 404
    assert EDIT_TOKENS_COOKIE not in response.cookies


def test_token_is_stored_only_hashed(client, article):
    comment = post_as_visitor(client, article)
    token = client.cookies[EDIT_TOKENS_COOKIE].value.split(":")[1]
    assert len(token) >= 22  # at least 128 bits of base64
    assert token not in comment.edit_token_hash
    assert comment.edit_token_matches(token)


def test_member_edits_and_deletes_own_comment(client, alice, article):
    client.force_login(alice)
    comment = post_comment(article=article, user=alice, text="signed").comment
    assert (
        client.post(
            reverse("discussion:edit", args=[comment.pk]), {"text": "changed"}
        ).status_code
        == 302
    )
    assert (
        client.post(reverse("discussion:delete", args=[comment.pk])).status_code == 302
    )
    comment.refresh_from_db()
    assert comment.is_deleted


def test_member_keeps_rights_over_anonymous_posts(client, alice, article):
    client.force_login(alice)
    comment = post_comment(article=article, user=alice, text="hidden", anonymous=True)
    url = reverse("discussion:edit", args=[comment.comment.pk])
    assert client.post(url, {"text": "still mine"}).status_code == 302


def test_deleted_comment_with_replies_stays_as_placeholder(client, article):
    parent = post_comment(article=article, user=None, text="parent text").comment
    post_comment(article=article, user=None, text="child text", in_reply_to=parent)
    delete_comment(comment=parent)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "[deleted]" in html
    assert "parent text" not in html
    assert "child text" in html


def test_deleted_comment_without_replies_disappears(client, article):
    comment = post_comment(article=article, user=None, text="bye").comment
    delete_comment(comment=comment)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "[deleted]" not in html
    assert "No comments yet" in html


def test_deleting_twice_counts_once(article):
    comment = post_comment(article=article, user=None, text="x").comment
    delete_comment(comment=comment)
    delete_comment(comment=comment)
    article.refresh_from_db()
    assert article.comment_count == 0


def test_deleted_comment_cannot_be_edited(client, article):
    comment = post_as_visitor(client, article)
    delete_comment(comment=comment)
    assert client.get(reverse("discussion:edit", args=[comment.pk])).status_code == 404
