"""Atom feeds carry only what every reader may see."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from talkpage.discussion.models import Status
from talkpage.discussion.services import delete_comment, post_comment
from talkpage.moderation import services as moderation

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 (our own output)
    return [entry.findtext(f"{ATOM}summary") for entry in feed.iter(f"{ATOM}entry")]


def test_site_feed_lists_recent_visible_comments(client, article, other_article):
    post_comment(article=article, user=None, text="first words", author_name="Sam")
    post_comment(article=other_article, user=None, text="other words")
    bodies = entries(client, reverse("discussion:feed"))
    assert len(bodies) == 2
    assert any("first words" in body for body in bodies)


def test_article_feed_lists_only_that_article(client, article, other_article):
    post_comment(article=article, user=None, text="here")
    post_comment(article=other_article, user=None, text="elsewhere")
    bodies = entries(
        client, reverse("discussion:article-feed", kwargs={"slug": article.slug})
    )
    assert len(bodies) == 1 and "here" in bodies[0]


def test_feeds_leave_out_held_hidden_spam_and_deleted(client, article, bob):
    shown = post_comment(article=article, user=None, text="shown").comment
    for status, text in [
        (Status.HELD, "held"),
        (Status.HIDDEN, "hidden"),
        (Status.SPAM, "spam"),
        (Status.REJECTED, "rejected"),
    ]:
        comment = post_comment(article=article, user=None, text=text).comment
        moderation.set_status(comment=comment, status=status, actor=bob, action="t")
    gone = post_comment(article=article, user=None, text="deleted").comment
    delete_comment(comment=gone)
    for url in (
        reverse("discussion:feed"),
        reverse("discussion:article-feed", kwargs={"slug": article.slug}),
    ):
        bodies = entries(client, url)
        assert len(bodies) == 1
        assert "shown" in bodies[0]
    assert shown.is_published


def test_anonymous_members_stay_anonymous_in_feeds(client, article, alice):
    post_comment(article=article, user=alice, text="secret", anonymous=True)
    response = client.get(reverse("discussion:feed"))
    assert b"alice" not in response.content
    assert b"Anonymous" in response.content


def test_feed_of_unknown_article_is_404(client, db):
    assert client.get("/articles/nope/comments.atom").status_code == 404


def test_pages_link_their_feeds(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'href="/articles/{article.slug}/comments.atom"' in html
    assert 'href="/comments.atom"' in html


# --- Feeds are built once per version and served from the cache ---------------


def feed_urls(article) -> list[str]:
    return [
        reverse("discussion:feed"),
        reverse("discussion:article-feed", kwargs={"slug": article.slug}),
    ]


def test_a_repeat_read_of_a_feed_costs_one_query(client, article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post_comment(article=article, user=None, text="cached words")
    for url in feed_urls(article):
        first = client.get(url)
        with CaptureQueriesContext(connection) as queries:
            again = client.get(url)
        assert again.content == first.content
        assert len(queries) == 1, url


@pytest.mark.parametrize("change", ["post", "delete", "hide"])
def test_every_change_shows_in_both_feeds_at_once(client, article, change):
    posted = post_comment(article=article, user=None, text="before the change")
    for url in feed_urls(article):
        entries(client, url)  # cached now
    if change == "post":
        post_comment(article=article, user=None, text="after the change")
    elif change == "delete":
        delete_comment(comment=posted.comment)
    else:
        moderation.set_status(
            comment=posted.comment, status=Status.HIDDEN, actor=None, action="test"
        )

    for url in feed_urls(article):
        bodies = entries(client, url)
        if change == "post":
            assert any("after the change" in body for body in bodies), url
        else:
            assert not any("before the change" in body for body in bodies), url


def test_a_feed_reader_with_a_current_copy_gets_304(client, article):
    post_comment(article=article, user=None, text="polled words")
    for url in feed_urls(article):
        first = client.get(url)
        assert first["Cache-Control"].startswith("public")

        again = client.get(url, headers={"If-None-Match": first["ETag"]})

        assert again.status_code == 304, url


def test_the_feed_of_a_missing_article_is_404(client):
    assert client.get("/articles/no-such-thing/comments.atom").status_code == 404


def test_an_article_whose_publication_time_comes_shows_in_the_site_feed(
    client, article, monkeypatch
):
    """No write marks the moment a scheduled article is published: the
    site feed is built again at least once a minute."""
    from datetime import timedelta

    from django.utils import timezone

    from talkpage.articles.models import Article
    from talkpage.discussion import feeds
    from talkpage.testing import make_article

    post_comment(article=article, user=None, text="already out")
    later = make_article(slug="later", title="Later")
    post_comment(article=later, user=None, text="on the scheduled one")
    scheduled = Article.objects.filter(pk=later.pk)
    scheduled.update(published_at=timezone.now() + timedelta(minutes=5))
    url = reverse("discussion:feed")
    assert not any("scheduled" in body for body in entries(client, url))

    # Its time comes (update() leaves updated_at alone, as time passing
    # would), and a minute later the feed has it.
    scheduled.update(published_at=timezone.now() - timedelta(seconds=1))
    now = feeds.time.time()
    monkeypatch.setattr(feeds.time, "time", lambda: now + feeds.SITE_FEED_SECONDS)

    assert any("scheduled" in body for body in entries(client, url))
