import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_home_page_lists_the_demo_article(page, demo_article):
    page.goto("/")

    page.get_by_role("link", name=demo_article.title).click()

    expect(page).to_have_url(re.compile(re.escape(demo_article.path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(demo_article.title)


def test_article_page_shows_references_disclaimer_and_discussion(page, demo_article):
    page.goto(demo_article.path)

    expect(page).to_have_title(re.compile(re.escape(demo_article.title)))
    expect(page.get_by_role("heading", level=1)).to_have_text(demo_article.title)
    references = page.get_by_role("region", name="References")
    expect(references.get_by_role("heading", name="References")).to_be_visible()
    expect(references.locator("ol > li")).to_have_count(6)
    expect(references.locator("ol > li").first).to_contain_text("Clauw DJ")
    expect(page.get_by_role("complementary", name="Disclaimer")).to_contain_text(
        "Disclaimer:"
    )
    expect(
        page.get_by_role("heading", name="Discuss this Article", level=2)
    ).to_be_visible()
    expect(
        page.get_by_role("heading", name="Post your comments", level=3)
    ).to_be_visible()
    expect(page.get_by_label("Your comment")).to_be_editable()
    expect(page.get_by_role("button", name="Post anonymously")).to_be_visible()
