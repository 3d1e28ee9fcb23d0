import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WRONG_LOGIN = "That username or email and password do not match."


def on_path(path: str) -> re.Pattern:
    """A URL matcher for ``path``, with any query string or fragment."""
    return re.compile(re.escape(path) + r"([?#].*)?$")


def test_register_signs_in_and_returns_to_the_article(page, alice, demo_article):
    page.goto(demo_article.path)
    page.get_by_role("navigation", name="Account").get_by_role(
        "link", name="Register"
    ).click()

    page.get_by_label("Username").fill(alice.username)
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password", exact=True).fill(alice.password)
    page.get_by_label("Confirm password").fill(alice.password)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(on_path(demo_article.path))
    expect(page.locator(".signed-in-as")).to_have_text(f"Signed in as {alice.username}")
    expect(page.locator(".messages")).to_contain_text(f"Welcome, {alice.username}!")
    expect(page.get_by_role("button", name="Post comment")).to_be_visible()


def test_sign_in_with_username_returns_to_the_article(
    page, registered_alice, demo_article
):
    page.goto(demo_article.path)
    page.get_by_role("navigation", name="Account").get_by_role(
        "link", name="Sign in"
    ).click()

    page.get_by_label("Username or email").fill(registered_alice.username)
    page.get_by_label("Password", exact=True).fill(registered_alice.password)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(on_path(demo_article.path))
    expect(page.locator(".signed-in-as")).to_have_text(
        f"Signed in as {registered_alice.username}"
    )


def test_sign_in_with_email(page, registered_alice, sign_in):
    sign_in(page, registered_alice.email.upper(), registered_alice.password)

    expect(page.locator(".signed-in-as")).to_have_text(
        f"Signed in as {registered_alice.username}"
    )


def test_sign_in_with_wrong_password_is_refused(page, registered_alice, sign_in):
    sign_in(page, registered_alice.username, "not her password at all")

    expect(page.get_by_role("alert")).to_have_text(WRONG_LOGIN)
    expect(page.locator(".signed-in-as")).to_have_count(0)


def test_sign_out(page, registered_alice, sign_in, demo_article):
    sign_in(page, registered_alice.username, registered_alice.password)
    page.goto(demo_article.path)

    page.get_by_role("button", name="Sign out").click()

    expect(page.locator(".signed-in-as")).to_have_count(0)
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(demo_article.path)
    expect(page.get_by_role("button", name="Post anonymously")).to_be_visible()


def request_reset_link(page, person, read_reset_link, demo_article) -> str:
    """From the article's comment form, ask for a link as a signed-out person."""
    page.goto(demo_article.path)
    page.locator("#comment-form").get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill(person.email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    return read_reset_link(person.email)


def set_new_password(page, link: str, password: str) -> None:
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Confirm new password").fill(password)
    page.get_by_role("button", name="Set password").click()
    expect(
        page.get_by_role("heading", name="This form has expired"),
        "the server refused the new password as a CSRF failure",
    ).to_have_count(0)
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()


def test_forgotten_password_can_be_reset_by_email(
    page, alice, register, sign_in, read_reset_link, demo_article
):
    register(page, alice, next_path=demo_article.path)
    page.get_by_role("button", name="Sign out").click()
    new_password = "quartz meadow kettle 77"

    link = request_reset_link(page, alice, read_reset_link, demo_article)
    set_new_password(page, link, new_password)

    # Setting the password signs this browser in.
    expect(page.locator(".signed-in-as")).to_have_text(f"Signed in as {alice.username}")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, alice.username, new_password)
    expect(page.locator(".signed-in-as")).to_have_text(f"Signed in as {alice.username}")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, alice.username, alice.password)
    expect(page.get_by_role("alert")).to_have_text(WRONG_LOGIN)
    expect(page.locator(".signed-in-as")).to_have_count(0)


def test_password_reset_link_works_only_once(
    page, registered_alice, read_reset_link, new_context, demo_article
):
    link = request_reset_link(page, registered_alice, read_reset_link, demo_article)
    set_new_password(page, link, "quartz meadow kettle 77")

    elsewhere = new_context().new_page()
    elsewhere.goto(link)

    expect(
        elsewhere.get_by_role("heading", name="This link no longer works")
    ).to_be_visible()
    expect(elsewhere.get_by_label("New password", exact=True)).to_have_count(0)
