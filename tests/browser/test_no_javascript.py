"""The same posting flow as plain HTML forms, with JavaScript turned off."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def own_actions(comment):
    return comment.locator(":scope > .comment-actions")


def test_without_javascript_visitor_posts_anonymously(
    no_js_page, article, find_comment, unique_text
):
    page = no_js_page
    text = unique_text("Posted with scripts off.")
    page.goto(article.path)

    page.get_by_label("Your comment").fill(text)
    page.get_by_label("Name (optional)").fill("Marta")
    page.get_by_role("button", name="Post anonymously").click()

    comment = find_comment(page, text)
    expect(comment.locator(":scope > .comment-header .author")).to_have_text("Marta")
    expect(page.locator(".messages")).to_contain_text("keep this private link")


def test_without_javascript_reply_link_opens_a_reply_page(
    no_js_page, article, post_anonymously, find_comment, unique_text
):
    page = no_js_page
    parent_text = unique_text("What does the pop sound come from?")
    reply_text = unique_text("A collapsing gas cavity, says the MRI study.")
    parent = post_anonymously(page, article.path, parent_text, name="Marta")
    parent_id = parent.get_attribute("id").removeprefix("c")

    own_actions(parent).get_by_role("link", name="Reply").click()

    expect(page).to_have_url(re.compile(rf"/comments/{parent_id}/reply/$"))
    expect(page.get_by_role("heading", name="Reply to Marta")).to_be_visible()
    expect(page.locator(".quoted-comment")).to_contain_text(parent_text)
    page.get_by_label("Your comment").fill(reply_text)
    page.get_by_role("button", name="Post anonymously").click()

    expect(page).to_have_url(re.compile(rf"/comments/{parent_id}/#c\d+$"))
    replies = find_comment(page, parent_text).locator(":scope > .replies")
    expect(replies).to_contain_text(reply_text)


def test_without_javascript_author_edits_and_deletes(
    no_js_page, article, post_anonymously, find_comment, unique_text
):
    page = no_js_page
    text = unique_text("Scripts off, first version.")
    corrected = unique_text("Scripts off, second version.")
    comment = post_anonymously(page, article.path, text)

    own_actions(comment).get_by_role("link", name="Edit").click()
    page.get_by_label("Your comment").fill(corrected)
    page.get_by_role("button", name="Save changes").click()

    comment = find_comment(page, corrected)
    expect(comment.locator(":scope > .comment-header .edited")).to_have_text("(edited)")

    own_actions(comment).get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete comment").click()

    expect(page.locator(".messages")).to_have_text("Your comment is deleted.")
    page.goto(article.newest_first)
    expect(find_comment(page, corrected)).to_have_count(0)
