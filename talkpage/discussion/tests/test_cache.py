"""Discussions are rendered once per version and shared; every change that
shows on the page is visible on the next read; what belongs to one reader
never reaches another."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from talkpage.accounts.services import delete_account
from talkpage.discussion import services
from talkpage.discussion.tests.test_listing import bulk_comments
from talkpage.discussion.viewers import EDIT_TOKENS_COOKIE, VOTER_COOKIE
from talkpage.moderation import services as moderation
from talkpage.testing import make_comment

pytestmark = pytest.mark.django_db

API = "/api/v1/articles/{slug}/comments"


def page_of(client, article, **headers):
    return client.get(article.get_absolute_url(), headers=headers)


def api_of(client, article, **headers):
    return client.get(API.format(slug=article.slug), headers=headers)


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def form_token_in(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def without_form_token(response) -> bytes:
    """The body, minus the one part that differs for every reader."""
    found = re.search(rb'name="form_token" value="([^"]+)"', response.content)
    return response.content.replace(found.group(1), b"") if found else response.content


# --- Speed: a cached read is one query, whatever the size -----------------------


def test_a_cached_read_costs_one_query_for_ten_comments_or_ten_thousand(
    client, article, other_article
):
    bulk_comments(article, 10)
    bulk_comments(other_article, 5000, replies_each=1)
    for url in (
        article.get_absolute_url(),
        other_article.get_absolute_url(),
        API.format(slug=article.slug),
        API.format(slug=other_article.slug),
    ):
        client.get(url)  # builds and caches it
        assert queries_for(client, url) == 1, url


def test_a_second_page_is_cached_too(client, article):
    bulk_comments(article, 120)
    first = client.get(API.format(slug=article.slug)).json()
    url = f"{API.format(slug=article.slug)}?after={first['next_cursor']}"
    client.get(url)
    assert queries_for(client, url) == 1


def test_a_signed_in_reader_adds_a_small_fixed_overlay(
    client, alice, article, other_article
):
    bulk_comments(article, 5)
    bulk_comments(other_article, 2000, replies_each=1)
    make_comment(other_article, "Mine, somewhere in the middle.", user=alice)
    client.force_login(alice)
    small = queries_for(client, article.get_absolute_url())
    client.get(other_article.get_absolute_url())
    huge = queries_for(client, other_article.get_absolute_url())
    # Session and user, the article, its policy, the reader's votes, their
    # own comments on the page and any awaiting moderation: never the thread.
    assert huge <= small + 1
    assert huge <= 8


# --- HTTP caching ------------------------------------------------------------------


def test_anonymous_reads_can_sit_in_a_shared_cache_briefly(client, article):
    for response in (page_of(client, article), api_of(client, article)):
        assert response["Cache-Control"] == "public, max-age=0, s-maxage=10"
        assert "Cookie" in response["Vary"]
        assert "Authorization" in response["Vary"]
        assert response["ETag"].startswith('"')
        assert response["Last-Modified"]
        assert not response.cookies


@pytest.mark.parametrize("read", [page_of, api_of])
def test_an_unchanged_discussion_answers_304(client, article, read):
    first = read(client, article)
    again = read(client, article, if_none_match=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    since = read(client, article, if_modified_since=first["Last-Modified"])
    assert since.status_code == 304


@pytest.mark.parametrize("read", [page_of, api_of])
def test_a_new_comment_changes_the_etag_and_shows_at_once(client, article, read):
    first = read(client, article)
    make_comment(article, "Fresh words.")
    again = read(client, article, if_none_match=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert b"Fresh words." in again.content


def test_a_signed_in_page_is_never_shared(client, alice, article):
    client.force_login(alice)
    response = page_of(client, article)
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_a_reader_with_an_edit_token_gets_a_private_page(client, article):
    client.cookies[EDIT_TOKENS_COOKIE] = "1:abc"
    for response in (page_of(client, article), api_of(client, article)):
        assert response["Cache-Control"] == "private, no-cache"


def test_the_shared_page_hands_every_reader_a_fresh_form_token(client, article):
    first = page_of(client, article).content.decode()
    second = page_of(client, article).content.decode()
    assert form_token_in(first) != form_token_in(second)
    assert "\x00" not in first


def test_other_query_parameters_are_not_shared(client, article):
    response = client.get(article.get_absolute_url() + "?sort=I-typed-this")
    assert response["Cache-Control"] == "private, no-cache"
    shared = page_of(client, article).content.decode()
    assert "I-typed-this" not in shared


# --- Every change shows on the next read ------------------------------------------


@pytest.fixture
def comment(article):
    return make_comment(article, "Original words.")


def shows(client, article, text: str) -> bool:
    page = page_of(client, article).content.decode()
    api = api_of(client, article).content.decode()
    assert (text in page) == (text in api), "page and API disagree"
    return text in page


def test_an_edit_shows_at_once(client, article, comment):
    assert shows(client, article, "Original words.")
    services.edit_comment(comment=comment, text="Better words.")
    assert shows(client, article, "Better words.")
    assert not shows(client, article, "Original words.")


def test_a_deletion_shows_at_once(client, article, comment):
    assert shows(client, article, "Original words.")
    services.delete_comment(comment=comment)
    assert not shows(client, article, "Original words.")


def test_a_vote_shows_at_once(client, article, comment):
    api_of(client, article)
    services.vote(
        comment=comment, voter_key="visitor:someone-else-0001", user=None, value=1
    )
    assert api_of(client, article).json()["comments"][0]["upvotes"] == 1


@pytest.mark.parametrize(
    "decision", [moderation.hide, moderation.reject, moderation.mark_spam]
)
def test_a_moderators_removal_shows_at_once(client, bob, article, comment, decision):
    assert shows(client, article, "Original words.")
    decision(comment=comment, actor=bob)
    assert not shows(client, article, "Original words.")


def test_an_approval_shows_at_once(client, bob, article):
    held = make_comment(article, "Held words.", status="held")
    assert not shows(client, article, "Held words.")
    moderation.approve(comment=held, actor=bob)
    assert shows(client, article, "Held words.")


def test_banning_with_hiding_shows_at_once(client, bob, alice, article):
    make_comment(article, "Words of a troll.", user=alice)
    assert shows(client, article, "Words of a troll.")
    moderation.ban_author(
        comment=alice.comments.get(), actor=bob, reason="", hide_published=True
    )
    assert not shows(client, article, "Words of a troll.")


def test_a_closed_site_shows_at_once(client, bob, article):
    assert "Post your comments" in page_of(client, article).content.decode()
    moderation.set_site_policy(policy="closed", actor=bob)
    assert "Comments are closed" in page_of(client, article).content.decode()


def test_a_deleted_account_shows_at_once(client, alice, article):
    alice.display_name = "Alice Liddell"
    alice.save()
    make_comment(article, "Signed words.", user=alice)
    assert shows(client, article, "Alice Liddell")
    delete_account(user=alice, delete_comments=False)
    assert not shows(client, article, "Alice Liddell")


def test_a_rename_shows_at_once(client, alice, article):
    make_comment(article, "Signed words.", user=alice)
    assert shows(client, article, "alice")
    assert not shows(client, article, "Alice Liddell")
    alice.display_name = "Alice Liddell"
    alice.save()
    assert shows(client, article, "Alice Liddell")


# --- What is one reader's never reaches another ------------------------------------


def test_the_author_sees_their_anonymous_comment_as_theirs(client, alice, article):
    make_comment(article, "Quietly mine.", user=alice, anonymous=True)
    shared = page_of(client, article).content.decode()
    assert "Anonymous (you)" not in shared
    client.force_login(alice)
    own = page_of(client, article).content.decode()
    assert "Anonymous (you)" in own
    assert ">Edit</a>" in own
    client.logout()
    assert "Anonymous (you)" not in page_of(client, article).content.decode()


def test_another_member_gets_no_edit_links_and_their_own_csrf_token(
    client, alice, mallory, article
):
    make_comment(article, "Alice's words.", user=alice)
    client.force_login(alice)
    page_of(client, article)
    client.force_login(mallory)
    html = page_of(client, article).content.decode()
    assert ">Edit</a>" not in html
    assert "\x00" not in html
    token = client.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken"' in html
    assert all(
        value == token or len(value) == 64
        for value in re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    )


def test_a_visitor_with_the_edit_token_sees_edit_links(client, article):
    posted = services.post_comment(
        article=article, user=None, text="Posted without an account."
    )
    client.cookies[EDIT_TOKENS_COOKIE] = f"{posted.comment.pk}:{posted.edit_token}"
    html = page_of(client, article).content.decode()
    assert ">Edit</a>" in html
    data = api_of(client, article).json()
    assert data["comments"][0]["can_edit"] is True
    assert data["comments"][0]["text"] == "Posted without an account."
    client.cookies.clear()
    assert api_of(client, article).json()["comments"][0]["can_edit"] is False


def test_a_voter_sees_their_vote_pressed_and_nobody_else_does(client, article, comment):
    visitor = "v" * 24
    services.vote(comment=comment, voter_key=f"visitor:{visitor}", user=None, value=1)
    client.cookies[VOTER_COOKIE] = visitor
    html = page_of(client, article).content.decode()
    assert 'value="0" aria-pressed="true"' in html
    assert api_of(client, article).json()["comments"][0]["my_vote"] == 1
    client.cookies.clear()
    assert 'aria-pressed="true"' not in page_of(client, article).content.decode()
    assert api_of(client, article).json()["comments"][0]["my_vote"] == 0


def test_a_held_reply_is_shown_to_its_author_only(client, alice, article, comment):
    reply = make_comment(
        article, "My reply, awaiting a moderator.", user=alice, in_reply_to=comment,
        status="held",
    )  # fmt: skip
    assert not shows(client, article, reply.body)
    client.force_login(alice)
    html = page_of(client, article).content.decode()
    assert reply.body in html
    assert "Awaiting moderation" in html
    awaiting = api_of(client, article).json()["awaiting"]
    assert [c["id"] for c in awaiting] == [reply.pk]


def test_moderators_see_hidden_comments_in_place(client, bob, article, comment):
    moderation.hide(comment=comment, actor=bob)
    page_of(client, article)
    client.force_login(bob)
    html = page_of(client, article).content.decode()
    assert "Original words." in html
    assert "Hidden by a moderator" in html


def test_two_readers_given_one_cached_form_both_post(client, article):
    """A CDN may hand the same page, form token and all, to two people."""
    from talkpage.discussion.models import Comment
    from talkpage.testing import post_url, with_token

    data = with_token(article, {"text": "From the first reader."})
    first = client.post(post_url(article), data, REMOTE_ADDR="203.0.113.5")
    data["text"] = "From the second reader."
    second = client.post(post_url(article), data, REMOTE_ADDR="198.51.100.7")
    assert first.status_code == second.status_code == 302
    assert set(Comment.objects.values_list("body", flat=True)) == {
        "From the first reader.",
        "From the second reader.",
    }
    again = client.post(post_url(article), data, REMOTE_ADDR="198.51.100.7")
    assert again.status_code == 302
    assert Comment.objects.count() == 2


# --- The fast path for repeat reads ------------------------------------------------


@pytest.mark.parametrize("read", [page_of, api_of])
def test_a_repeat_read_has_the_same_headers_as_the_first(client, article, read):
    first = read(client, article)  # through every middleware: teaches headers
    again = read(client, article)  # straight from the cache
    assert dict(again.items()) == dict(first.items())
    assert without_form_token(again) == without_form_token(first)


def test_a_host_we_do_not_serve_is_refused_on_the_fast_path_too(client, article):
    page_of(client, article)
    page_of(client, article)
    assert (
        client.get(article.get_absolute_url(), HTTP_HOST="evil.example").status_code
        == 400
    )


def test_a_hundred_thousand_comments_cost_what_ten_do(client, article, other_article):
    """Built from the database or served from the cache, the first page
    of a 100,000-comment discussion takes as many queries as a small one."""
    from datetime import timedelta

    from django.utils import timezone

    from talkpage.articles.models import Article
    from talkpage.discussion.models import Comment

    start = timezone.now() - timedelta(days=30)
    for target, count in ((article, 10), (other_article, 100_000)):
        Comment.objects.bulk_create(
            (
                Comment(
                    article=target,
                    author_name="Reader",
                    body="Words.",
                    body_html="<p>Words.</p>\n",
                    created_at=start + timedelta(seconds=n),
                )
                for n in range(count)
            ),
            batch_size=5000,
        )
        Article.objects.filter(pk=target.pk).discussion_changed(comment_delta=count)
    for url in (article.get_absolute_url(), API.format(slug=article.slug)):
        other_url = url.replace(article.slug, other_article.slug)
        assert queries_for(client, url) == queries_for(client, other_url)  # built
        assert queries_for(client, url) == queries_for(client, other_url) == 1


# --- Each process's own copies in front of a shared cache ----------------------


def test_recent_renderings_keep_what_fits_dropping_the_least_recently_used():
    from talkpage.discussion.cache import RecentRenderings

    recent = RecentRenderings(max_bytes=10)
    recent.put("a", b"12345")
    recent.put("b", b"12345")
    assert recent.get("a") == b"12345"  # now the most recently used
    recent.put("c", b"123")

    assert recent.get("b") is None
    assert recent.get("a") == b"12345"
    assert recent.get("c") == b"123"
    recent.put("huge", b"x" * 11)
    assert recent.get("huge") is None  # bigger than the whole budget


def test_with_a_shared_cache_repeat_reads_come_from_the_process_memory(
    client, article, settings
):
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        pytest.skip("needs a shared cache: runs with TALKPAGE_REDIS_URL")
    make_comment(article, text="Magnesium helped me sleep.")
    url = API.format(slug=article.slug)
    first = client.get(url)
    caches["default"].clear()  # the shared copy is gone; this process's stays

    again = client.get(url)

    assert again.status_code == 200 and again.content == first.content


def test_without_a_shared_cache_renderings_are_kept_once(settings):
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    from talkpage.discussion.cache import recent_renderings

    if not isinstance(caches["default"], LocMemCache):
        pytest.skip("runs with the local-memory cache (no TALKPAGE_REDIS_URL)")
    assert recent_renderings() is None


def test_turning_the_cache_off_turns_the_process_copies_off_too(settings):
    from talkpage.discussion.cache import recent_renderings

    settings.TALKPAGE_DISCUSSION_CACHE_SECONDS = 0

    assert recent_renderings() is None
