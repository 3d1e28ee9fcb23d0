"""Posting, replying, editing and deleting with JavaScript on."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MANAGE_LINK = re.compile(r"^http://127\.0\.0\.1:\d+/comments/\d+/manage/[\w-]+/$")


def comment_id(comment) -> str:
    return comment.get_attribute("id").removeprefix("c")


def own_actions(comment):
    """The comment's own Reply/Edit/Delete links, not those of its replies."""
    return comment.locator(":scope > .comment-actions")


def test_visitor_posts_anonymously_under_a_name(
    page, article, find_comment, unique_text
):
    text = unique_text("Cracking my knuckles never hurt.")
    page.goto(article.path)

    page.get_by_label("Your comment").fill(text)
    page.get_by_label("Name (optional)").fill("Marta")
    page.get_by_role("button", name="Post anonymously").click()

    comment = find_comment(page, text)
    expect(comment).to_be_visible()
    expect(comment.locator(":scope > .comment-header .author")).to_have_text("Marta")


def test_anonymous_post_shows_a_private_manage_link(page, article, unique_text):
    page.goto(article.path)

    page.get_by_label("Your comment").fill(unique_text("Is it gas bubbles?"))
    page.get_by_role("button", name="Post anonymously").click()

    message = page.locator(".messages")
    expect(message).to_contain_text("keep this private link")
    expect(message.get_by_role("link")).to_have_attribute("href", MANAGE_LINK)


def test_visitor_without_a_name_is_shown_as_anonymous(
    page, article, post_anonymously, unique_text
):
    comment = post_anonymously(page, article.path, unique_text("Nameless."))

    expect(comment.locator(":scope > .comment-header .author")).to_have_text(
        "Anonymous"
    )


def test_signed_in_user_posts_under_their_username(
    page, alice, register, article, find_comment, unique_text
):
    register(page, alice, next_path=article.path)
    text = unique_text("I crack mine every morning.")

    expect(page.locator("#comment-form .posting-as")).to_have_text(
        f"Posting as {alice.username}"
    )
    page.get_by_label("Your comment").fill(text)
    page.get_by_role("button", name="Post comment").click()

    comment = find_comment(page, text)
    expect(comment.locator(":scope > .comment-header .author")).to_have_text(
        alice.username
    )
    expect(page.locator(".messages")).to_have_text("Your comment is posted.")


def test_signed_in_user_posting_anonymously_sees_anonymous_you(
    page, alice, register, article, find_comment, unique_text
):
    register(page, alice, next_path=article.path)
    text = unique_text("Posted without my name.")

    page.get_by_label("Your comment").fill(text)
    page.get_by_label("Post anonymously").check()
    page.get_by_role("button", name="Post comment").click()

    comment = find_comment(page, text)
    expect(comment.locator(":scope > .comment-header .author")).to_have_text(
        "Anonymous (you)"
    )
    expect(own_actions(comment).get_by_role("link", name="Edit")).to_be_visible()


def test_anonymous_post_from_an_account_hides_the_username_from_others(
    page, alice, register, article, find_comment, unique_text, new_context
):
    register(page, alice, next_path=article.path)
    text = unique_text("Nobody should know this was me.")
    page.get_by_label("Your comment").fill(text)
    page.get_by_label("Post anonymously").check()
    page.get_by_role("button", name="Post comment").click()
    permalink = find_comment(page, text).locator(".permalink").get_attribute("href")

    stranger = new_context().new_page()
    stranger.goto(permalink)

    comment = find_comment(stranger, text)
    expect(comment.locator(":scope > .comment-header .author")).to_have_text(
        "Anonymous"
    )
    expect(comment).not_to_contain_text(alice.username)
    assert alice.username not in stranger.content()
    stranger.goto(article.newest_first)
    expect(find_comment(stranger, text)).to_be_visible()
    assert alice.username not in stranger.content()


