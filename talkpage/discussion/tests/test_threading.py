"""Replies: nesting, the depth limit, and replies that cannot be."""

import pytest
from django.urls import reverse

from talkpage.discussion.models import Comment
from talkpage.discussion.services import CommentRefused, delete_comment, post_comment
from talkpage.testing import with_token  # noqa: E402

pytestmark = pytest.mark.django_db


def say(article, text, *, to=None, user=None, name=""):
    return post_comment(
        article=article, user=user, text=text, author_name=name, in_reply_to=to
    ).comment


def test_reply_through_the_form_nests_under_its_parent(client, article):
    parent = say(article, "Parent", name="Pat")
    response = client.post(
        reverse("discussion:post", kwargs={"slug": article.slug}),
        with_token(article, {"text": "A reply", "reply_to": parent.pk}),
    )
    reply = Comment.objects.get(body="A reply")
    assert response.status_code == 302
    assert (reply.parent, reply.root, reply.in_reply_to) == (parent, parent, parent)
    assert reply.depth == 1
    parent.refresh_from_db()
    assert parent.reply_count == 1
    html = client.get(response["Location"]).content.decode()
    assert html.index(f'id="c{parent.pk}"') < html.index(f'id="c{reply.pk}"')
    assert 'class="replies"' in html


def test_replies_past_the_maximum_depth_attach_at_the_deepest_level(article, settings):
    settings.TALKPAGE_MAX_DEPTH = 2
    top = say(article, "depth 0", name="Ann")
    one = say(article, "depth 1", to=top, name="Ben")
    two = say(article, "depth 2", to=one, name="Cat")
    three = say(article, "depth 3?", to=two, name="Dan")
    assert three.depth == 2
    assert three.parent == one
    assert three.in_reply_to == two
    assert three.root == top


def test_deep_reply_says_whom_it_answers(client, article, settings):
    settings.TALKPAGE_MAX_DEPTH = 1
    top = say(article, "top", name="Ann")
    one = say(article, "one", to=top, name="Ben")
    say(article, "two", to=one, name="Cat")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "in reply to" in html
    assert f'href="#c{one.pk}">Ben</a>' in html


def test_reply_to_a_comment_of_another_article_is_refused(
    client, article, other_article
):
    elsewhere = say(other_article, "Elsewhere")
    response = client.post(
        reverse("discussion:post", kwargs={"slug": article.slug}),
        with_token(article, {"text": "Keep me", "reply_to": elsewhere.pk}),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "does not exist" in html
    assert "Keep me" in html
    assert Comment.objects.count() == 1


def test_service_refuses_cross_article_replies(article, other_article):
    elsewhere = say(other_article, "Elsewhere")
    with pytest.raises(CommentRefused):
        say(article, "nope", to=elsewhere)


def test_reply_to_a_deleted_comment_is_refused_and_keeps_the_text(client, article):
    gone = say(article, "Gone")
    delete_comment(comment=gone)
    response = client.post(
        reverse("discussion:post", kwargs={"slug": article.slug}),
        with_token(article, {"text": "Still typed", "reply_to": gone.pk}),
    )
    assert response.status_code == 400
    assert "deleted" in response.content.decode()
    assert "Still typed" in response.content.decode()
    assert Comment.objects.visible().count() == 0


@pytest.mark.parametrize("bad_id", ["999999", "abc", "-1", "1e5", "9" * 40, ""])
def test_reply_to_a_missing_or_malformed_id_never_500s(client, article, bad_id):
    response = client.post(
        reverse("discussion:post", kwargs={"slug": article.slug}),
        with_token(article, {"text": "Still here", "reply_to": bad_id}),
    )
    if bad_id == "":
        assert response.status_code == 302  # no reply_to: a top-level comment
        return
    html = response.content.decode()
    assert response.status_code == 400
    assert "Still here" in html
    assert "The comment you replied to does not exist." in html


def test_reply_page_works_without_javascript(client, article):
    parent = say(article, "Answer me", name="Pat")
    response = client.get(reverse("discussion:reply", args=[parent.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Reply to Pat" in html
    assert f'name="reply_to" value="{parent.pk}"' in html
    assert "Answer me" in html


def test_reply_page_for_missing_or_deleted_comment_is_404(client, article):
    assert client.get("/comments/424242/reply/").status_code == 404
    gone = say(article, "gone")
    delete_comment(comment=gone)
    assert client.get(reverse("discussion:reply", args=[gone.pk])).status_code == 404


def test_huge_ids_in_urls_are_404_not_500(client, db):
    assert client.get("/comments/" + "9" * 30 + "/").status_code == 404
    assert client.get("/comments/99999999999999999/edit/").status_code == 404


def test_permalink_shows_the_whole_thread(client, article):
    top = say(article, "Top", name="Ann")
    reply = say(article, "Reply", to=top, name="Ben")
    response = client.get(reverse("discussion:permalink", args=[reply.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Top" in html and "Reply" in html
    assert article.title in html
