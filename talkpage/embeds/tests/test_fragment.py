"""The no-JavaScript fragment of an embedded page's thread, and the
stable script addresses host pages write."""

import pytest

from talkpage.discussion.services import post_comment
from talkpage.embeds.models import Site, SiteOrigin
from talkpage.embeds.pages import get_or_create_thread
from talkpage.moderation import services as moderation

pytestmark = pytest.mark.django_db

BLOG = "https://blog.example"


@pytest.fixture
def site(db) -> Site:
    site = Site.objects.create(name="Blog")
    SiteOrigin.objects.create(site=site, origin=BLOG)
    return site


def test_fragment_shows_the_visible_thread_as_plain_html(client, site, bob):
    thread = get_or_create_thread(site, f"{BLOG}/post", title="Post")
    post_comment(article=thread, user=None, text="**shown**", author_name="Ann")
    hidden = post_comment(article=thread, user=None, text="secret").comment
    moderation.hide(comment=hidden, actor=bob)
    response = client.get(f"/embed/thread?site={site.key}&url={BLOG}/post/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>shown</strong>" in html
    assert "Ann" in html
    assert "secret" not in html
    assert "<script" not in html
    assert "public" in response["Cache-Control"]
    assert "Join the discussion" in html


def test_fragment_of_a_page_without_comments(client, site):
    response = client.get(f"/embed/thread?site={site.key}&url={BLOG}/new")
    assert response.status_code == 200
    assert "No comments yet." in response.content.decode()


@pytest.mark.parametrize(
    "query", ["site=nope&url=https://blog.example/x", "url=https://blog.example/x"]
)
def test_fragment_of_unknown_sites_is_404(client, db, query):
    assert client.get(f"/embed/thread?{query}").status_code == 404


def test_fragment_of_other_origins_is_404(client, site):
    response = client.get(f"/embed/thread?site={site.key}&url=https://evil.example/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "file"), [("/embed.js", "embed.js"), ("/count.js", "count.js")]
)
def test_stable_script_addresses_point_at_the_current_files(client, db, path, file):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/static/talkpage/{file}")
    assert "max-age=300" in response["Cache-Control"]


def test_noscript_link_leads_to_the_pages_thread_here(client, site):
    get_or_create_thread(site, f"{BLOG}/post", title="Post")
    response = client.get(f"/embed/page?site={site.key}&url={BLOG}/post/")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Post your comments" in page.content.decode()


def test_noscript_link_makes_no_thread_on_a_get(client, site):
    from talkpage.articles.models import Article

    response = client.get(f"/embed/page?site={site.key}&url={BLOG}/quiet")
    assert response.status_code == 200
    assert "No comments yet" in response.content.decode()
    assert not Article.objects.exists()


def test_noscript_link_for_other_origins_is_404(client, site):
    response = client.get(f"/embed/page?site={site.key}&url=https://evil.example/")
    assert response.status_code == 404
