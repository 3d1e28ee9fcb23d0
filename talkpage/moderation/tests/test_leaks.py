"""Nothing hidden leaks (issue item 10): held, rejected, spam and hidden
comments never reach a plain reader, through any channel.

The channels: the article page, the thread's permalink page, the reply
page, the report page, the comment counts (article page and home page), the
Atom feeds (site-wide and per article) and the JSON API's reading endpoints
(threads and counts). There is no search yet: when it comes, add it to
``every_page`` below, as any new channel.
"""

import pytest
from django.test import Client
from django.urls import reverse

from talkpage.discussion.models import Comment, Status
from talkpage.moderation.models import Policy
from talkpage.moderation.services import hide, set_article_policy
from talkpage.testing import make_comment, post_url, with_token

pytestmark = pytest.mark.django_db

NOT_SHOWN = [Status.HELD, Status.REJECTED, Status.SPAM, Status.HIDDEN]
SECRET = "Secret words nobody may read"


@pytest.fixture
def reader(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def every_page(client: Client, article, comment: Comment) -> dict[str, str]:
    """What a reader gets from each channel that could show ``comment``."""
    pages = {
        "article": client.get(article.get_absolute_url()),
        "newest": client.get(article.get_absolute_url() + "?sort=newest"),
        "permalink": client.get(comment.get_absolute_url()),
        "reply": client.get(reverse("discussion:reply", args=[comment.pk])),
        "report": client.get(reverse("moderation:report", args=[comment.pk])),
        "home": client.get("/"),
        "feed": client.get(reverse("discussion:feed")),
        "article-feed": client.get(
            reverse("discussion:article-feed", kwargs={"slug": article.slug})
        ),
        "api": client.get(f"/api/v1/articles/{article.slug}/comments"),
        "api-newest": client.get(
            f"/api/v1/articles/{article.slug}/comments?sort=newest"
        ),
        "api-counts": client.get(f"/api/v1/counts?slug={article.slug}"),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 404), name
    return {name: response.text for name, response in pages.items()}


@pytest.mark.parametrize("status", NOT_SHOWN)
def test_top_level_comment_not_shown_reaches_no_reader(reader, article, status):
    comment = make_comment(article, SECRET, status=status, user=None)

    pages = every_page(reader, article, comment)

    for name, html in pages.items():
        assert SECRET not in html, name
    assert reader.get(comment.get_absolute_url()).status_code == 404
    assert reader.get(reverse("discussion:reply", args=[comment.pk])).status_code == 404
    assert (
        reader.get(reverse("moderation:report", args=[comment.pk])).status_code == 404
    )
    assert "0 comments" in pages["article"]
    assert "0 comments" in pages["home"]
    assert reader.get(f"/api/v1/counts?slug={article.slug}").json() == {
        "counts": {article.slug: 0}
    }
    assert (
        reader.get(f"/api/v1/articles/{article.slug}/comments").json()["comments"] == []
    )


@pytest.mark.parametrize("status", NOT_SHOWN)
def test_reply_not_shown_reaches_no_reader(reader, article, status):
    root = make_comment(article, "A published question.")
    reply = make_comment(article, SECRET, in_reply_to=root, status=status)

    pages = every_page(reader, article, reply)

    for name, html in pages.items():
        assert SECRET not in html, name
    assert "A published question." in pages["permalink"]
    assert reader.get(reverse("discussion:reply", args=[reply.pk])).status_code == 404
    assert "1 comment<" in pages["article"]
    assert "1 comment<" in pages["home"]
    assert '"comment_count": 1' in pages["api"]
    root.refresh_from_db()
    assert root.reply_count == 0


@pytest.mark.parametrize("status", NOT_SHOWN)
def test_anonymous_visitor_sees_no_more_than_a_reader(client, article, status):
    comment = make_comment(article, SECRET, status=status)

    pages = every_page(client, article, comment)

    for name, html in pages.items():
        assert SECRET not in html, name


@pytest.mark.parametrize("status", NOT_SHOWN)
def test_comment_taken_out_above_published_replies_leaves_a_placeholder(
    reader, article, status
):
    root = make_comment(article, "A published root.")
    make_comment(article, "A published reply.", in_reply_to=root)
    # The root is taken out after someone answered it.
    from talkpage.moderation.services import set_status

    set_status(comment=root, status=status, actor=None, action="test.setup")

    for url in [article.get_absolute_url(), root.get_absolute_url()]:
        html = reader.get(url).text
        assert "A published root." not in html, url
        assert "A published reply." in html, url
        assert "[removed]" in html, url
    article.refresh_from_db()
    assert article.comment_count == 1  # the reply: shown, and counted


def test_reply_to_a_comment_not_shown_is_refused_without_quoting_it(
    reader, article, bob
):
    spam = make_comment(article, SECRET, status=Status.SPAM)
    set_article_policy(article=article, policy=Policy.CLOSED, actor=bob)

    response = reader.post(
        post_url(article),
        with_token(article, {"text": "Replying anyway.", "reply_to": spam.pk}),
    )

    assert response.status_code == 400
    assert SECRET not in response.text
    assert "Replying anyway." in response.text
    assert not Comment.objects.filter(in_reply_to=spam).exists()


def test_reply_to_a_held_comment_is_refused(reader, article):
    held = make_comment(article, SECRET, status=Status.HELD)

    response = reader.post(
        post_url(article),
        with_token(article, {"text": "Replying to a ghost.", "reply_to": held.pk}),
    )

    assert response.status_code == 400
    assert SECRET not in response.text
    assert not Comment.objects.filter(in_reply_to=held).exists()


def test_in_reply_to_name_of_a_hidden_comment_is_not_shown(reader, article, settings):
    settings.TALKPAGE_MAX_DEPTH = 1
    root = make_comment(article, "Root.")
    deep = make_comment(article, "Deep.", in_reply_to=root)
    deep.author_name = "Buy Cheap Pills Now"
    deep.save(update_fields=["author_name"])
    make_comment(article, "Beside it.", in_reply_to=deep)
    hide(comment=deep, actor=None)

    html = reader.get(article.get_absolute_url()).text

    assert "Beside it." in html
    assert "Buy Cheap Pills Now" not in html


def test_moderators_see_what_readers_do_not(client, bob, article):
    hidden = make_comment(article, "Hidden words.", status=Status.HIDDEN)
    held = make_comment(article, "Held words.", status=Status.HELD)
    client.force_login(bob)

    assert "Hidden words." in client.get(article.get_absolute_url()).text
    assert "Held words." in client.get(held.get_absolute_url()).text
    assert "Hidden words." in client.get(hidden.get_absolute_url()).text


def test_held_comment_is_shown_to_its_author_only(client, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ANONYMOUS
    client.post(post_url(article), with_token(article, {"text": SECRET}))
    comment = Comment.objects.get()

    author_permalink = client.get(comment.get_absolute_url())
    stranger_permalink = Client().get(comment.get_absolute_url())

    assert author_permalink.status_code == 200
    assert SECRET in author_permalink.text
    assert "Awaiting moderation" in author_permalink.text
    assert stranger_permalink.status_code == 404
    assert SECRET not in stranger_permalink.text
