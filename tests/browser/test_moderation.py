"""A moderator approves a held anonymous comment, and readers then see it.

The server's database is shared by the whole session, so the test holds
comments on one demo article that no other browser test uses, through that
article's own policy, and sets it back to the site-wide policy at the end.
"""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

HEADPHONES = "/articles/how-do-noise-cancelling-headphones-work/"


def set_article_policy(page: Page, policy: str) -> None:
    page.goto(HEADPHONES)
    page.get_by_label("Moderation policy for this article").select_option(policy)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("policy is changed")


def test_moderator_approves_a_held_anonymous_comment(
    new_context, moderator, sign_in, post_anonymously, find_comment, unique_text
):
    desk = new_context().new_page()
    sign_in(desk, moderator.username, moderator.password)
    expect(desk.locator(".signed-in-as")).to_contain_text(moderator.username)
    set_article_policy(desk, "hold-anonymous")
    try:
        text = unique_text("Do they protect hearing on the underground?")
        visitor = new_context().new_page()
        held = post_anonymously(visitor, HEADPHONES + "?sort=newest", text)
        expect(visitor.locator(".messages")).to_contain_text(
            "Your comment is awaiting moderation"
        )
        expect(held.locator(".badge")).to_have_text("Awaiting moderation")

        reader = new_context().new_page()
        reader.goto(HEADPHONES + "?sort=newest")
        expect(reader.get_by_text(text)).to_have_count(0)

        desk.goto("/moderation/")
        row = desk.locator("tr", has_text=text)
        expect(row).to_contain_text("(no account)")
        row.get_by_role("button", name="Approve").click()
        expect(desk.locator(".messages")).to_contain_text("Approved.")
        expect(desk.locator("tr", has_text=text)).to_have_count(0)

        reader.reload()
        approved = find_comment(reader, text)
        expect(approved).to_be_visible()
        expect(approved.locator(".badge")).to_have_count(0)
        visitor.reload()
        expect(find_comment(visitor, text).locator(".badge")).to_have_count(0)
    finally:
        set_article_policy(desk, "")
