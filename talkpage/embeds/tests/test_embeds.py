"""Sites that embed discussions: registration, page threads, CORS."""

import json

import pytest
from django.core.management import CommandError, call_command

from talkpage.articles.models import Article
from talkpage.embeds.models import Site, SiteOrigin
from talkpage.embeds.pages import BadPageUrl, normalise_page_url

pytestmark = pytest.mark.django_db

BLOG = "https://blog.example"


@pytest.fixture
def site(db) -> Site:
    site = Site.objects.create(name="Blog")
    SiteOrigin.objects.create(site=site, origin=BLOG)
    return site


def post_on_page(client, site, url, text="Nice post", **headers):
    return client.post(
        f"/api/v1/threads?site={site.key}&url={url}",
        json.dumps({"text": text, "title": "A post"}),
        content_type="application/json",
        **headers,
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://blog.example/post/",
        "http://blog.example/post",
        "https://BLOG.example:443/post/#comments",
        "https://blog.example/post?utm_source=x&fbclid=1",
        "https://blog.example/post/index.html",
    ],
)
def test_one_page_is_one_thread_however_its_url_is_written(url):
    assert normalise_page_url(url) == "https://blog.example/post"


def test_meaningful_query_parameters_stay():
    assert normalise_page_url("https://a.example/p?b=2&a=1") == (
        "https://a.example/p?a=1&b=2"
    )


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://a/b", "/relative"])
def test_only_web_addresses_are_pages(url):
    with pytest.raises(BadPageUrl):
        normalise_page_url(url)


def test_addsite_registers_origins_and_prints_keys(capsys):
    call_command(
        "addsite", "My blog", "--origin", BLOG, "--origin", "https://b.example"
    )
    out = capsys.readouterr().out
    site = Site.objects.get(name="My blog")
    assert f"Site key: {site.key}" in out
    assert f"SSO secret: {site.sso_secret}" in out
    assert sorted(site.origins.values_list("origin", flat=True)) == [
        "https://b.example",
        BLOG,
    ]


def test_a_site_key_never_reads_as_a_command_line_option():
    from unittest import mock

    from talkpage.embeds.models import new_site_key

    # token_urlsafe gives "-..." about one time in 64; the first try here does.
    with mock.patch(
        "talkpage.embeds.models.secrets.token_urlsafe",
        side_effect=["-starts-with-dash", "fine-key"],
    ):
        assert new_site_key() == "fine-key"


@pytest.mark.parametrize("bad", ["blog.example", "https://blog.example/path", "*"])
def test_addsite_refuses_what_is_not_an_origin(bad):
    with pytest.raises(CommandError):
        call_command("addsite", "X", "--origin", bad)


def test_first_comment_starts_the_pages_thread(client, site):
    response = post_on_page(client, site, f"{BLOG}/post/", HTTP_ORIGIN=BLOG)
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == BLOG
    thread = Article.objects.get(site=site)
    assert thread.page_url == "https://blog.example/post"
    assert thread.title == "A post"
    again = post_on_page(client, site, f"{BLOG}/post?utm_medium=x", text="More")
    assert again.status_code == 201
    assert Article.objects.filter(site=site).count() == 1
    assert thread.comments.count() == 2


def test_pages_of_other_origins_get_no_thread(client, site):
    response = post_on_page(client, site, "https://evil.example/post")
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_unknown_site_key_is_404(client, db):
    response = client.get("/api/v1/threads?site=nope&url=https://a.example/")
    assert response.status_code == 404


def test_reading_a_page_without_comments_is_empty(client, site):
    response = client.get(f"/api/v1/threads?site={site.key}&url={BLOG}/new")
    assert response.status_code == 200
    assert response.json()["article"] is None
    assert response.json()["comments"] == []
    assert not Article.objects.exists()


def test_reading_a_pages_thread(client, site):
    post_on_page(client, site, f"{BLOG}/post")
    data = client.get(f"/api/v1/threads?site={site.key}&url={BLOG}/post/").json()
    assert [c["html"] for c in data["comments"]] == ["<p>Nice post</p>\n"]


def test_counts_by_page_url(client, site):
    post_on_page(client, site, f"{BLOG}/a")
    response = client.get(
        "/api/v1/threads/counts",
        {"site": site.key, "url": [f"{BLOG}/a/", f"{BLOG}/b", "not a url"]},
    )
    assert response.json() == {"counts": {f"{BLOG}/a/": 1, f"{BLOG}/b": 0}}


def test_cors_only_for_registered_origins_and_never_credentials(client, site):
    allowed = client.get("/api/v1/me", HTTP_ORIGIN=BLOG)
    assert allowed["Access-Control-Allow-Origin"] == BLOG
    assert "Access-Control-Allow-Credentials" not in allowed
    assert "Origin" in allowed["Vary"]
    for stranger in (
        "https://evil.example",
        "null",
        "https://blog.example.evil.example",
    ):
        response = client.get("/api/v1/me", HTTP_ORIGIN=stranger)
        assert "Access-Control-Allow-Origin" not in response


def test_preflight_for_a_registered_origin(client, site):
    response = client.options(
        "/api/v1/threads",
        HTTP_ORIGIN=BLOG,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert response.status_code == 204
    assert "Idempotency-Key" in response["Access-Control-Allow-Headers"]
    refused = client.options("/api/v1/threads", HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


def test_writes_from_unregistered_origins_are_refused(client, article):
    response = client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json.dumps({"text": "hi"}),
        content_type="application/json",
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403


def test_embedded_threads_stay_off_the_home_page(client, site):
    post_on_page(client, site, f"{BLOG}/post")
    thread = Article.objects.get(site=site)
    assert thread.title not in client.get("/").content.decode()
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200
    assert "https://blog.example/post" in page.content.decode()
