"""The home page and the article page."""

import pytest
from django.utils import timezone

from talkpage.articles.models import Article

pytestmark = pytest.mark.django_db


def test_home_lists_articles_with_summary_and_comment_count(client, article):
    html = client.get("/").content.decode()
    assert article.title in html
    assert "A short summary." in html
    assert "0 comments" in html


def test_unpublished_articles_are_hidden(client, article):
    article.published_at = timezone.now() + timezone.timedelta(days=2)
    article.save()
    assert article.title not in client.get("/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_article_page_shows_body_references_disclaimer_then_discussion(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<strong>many</strong>" in html
    assert '<li id="ref-1">Someone. A paper. 2011.</li>' in html
    assert "not medical advice" in html
    assert (
        html.index("References")
        < html.index("Disclaimer")
        < html.index("Discuss this Article")
    )


def test_custom_disclaimer_text_is_shown_as_written(client, article):
    article.disclaimer = "Ask your vet."
    article.save()
    assert "Ask your vet." in client.get(article.get_absolute_url()).content.decode()


def test_article_without_disclaimer_shows_none(client, article):
    article.disclaimer = ""
    article.save()
    assert "Disclaimer" not in client.get(article.get_absolute_url()).content.decode()


def test_pages_send_security_headers(client, article):
    response = client.get(article.get_absolute_url())
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>" not in html
    assert " on" + "click=" not in html


def test_readers_who_do_not_post_get_no_cookies(client, article):
    response = client.get(article.get_absolute_url())
    assert "sessionid" not in response.cookies


def test_forged_host_header_is_refused(client, article):
    response = client.get(article.get_absolute_url(), HTTP_HOST="evil.example")
    assert response.status_code == 400


def test_article_slug_lookup_ignores_garbage(client, db):
    assert client.get("/articles/%00/").status_code == 404
    assert client.get("/articles/" + "a" * 5000 + "/").status_code == 404
    assert Article.objects.count() == 0
