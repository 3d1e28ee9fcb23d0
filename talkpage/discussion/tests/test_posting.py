"""Posting comments through the article page's form."""

import pytest
from django.test import Client
from django.urls import reverse

from talkpage.articles.models import Article
from talkpage.discussion.models import Comment
from talkpage.discussion.viewers import EDIT_TOKENS_COOKIE
from talkpage.testing import with_token  # noqa: E402

pytestmark = pytest.mark.django_db


def post_url(article) -> str:
    return reverse("discussion:post", kwargs={"slug": article.slug})


def test_article_page_offers_anonymous_posting_to_visitors(client, article):
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Discuss this Article" in html
    assert "Post your comments" in html
    assert ">Your comment</label>" in html
    assert ">Name (optional)</label>" in html
    assert ">Post anonymously</button>" in html
    assert ">Sign in</a>" in html
    assert ">Forgot password?</a>" in html


def test_article_page_offers_signed_in_posting_to_members(client, alice, article):
    client.force_login(alice)
    html = client.get(article.get_absolute_url()).content.decode()
    assert ">Post comment</button>" in html
    assert ">Post anonymously</label>" in html
    assert 'type="checkbox" name="anonymous"' in html
    assert "Name (optional)" not in html


def test_visitor_posts_anonymously_with_a_name(client, article):
    response = client.post(
        post_url(article), with_token(article, {"text": "Hello *there*", "name": "Sam"})
    )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#c{comment.pk}")
    assert comment.user is None
    assert comment.public_name == "Sam"
    assert comment.body_html == "<p>Hello <em>there</em></p>\n"
    assert EDIT_TOKENS_COOKIE in response.cookies
    cookie = response.cookies[EDIT_TOKENS_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    page = client.get(response["Location"]).content.decode()
    assert "Sam" in page
    assert "private link" in page
    assert f"/comments/{comment.pk}/manage/" in page
    article.refresh_from_db()
    assert article.comment_count == 1


def test_visitor_without_a_name_is_shown_as_anonymous(client, article):
    client.post(post_url(article), with_token(article, {"text": "No name here"}))
    assert Comment.objects.get().public_name == "Anonymous"


def test_member_posts_under_their_username(client, alice, article):
    client.force_login(alice)
    client.post(post_url(article), with_token(article, {"text": "Signed comment"}))
    comment = Comment.objects.get()
    assert comment.user == alice
    assert not comment.anonymous
    assert comment.edit_token_hash == ""
    assert "alice" in client.get(article.get_absolute_url()).content.decode()


def test_member_posting_anonymously_is_anonymous_to_everyone_else(
    client, alice, bob, mallory, article
):
    client.force_login(alice)
    client.post(
        post_url(article),
        with_token(article, {"text": "Private matter", "anonymous": "on"}),
    )
    comment = Comment.objects.get()
    assert comment.user == alice
    assert comment.anonymous

    own_view = client.get(article.get_absolute_url()).content.decode()
    assert "Anonymous (you)" in own_view
    assert f"/comments/{comment.pk}/edit/" in own_view

    public = Client().get(article.get_absolute_url()).content.decode()
    assert "Private matter" in public
    assert "alice" not in public
    assert ">Anonymous<" in public

    other = Client()
    other.force_login(mallory)
    assert "alice" not in other.get(article.get_absolute_url()).content.decode()

    moderator = Client()
    moderator.force_login(bob)
    assert (
        "Anonymous (alice)"
        in moderator.get(article.get_absolute_url()).content.decode()
    )


def test_visitor_cannot_take_a_members_name(client, alice, article):
    response = client.post(
        post_url(article), with_token(article, {"text": "Hi", "name": "ALICE"})
    )
    assert response.status_code == 400
    assert "belongs to a registered member" in response.content.decode()
    assert not Comment.objects.exists()


def test_empty_comment_is_refused_with_a_clear_error(client, article):
    response = client.post(
        post_url(article), with_token(article, {"text": "   \n  ", "name": "Sam"})
    )
    assert response.status_code == 400
    assert "Please write a comment before posting." in response.content.decode()
    assert not Comment.objects.exists()


def test_over_long_comment_is_refused_and_keeps_the_text(client, article):
    text = "word " * 2001  # 10,005 characters
    response = client.post(
        post_url(article), with_token(article, {"text": text, "name": "Sam"})
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "at most 10000 characters" in html
    assert text.strip() in html
    assert 'value="Sam"' in html
    assert not Comment.objects.exists()


def test_comment_of_exactly_the_limit_is_accepted(client, article):
    client.post(post_url(article), with_token(article, {"text": "x" * 10_000}))
    assert len(Comment.objects.get().body) == 10_000


def test_four_byte_emoji_round_trip(client, article):
    client.post(
        post_url(article), with_token(article, {"text": "Feeling better 💪🏽 today"})
    )
    assert Comment.objects.get().body == "Feeling better 💪🏽 today"


def test_nul_byte_is_refused(client, article):
    response = client.post(
        post_url(article), with_token(article, {"text": "bad\x00byte"})
    )
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_non_utf8_body_does_not_crash_and_stores_no_garbage(client, article):
    response = client.post(
        post_url(article),
        data=b"text=caf\xe9+%ff%fe&name=\xff",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in {302, 400}
    for comment in Comment.objects.all():
        comment.body.encode("utf-8")  # stored text is valid Unicode


def test_same_form_posted_twice_creates_one_comment(client, article):
    form = with_token(article, {"text": "Only once"})
    first = client.post(post_url(article), form)
    second = client.post(post_url(article), form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Comment.objects.count() == 1
    article.refresh_from_db()
    assert article.comment_count == 1


def test_replayed_form_with_other_words_is_refused_and_keeps_them(client, article):
    form = with_token(article, {"text": "First"})
    client.post(post_url(article), form)
    response = client.post(post_url(article), {**form, "text": "Second"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "already used" in html
    assert "Second" in html
    assert list(Comment.objects.values_list("body", flat=True)) == ["First"]


def test_the_same_words_twice_from_one_person_are_a_duplicate(client, article):
    client.post(post_url(article), with_token(article, {"text": "Echo"}))
    response = client.post(post_url(article), with_token(article, {"text": "echo "}))
    assert response.status_code == 400
    assert "already posted this comment" in response.content.decode()
    assert Comment.objects.count() == 1


def test_unknown_article_is_a_404_page(client, db):
    response = client.get("/articles/no-such-thing/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert (
        client.post("/articles/no-such-thing/comments/", {"text": "x"}).status_code
        == 404
    )


def test_posting_needs_post(client, article):
    assert client.get(post_url(article)).status_code == 405


def test_cross_site_post_from_a_visitor_is_refused(article):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(
        post_url(article),
        with_token(article, {"text": "forged"}),
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert not Comment.objects.exists()


def test_cross_site_post_as_a_member_is_refused(alice, article):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    response = csrf_client.post(
        post_url(article), with_token(article, {"text": "forged"})
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_visitor_posting_from_our_own_page_needs_no_csrf_cookie(article):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(article.get_absolute_url())
    assert "csrfmiddlewaretoken" not in page.content.decode()
    response = browser.post(
        post_url(article),
        with_token(article, {"text": "From the page"}),
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 302
    assert Comment.objects.get().body == "From the page"


def test_readers_who_do_not_post_get_no_cookies(client, article):
    response = client.get(article.get_absolute_url())
    assert response.cookies == {}
    assert client.get("/").cookies == {}


def test_posting_too_fast_gets_429_and_keeps_the_text(client, article, settings):
    settings.TALKPAGE_RATE_LIMITS = {**settings.TALKPAGE_RATE_LIMITS, "comment": "2/m"}
    for n in range(2):
        assert (
            client.post(
                post_url(article), with_token(article, {"text": f"c{n}"})
            ).status_code
            == 302
        )
    response = client.post(
        post_url(article), with_token(article, {"text": "third, kept"})
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "third, kept" in html
    assert "posting faster" in html
    assert Comment.objects.count() == 2


def test_rate_limit_counts_per_network_not_per_address(client, article, settings):
    settings.TALKPAGE_RATE_LIMITS = {**settings.TALKPAGE_RATE_LIMITS, "comment": "1/m"}
    first = client.post(
        post_url(article), with_token(article, {"text": "a"}), REMOTE_ADDR="203.0.113.5"
    )
    second = client.post(
        post_url(article),
        with_token(article, {"text": "b"}),
        REMOTE_ADDR="203.0.113.77",
    )
    elsewhere = client.post(
        post_url(article),
        with_token(article, {"text": "c"}),
        REMOTE_ADDR="198.51.100.1",
    )
    assert (first.status_code, second.status_code) == (302, 429)
    assert elsewhere.status_code == 302


def test_oversized_request_gets_a_clear_413(client, article):
    response = client.post(
        post_url(article), with_token(article, {"text": "x" * 300_000})
    )
    assert response.status_code == 413
    assert "too much" in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_count_on_home_page(client, article):
    client.post(post_url(article), with_token(article, {"text": "one"}))
    client.post(post_url(article), with_token(article, {"text": "two"}))
    html = client.get("/").content.decode()
    assert "2 comments" in html
    assert Article.objects.get().comment_count == 2
