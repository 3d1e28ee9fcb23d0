"""The privacy page: linked from every page, and true to the code (each
data category it names is one the export holds, and the reverse)."""

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from talkpage.privacy.services import DATA_CATEGORIES, personal_data_of
from talkpage.privacy.tests.helpers import (
    privacy_page_html,
    remains_named_on_privacy_page,
)

pytestmark = pytest.mark.django_db

URL = reverse("privacy:page")
META_KEYS = {"format", "site", "exported_at", "privacy_page", "not_in_this_file"}


def test_it_renders_for_everyone(client):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Privacy · Talkpage</title>" in html
    assert "<h1>Privacy</h1>" in html
    assert "talkpage.css" in html  # the site's own layout (base.html)


def test_it_is_linked_from_the_footer(client, article):
    for page in (reverse("articles:home"), article.get_absolute_url()):
        html = client.get(page).content.decode()
        footer = html[html.index('<footer class="site-footer">') :]
        assert f'<a href="{URL}">Privacy</a>' in footer


def test_it_uses_the_site_name(client):
    with override_settings(TALKPAGE_SITE_NAME="Joint Health Talk"):
        html = privacy_page_html(client)

    assert "<title>Privacy · Joint Health Talk</title>" in html
    assert "Joint Health Talk keeps what it needs" in html


def test_it_names_each_category_of_the_export(alice):
    exported = set(personal_data_of(user=alice)) - META_KEYS
    named = set(re.findall(r'data-export-key="([^"]+)"', privacy_page_html()))

    assert exported == set(DATA_CATEGORIES)
    assert named == exported


def test_it_says_what_else_is_stored_and_what_remains(client):
    html = privacy_page_html(client)

    assert set(re.findall(r'data-stored="([^"]+)"', html)) == {
        "network",
        "mail",
        "copies",
    }
    assert remains_named_on_privacy_page() == {
        "erased-comment-rows",
        "anonymised-comments",
        "signed-out-comments",
        "other-peoples-words",
        "network-bans",
        "moderation-log",
        "copies",
    }


def test_it_explains_downloading_erasing_and_the_operators_command(client):
    html = privacy_page_html(client)

    assert f'href="{reverse("privacy:data")}"' in html
    assert f'href="{reverse("accounts:settings")}"' in html
    assert "talkpage manage erase_personal_data ADDRESS" in html
    assert "never stores IP addresses" in html


def test_its_numbers_are_the_settings(client):
    with override_settings(
        SESSION_COOKIE_AGE=14 * 86400,
        TALKPAGE_BEARER_TOKEN_AGE=3600,
        TALKPAGE_DISCUSSION_CACHE_SECONDS=600,
        TALKPAGE_FAILED_TASK_DAYS=12,
        TALKPAGE_RATE_LIMITS={"comment": "10/m", "report": "20/2h"},
    ):
        html = privacy_page_html(client)

    assert "after 14 days" in html
    assert "it lasts 1 hour" in html
    assert "for at most 10 minutes" in html
    assert "kept 12 days" in html
    # Rate-limit counters live as long as the longest window.
    assert "only in the cache, for at most 2 hours" in html


def test_it_only_answers_get(client):
    assert client.post(URL).status_code == 405


def test_the_delete_pages_link_to_it(alice, article):
    client = Client()
    client.force_login(alice)

    html = client.get(reverse("accounts:delete")).content.decode()

    assert f'href="{URL}#erase"' in html
    assert f'href="{reverse("privacy:data")}"' in html
