"""Reply emails in a real browser against ``talkpage serve`` alone: the
confirmation link, the reply email sent by the server's own worker, and
unsubscribing from it. Mail lands in the server's outbox folder."""

import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def own_actions(comment):
    return comment.locator(":scope > .comment-actions")


def test_a_visitor_confirms_gets_a_reply_email_and_unsubscribes(
    page, new_context, article, find_comment, unique_text, read_link
):
    address = f"reader-{uuid.uuid4().hex[:8]}@example.org"
    question = unique_text("Does magnesium help cramps?")
    page.goto(article.path)
    page.get_by_label("Your comment").fill(question)
    page.get_by_label("Email me when someone replies").check()
    page.get_by_label("Email (optional, for replies)").fill(address)
    page.get_by_role("button", name="Post anonymously").click()
    expect(page.locator(".messages")).to_contain_text("confirm your address")

    page.goto(read_link(address, "/notifications/confirm/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Address confirmed")).to_be_visible()

    other = new_context().new_page()
    other.goto(article.newest_first)
    comment = find_comment(other, question)
    own_actions(comment).get_by_role("link", name="Reply").click()
    answer = unique_text("It helped my night cramps.")
    comment.get_by_label("Your comment").fill(answer)
    comment.get_by_role("button", name="Post anonymously").click()
    expect(other.locator("article.comment", has_text=answer).first).to_be_visible()

    unsubscribe = read_link(address, "/notifications/unsubscribe/")
    page.goto(unsubscribe)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    page.goto(unsubscribe)
    expect(page.get_by_text("You are already unsubscribed")).to_be_visible()


def test_the_discussion_offers_following_it(page, article):
    page.goto(article.path)

    expect(page.get_by_role("button", name="Follow this discussion")).to_be_visible()
    expect(page.get_by_label("Your email")).to_be_visible()