def test_reply_moves_the_form_under_the_comment(
    page, article, post_anonymously, unique_text
):
    parent = post_anonymously(
        page, article.path, unique_text("Does it cause arthritis?"), name="Marta"
    )

    own_actions(parent).get_by_role("link", name="Reply").click()

    # No reply page opens: the form comes to the comment instead.
    expect(page).to_have_url(re.compile(re.escape(article.newest_first)))
    form = parent.locator("#comment-form")
    expect(form).to_be_visible()
    expect(form.get_by_role("heading")).to_have_text("Reply to Marta")
    expect(form.get_by_label("Your comment")).to_be_focused()

    form.get_by_role("button", name="Cancel reply").click()

    expect(parent.locator("#comment-form")).to_have_count(0)
    expect(page.locator("#comment-form-heading")).to_have_text("Post your comments")


def test_reply_is_nested_under_its_parent(
    page, article, post_anonymously, find_comment, unique_text
):
    parent_text = unique_text("Does it cause arthritis?")
    reply_text = unique_text("Studies say no.")
    parent = post_anonymously(page, article.path, parent_text, name="Marta")

    own_actions(parent).get_by_role("link", name="Reply").click()
    parent.get_by_label("Your comment").fill(reply_text)
    parent.get_by_label("Name (optional)").fill("Jonas")
    parent.get_by_role("button", name="Post anonymously").click()

    # The reply lands on its thread's own page.
    expect(page).to_have_url(re.compile(rf"/comments/{comment_id(parent)}/#c\d+$"))
    parent = find_comment(page, parent_text)
    reply = parent.locator(":scope > .replies > article.comment")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text(reply_text)
    expect(reply.locator(".author")).to_have_text("Jonas")
    page.goto(article.newest_first)
    expect(
        find_comment(page, parent_text).locator(":scope > .replies")
    ).to_contain_text(reply_text)


def test_anonymous_author_edits_their_comment(
    page, article, post_anonymously, find_comment, unique_text
):
    comment = post_anonymously(page, article.path, unique_text("Frist draft."))
    corrected = unique_text("First draft, corrected.")

    own_actions(comment).get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit your comment")).to_be_visible()
    page.get_by_label("Your comment").fill(corrected)
    page.get_by_role("button", name="Save changes").click()

    comment = find_comment(page, corrected)
    expect(comment).to_be_visible()
    expect(comment.locator(":scope > .comment-header .edited")).to_have_text("(edited)")
    expect(page.get_by_text("Frist draft.")).to_have_count(0)


def test_anonymous_author_deletes_their_comment(
    page, article, post_anonymously, find_comment, unique_text
):
    text = unique_text("I regret this.")
    comment = post_anonymously(page, article.path, text)
    thread_url = comment.locator(".permalink").get_attribute("href")

    own_actions(comment).get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete comment").click()

    expect(page.locator(".messages")).to_have_text("Your comment is deleted.")
    page.goto(article.newest_first)
    expect(find_comment(page, text)).to_have_count(0)
    expect(page.get_by_text(text)).to_have_count(0)
    response = page.goto(thread_url)
    assert response.status == 404


def test_deleted_comment_with_a_reply_shows_deleted_and_keeps_the_reply(
    page, article, post_anonymously, find_comment, unique_text
):
    parent_text = unique_text("A question I will take back.")
    reply_text = unique_text("An answer worth keeping.")
    parent = post_anonymously(page, article.path, parent_text, name="Marta")
    parent_id = comment_id(parent)
    own_actions(parent).get_by_role("link", name="Reply").click()
    parent.get_by_label("Your comment").fill(reply_text)
    parent.get_by_role("button", name="Post anonymously").click()
    expect(find_comment(page, reply_text)).to_be_visible()

    own_actions(find_comment(page, parent_text)).get_by_role(
        "link", name="Delete"
    ).click()
    page.get_by_role("button", name="Delete comment").click()

    page.goto(f"/comments/{parent_id}/")
    deleted = page.locator(f"article#c{parent_id}")
    expect(deleted.locator(":scope > .deleted-note")).to_have_text("[deleted]")
    expect(deleted.locator(":scope > .comment-header .author")).to_have_text(
        "[deleted]"
    )
    expect(deleted).not_to_contain_text(parent_text)
    expect(deleted).not_to_contain_text("Marta")
    expect(deleted.locator(":scope > .replies")).to_contain_text(reply_text)


