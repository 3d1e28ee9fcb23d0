"""The embed widget and count.js on a blog on another site, in a Chromium
that blocks third-party cookies.

The blog (tests/browser/embed_host.py) serves plain HTML from
http://localhost:<port> with the two lines of the README; Talkpage runs at
http://127.0.0.1:<port>, another site. Everything the widget does must work
without Talkpage's cookies: it talks to the JSON API with CORS, keeps
anonymous edit tokens in the blog's localStorage and a signed-in reader's
bearer token in its sessionStorage.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS
from embed_host import HostSite, article_page, list_page, serve_host
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

pytestmark = pytest.mark.browser

# Chromium's CookieControlsMode preference: 0 allows third-party cookies,
# 1 blocks them (Settings › Third-party cookies › Block).
ALLOW_THIRD_PARTY_COOKIES = 0
BLOCK_THIRD_PARTY_COOKIES = 1
COMMENTS_PER_PAGE = 50  # the server's default TALKPAGE_COMMENTS_PER_PAGE


@dataclass(frozen=True)
class EmbeddingSite:
    key: str
    sso_secret: str


# --- The blog and its registration ------------------------------------------


def manage_env(server) -> dict[str, str]:
    # As conftest's server_env: the server's data, production settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALKPAGE_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["TALKPAGE_DATA_DIR"] = str(server.data_dir)
    env["TALKPAGE_BASE_URL"] = server.url
    return env


@pytest.fixture(scope="module")
def blog() -> Iterator[HostSite]:
    with serve_host() as host:
        yield host


@pytest.fixture(scope="module")
def blog_site(server, blog: HostSite) -> EmbeddingSite:
    """The blog registered as the README says, with `talkpage manage addsite`."""
    talkpage = Path(sys.executable).parent / "talkpage"
    done = subprocess.run(
        [str(talkpage), "manage", "addsite", "Blog", "--origin", blog.url],
        env=manage_env(server),
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    key = re.search(r"^Site key: (\S+)$", done.stdout, re.MULTILINE)
    secret = re.search(r"^SSO secret: (\S+)$", done.stdout, re.MULTILINE)
    assert key and secret, done.stdout
    return EmbeddingSite(key.group(1), secret.group(1))


@pytest.fixture
def blog_post(server, blog: HostSite, blog_site: EmbeddingSite) -> Callable[..., str]:
    """A new post on the blog that nobody has commented on; returns its URL."""

    def new_post(title: str = "Notes from the allotment", **options) -> str:
        path = f"/posts/{uuid.uuid4().hex[:12]}/"
        page = article_page(
            talkpage_url=server.url, site_key=blog_site.key, title=title, **options
        )
        return blog.add(path, page)

    return new_post


def api_comment(server, site: EmbeddingSite, page_url: str, text: str, **fields):
    """Someone else comments on a page through the API, as another device."""
    query = urlencode({"site": site.key, "url": page_url})
    request = urllib.request.Request(  # noqa: S310 (our own http server)
        f"{server.url}/api/v1/threads?{query}",
        data=json.dumps({"text": text, **fields}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.load(response)["comment"]


# --- A browser that blocks third-party cookies -------------------------------


def launch(browser: Browser, profile: Path, cookie_mode: int) -> BrowserContext:
    (profile / "Default").mkdir(parents=True)
    preferences = {
        "profile": {
            "cookie_controls_mode": cookie_mode,
            "block_third_party_cookies": cookie_mode == BLOCK_THIRD_PARTY_COOKIES,
        }
    }
    (profile / "Default" / "Preferences").write_text(json.dumps(preferences))
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(scope="module")
def strict_browser(browser, tmp_path_factory) -> Iterator[BrowserContext]:
    context = launch(
        browser, tmp_path_factory.mktemp("strict-profile"), BLOCK_THIRD_PARTY_COOKIES
    )
    yield context
    context.close()


@pytest.fixture
def tab(strict_browser: BrowserContext) -> Iterator[Page]:
    page = strict_browser.new_page()
    yield page
    page.close()


def third_party_cookie_sticks(context: BrowserContext, blog: HostSite) -> bool:
    """Whether a frame from another site can keep a cookie on a page."""
    blog.add("/cookie-probe/frame/", "<!doctype html><title>Frame</title>")
    top = blog.add(
        "/cookie-probe/",
        f'<!doctype html><iframe src="{blog.url}/cookie-probe/frame/"></iframe>',
    )
    page = context.new_page()
    try:
        # The top page is on 127.0.0.1, the frame on localhost: two sites.
        page.goto(top.replace(blog.url, blog.cross_site_url))
        frame = page.locator("iframe").element_handle().content_frame()
        frame.wait_for_load_state()
        value = frame.evaluate(
            "() => { document.cookie = 'probe=1; SameSite=None; Secure';"
            " return document.cookie; }"
        )
        return "probe=1" in value
    finally:
        page.close()


def test_the_embed_browser_blocks_third_party_cookies(strict_browser, blog):
    assert not third_party_cookie_sticks(strict_browser, blog)


def test_the_cookie_probe_sees_third_party_cookies_where_allowed(
    browser, blog, tmp_path
):
    # Without this the test above could pass for a reason of its own.
    context = launch(browser, tmp_path / "lax-profile", ALLOW_THIRD_PARTY_COOKIES)
    try:
        assert third_party_cookie_sticks(context, blog)
    finally:
        context.close()


# --- Finding things in the widget --------------------------------------------


def widget(page: Page) -> Locator:
    return page.locator("#talkpage.talkpage")


def main_form(page: Page) -> Locator:
    # The main form is found by its heading: it carries no accessible name
    # of its own, so that the label "Your comment" names only its text box.
    return page.locator("form.tp-form").filter(
        has=page.get_by_role("heading", name="Post your comments")
    )


def comment(page: Page, text: str) -> Locator:
    """The comment whose own text contains ``text``."""
    return page.locator("article.tp-c > .tp-body", has_text=text).locator("xpath=..")


def comment_id(item: Locator) -> int:
    return int(item.get_attribute("id").removeprefix("tp-c"))


def post_anonymously(page: Page, url: str, text: str, *, name: str = "") -> Locator:
    page.goto(url)
    form = main_form(page)
    form.get_by_label("Your comment").fill(text)
    if name:
        form.get_by_label("Name (optional)").fill(name)
    form.get_by_role("button", name="Post anonymously").click()
    posted = comment(page, text)
    expect(posted).to_be_visible()
    return posted


# --- Reading and posting ------------------------------------------------------


def test_widget_renders_an_empty_thread_into_the_host_page(tab, blog_post):
    tab.goto(blog_post())

    root = widget(tab)
    expect(root.get_by_role("heading", name="Comments", exact=True)).to_be_visible()
    expect(root.get_by_text("No comments yet.")).to_be_visible()
    expect(main_form(tab).get_by_label("Your comment")).to_be_visible()
    expect(main_form(tab).get_by_label("Name (optional)")).to_be_visible()
    expect(root.get_by_role("button", name="Sign in")).to_be_visible()
    # In the page's own DOM (search engines see it), not in a frame.
    assert len(tab.frames) == 1


def test_widget_shows_what_others_wrote(tab, server, blog_site, blog_post, unique_text):
    url = blog_post()
    text = unique_text("Rhubarb likes a cold winter.")
    api_comment(server, blog_site, url, text, name="Priya")

    tab.goto(url)

    shown = comment(tab, text)
    expect(shown).to_be_visible()
    expect(shown.locator(".tp-author")).to_have_text("Priya")
    expect(shown.get_by_role("button", name="Edit")).to_have_count(0)
    expect(widget(tab).get_by_text("No comments yet.")).to_be_hidden()


def test_visitor_posts_anonymously_and_focus_moves_to_the_comment(
    tab, blog_post, unique_text
):
    text = unique_text("My beans came up in a week.")

    posted = post_anonymously(tab, blog_post(), text, name="Marta")

    expect(posted).to_be_focused()
    expect(posted.locator(".tp-author")).to_have_text("Marta")
    expect(posted.get_by_role("button", name="Edit")).to_be_visible()
    expect(posted.get_by_role("button", name="Delete")).to_be_visible()
    expect(main_form(tab).get_by_label("Your comment")).to_have_value("")


def test_visitor_edits_after_a_reload_with_the_token_kept_by_the_blog(
    tab, blog_post, unique_text
):
    url = blog_post()
    text = unique_text("Sow carrots thinly.")
    post_anonymously(tab, url, text)
    edited = unique_text("Sow carrots thinly, and thin them early.")

    # A new page load: only the token in the blog's localStorage is left.
    tab.reload()
    comment(tab, text).get_by_role("button", name="Edit").click()
    editor = widget(tab).get_by_role("form", name="Edit")
    editor.get_by_label("Your comment").fill(edited)
    editor.get_by_role("button", name="Save").click()

    expect(comment(tab, edited)).to_be_focused()
    expect(comment(tab, edited).locator(".tp-meta")).to_contain_text("edited")
    tab.reload()
    expect(comment(tab, edited)).to_be_visible()
    expect(comment(tab, text)).to_have_count(0)


def test_visitor_deletes_own_comment_with_the_kept_token(tab, blog_post, unique_text):
    url = blog_post()
    text = unique_text("Slugs ate my lettuce.")
    post_anonymously(tab, url, text)

    tab.reload()
    comment(tab, text).get_by_role("button", name="Delete").click()
    widget(tab).get_by_role("group", name="Delete this comment?").get_by_role(
        "button", name="Delete"
    ).click()

    expect(comment(tab, text)).to_have_count(0)
    tab.reload()
    expect(widget(tab).get_by_text("No comments yet.")).to_be_visible()


def test_visitor_cannot_edit_what_someone_else_wrote(
    tab, server, blog_site, blog_post, unique_text
):
    url = blog_post()
    text = unique_text("Plant garlic in autumn.")
    api_comment(server, blog_site, url, text)

    tab.goto(url)

    expect(comment(tab, text).get_by_role("button", name="Edit")).to_have_count(0)
    expect(comment(tab, text).get_by_role("button", name="Delete")).to_have_count(0)


def test_visitor_replies_under_a_comment(
    tab, server, blog_site, blog_post, unique_text
):
    url = blog_post()
    question = unique_text("When do I pick courgettes?")
    api_comment(server, blog_site, url, question, name="Ole")
    answer = unique_text("Small, about 15 cm.")

    tab.goto(url)
    asked = comment(tab, question)
    asked.get_by_role("button", name="Reply").click()
    form = tab.get_by_role("form", name="Reply to Ole")
    expect(form.get_by_label("Your comment")).to_be_focused()
    form.get_by_label("Your comment").fill(answer)
    form.get_by_role("button", name="Post anonymously").click()

    replies = tab.locator(f"#tp-c{comment_id(asked)} + ol.tp-replies")
    expect(replies.locator("article.tp-c")).to_have_count(1)
    expect(comment(tab, answer)).to_be_focused()
    expect(form).to_have_count(0)
    tab.reload()
    expect(replies).to_contain_text(answer)


def thread_slug(server, site: EmbeddingSite, page_url: str) -> str:
    query = urlencode({"site": site.key, "url": page_url})
    url = f"{server.url}/api/v1/threads?{query}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return json.load(response)["article"]["slug"]


def test_held_comment_is_shown_to_its_author_as_awaiting_moderation(
    tab, server, blog_site, blog_post, unique_text, moderator, new_context, sign_in
):
    url = blog_post()
    first = unique_text("The thread starts here.")
    api_comment(server, blog_site, url, first)
    # Only this page's thread holds visitors' comments: no other test sees it.
    desk = new_context().new_page()
    sign_in(desk, moderator.username, moderator.password)
    desk.goto(f"/articles/{thread_slug(server, blog_site, url)}/")
    desk.get_by_label("Moderation policy for this article").select_option(
        "hold-anonymous"
    )
    desk.get_by_role("button", name="Save", exact=True).click()
    expect(desk.locator(".messages")).to_contain_text("policy is changed")
    text = unique_text("Is it too late to sow peas?")

    held = post_anonymously(tab, url, text)

    expect(held).to_be_focused()
    expect(held.locator(".tp-meta")).to_contain_text("Awaiting moderation")
    expect(held.get_by_role("button", name="Edit")).to_be_visible()
    expect(held.get_by_role("button", name="Reply")).to_have_count(0)
    reader = new_context().new_page()
    reader.goto(url)
    expect(comment(reader, first)).to_be_visible()
    expect(comment(reader, text)).to_have_count(0)


# --- Votes, reports, sorting, more --------------------------------------------


def test_visitor_votes_on_someone_elses_comment(
    tab, server, blog_site, blog_post, unique_text
):
    url = blog_post()
    text = unique_text("Comfrey makes good fertiliser.")
    api_comment(server, blog_site, url, text)

    tab.goto(url)
    upvote = comment(tab, text).get_by_role("button", name=re.compile("^Upvote"))
    expect(upvote).to_have_attribute("aria-pressed", "false")
    upvote.click()

    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(upvote).to_have_accessible_name("Upvote 1")
    # The blog keeps the visitor's voter id: the vote is theirs after a reload.
    tab.reload()
    expect(upvote).to_have_attribute("aria-pressed", "true")
    upvote.click()
    expect(upvote).to_have_attribute("aria-pressed", "false")
    expect(upvote).to_have_accessible_name("Upvote 0")


def test_visitor_cannot_vote_on_own_comment(tab, blog_post, unique_text):
    posted = post_anonymously(tab, blog_post(), unique_text("I grow tomatoes."))

    expect(posted.get_by_role("button", name=re.compile("^Upvote"))).to_be_disabled()


def test_visitor_reports_a_comment(tab, server, blog_site, blog_post, unique_text):
    url = blog_post()
    text = unique_text("Buy cheap seeds at my shop!")
    api_comment(server, blog_site, url, text)

    tab.goto(url)
    comment(tab, text).get_by_role("button", name="Report").click()
    form = widget(tab).get_by_role("form", name="Report")
    expect(form.get_by_label("Reason")).to_be_focused()
    form.get_by_label("Reason").select_option(label="Spam")
    form.get_by_role("button", name="Send report").click()

    expect(comment(tab, text).get_by_role("status")).to_have_text(
        "Thank you. A moderator will look at it."
    )


def test_visitor_sorts_newest_first(tab, server, blog_site, blog_post, unique_text):
    url = blog_post()
    texts = [unique_text(f"Entry {n}") for n in ("one", "two", "three")]
    for text in texts:
        api_comment(server, blog_site, url, text)

    tab.goto(url)
    bodies = widget(tab).locator("ol.tp-list > li > article > .tp-body")
    expect(bodies.first).to_have_text(texts[0])
    newest = widget(tab).get_by_role("button", name="Newest")
    newest.click()

    expect(newest).to_have_attribute("aria-pressed", "true")
    expect(bodies.first).to_have_text(texts[2])
    expect(bodies.last).to_have_text(texts[0])
    widget(tab).get_by_role("button", name="Oldest").click()
    expect(bodies.first).to_have_text(texts[0])


def test_visitor_loads_more_comments(tab, server, blog_site, blog_post):
    url = blog_post()
    for n in range(COMMENTS_PER_PAGE + 1):
        api_comment(server, blog_site, url, f"Tip number {n} ({uuid.uuid4().hex[:6]})")

    tab.goto(url)
    items = widget(tab).locator("ol.tp-list > li")
    expect(items).to_have_count(COMMENTS_PER_PAGE)
    widget(tab).get_by_role("button", name="Load more").click()

    expect(items).to_have_count(COMMENTS_PER_PAGE + 1)
    expect(items.last.locator("article")).to_be_focused()
    expect(items.last).to_contain_text(f"Tip number {COMMENTS_PER_PAGE} ")
    expect(widget(tab).get_by_role("button", name="Load more")).to_be_hidden()


def test_widget_speaks_the_pages_language(tab, blog_post):
    tab.goto(blog_post(lang="de"))

    root = widget(tab)
    expect(root.get_by_role("heading", name="Kommentare", exact=True)).to_be_visible()
    expect(root.get_by_label("Ihr Kommentar")).to_be_visible()
    expect(root.get_by_role("button", name="Anonym posten")).to_be_visible()
    expect(root.get_by_role("button", name="Anmelden")).to_be_visible()


# --- Counts -------------------------------------------------------------------


def test_count_js_fills_every_link_with_one_request(
    tab, server, blog, blog_site, unique_text
):
    posts = [f"/posts/{uuid.uuid4().hex[:12]}/" for _ in range(3)]
    for post, count in zip(posts, (2, 1, 0), strict=True):
        for n in range(count):
            api_comment(server, blog_site, blog.url + post, unique_text(f"Nice {n}"))
    index = blog.add(
        f"/{uuid.uuid4().hex[:8]}/",
        list_page(talkpage_url=server.url, site_key=blog_site.key, links=posts),
    )
    requests = []
    tab.on("request", lambda r: "/threads/counts" in r.url and requests.append(r.url))

    tab.goto(index)

    links = tab.locator("[data-talkpage-count]")
    expect(links).to_have_text(["2 comments", "1 comment", "0 comments"])
    assert len(requests) == 1


def test_count_js_counts_in_the_pages_language(
    tab, server, blog, blog_site, unique_text
):
    post = f"/posts/{uuid.uuid4().hex[:12]}/"
    api_comment(server, blog_site, blog.url + post, unique_text("Schön"))
    index = blog.add(
        f"/{uuid.uuid4().hex[:8]}/",
        list_page(
            talkpage_url=server.url, site_key=blog_site.key, links=[post], lang="de"
        ),
    )

    tab.goto(index)

    expect(tab.locator("[data-talkpage-count]")).to_have_text("1 Kommentar")


# --- Signing in without third-party cookies ------------------------------------


def test_reader_signs_in_through_the_popup_and_posts(
    tab, server, blog_site, blog_post, registered_alice, unique_text
):
    url = blog_post()
    text = unique_text("Signed in, I can say more.")

    tab.goto(url)
    with tab.expect_popup() as opening:
        widget(tab).get_by_role("button", name="Sign in").click()
    popup = opening.value
    popup.get_by_label("Username or email").fill(registered_alice.username)
    popup.get_by_label("Password", exact=True).fill(registered_alice.password)
    popup.get_by_role("button", name="Sign in").click()

    expect(
        widget(tab).get_by_text(f"Signed in as {registered_alice.username}"),
        "The widget got no token from the popup. The popup can only post it "
        "while it keeps window.opener: every response it is shown (the sign-in "
        "page, the login page and the redirects between) needs "
        "Cross-Origin-Opener-Policy: unsafe-none.",
    ).to_be_visible()
    form = main_form(tab)
    expect(form.get_by_label("Name (optional)")).to_have_count(0)
    form.get_by_label("Your comment").fill(text)
    form.get_by_role("button", name="Post comment").click()
    posted = comment(tab, text)
    expect(posted.locator(".tp-author")).to_have_text(registered_alice.username)
    expect(posted).to_be_focused()
    # The token lives in this tab's sessionStorage: a reload stays signed in.
    tab.reload()
    expect(comment(tab, text).get_by_role("button", name="Edit")).to_be_visible()
    widget(tab).get_by_role("button", name="Sign out").click()
    expect(widget(tab).get_by_role("button", name="Sign in")).to_be_visible()
    expect(comment(tab, text).get_by_role("button", name="Edit")).to_have_count(0)


def sso_payload(site: EmbeddingSite, *, user_id: str, name: str) -> str:
    """What the blog's own server writes into its page (see embeds/sso.py)."""
    data = {"id": user_id, "name": name, "exp": int(time.time()) + 600}
    payload = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    signature = hmac.new(
        site.sso_secret.encode(), payload.encode(), hashlib.sha256
    ).hexdigest()
    return f"{payload}.{signature}"


def test_blog_member_is_signed_in_by_the_blogs_sso(
    tab, blog_site, blog_post, unique_text
):
    name = f"Dana {uuid.uuid4().hex[:6]}"
    payload = sso_payload(blog_site, user_id=uuid.uuid4().hex, name=name)
    text = unique_text("Posted as a member of the blog.")

    tab.goto(blog_post(attrs=f'data-talkpage-sso="{payload}"'))

    expect(widget(tab).get_by_text(f"Signed in as {name}")).to_be_visible()
    form = main_form(tab)
    form.get_by_label("Your comment").fill(text)
    form.get_by_role("button", name="Post comment").click()
    expect(comment(tab, text).locator(".tp-author")).to_have_text(name)