def test_other_visitors_cannot_edit_or_delete_a_comment(
    page, article, post_anonymously, new_context, unique_text, find_comment
):
    text = unique_text("Mine, not yours.")
    comment = post_anonymously(page, article.path, text)
    number = comment_id(comment)

    mallory = new_context().new_page()
    mallory.goto(f"/comments/{number}/")

    actions = own_actions(find_comment(mallory, text))
    expect(actions.get_by_role("link", name="Reply")).to_be_visible()
    expect(actions.get_by_role("link", name="Edit")).to_have_count(0)
    expect(actions.get_by_role("link", name="Delete")).to_have_count(0)
    assert mallory.goto(f"/comments/{number}/edit/").status == 403
    assert mallory.goto(f"/comments/{number}/delete/").status == 403


def test_manage_link_lets_the_author_edit_from_another_device(
    page, article, post_anonymously, new_context, unique_text, find_comment
):
    post_anonymously(page, article.path, unique_text("Typed on my phone."))
    manage_link = page.locator(".messages").get_by_role("link").get_attribute("href")
    corrected = unique_text("Corrected on my laptop.")

    laptop = new_context().new_page()
    laptop.goto(manage_link)

    # The token moves into a cookie; the address bar no longer shows it.
    expect(laptop).to_have_url(re.compile(r"/comments/\d+/#c\d+$"))
    own_actions(laptop.locator("article.comment").first).get_by_role(
        "link", name="Edit"
    ).click()
    laptop.get_by_label("Your comment").fill(corrected)
    laptop.get_by_role("button", name="Save changes").click()

    comment = find_comment(laptop, corrected)
    expect(comment.locator(":scope > .comment-header .edited")).to_be_visible()


def test_manage_link_lets_the_author_delete_from_another_device(
    page, article, post_anonymously, new_context, unique_text, find_comment
):
    text = unique_text("Posted from a library computer.")
    post_anonymously(page, article.path, text)
    manage_link = page.locator(".messages").get_by_role("link").get_attribute("href")

    laptop = new_context().new_page()
    laptop.goto(manage_link)
    own_actions(find_comment(laptop, text)).get_by_role("link", name="Delete").click()
    laptop.get_by_role("button", name="Delete comment").click()

    expect(laptop.locator(".messages")).to_have_text("Your comment is deleted.")
    page.goto(article.newest_first)
    expect(find_comment(page, text)).to_have_count(0)


def test_manage_link_with_a_wrong_token_is_refused(
    page, article, post_anonymously, new_context, unique_text
):
    comment = post_anonymously(page, article.path, unique_text("Guarded."))

    mallory = new_context().new_page()
    response = mallory.goto(f"/comments/{comment_id(comment)}/manage/not-the-token/")

    assert response.status == 404
    expect(mallory.get_by_text("This manage link is not valid")).to_be_visible()


def test_over_long_comment_is_refused_and_the_text_kept(page, article, unique_text):
    text = unique_text("Long story.")
    text += "x" * (10_001 - len(text))
    page.goto(article.path)

    page.get_by_label("Your comment").fill(text)
    expect(page.locator("#comment-form .counter")).to_have_text("-1 characters left")
    page.get_by_role("button", name="Post anonymously").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Comments can be at most 10000 characters; yours has 10001."
    )
    expect(page.get_by_label("Your comment")).to_have_value(text)
    page.goto(article.newest_first)
    expect(page.get_by_text(text[:30])).to_have_count(0)
