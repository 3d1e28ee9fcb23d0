"""A real Chromium against a real ``talkpage serve``.

The server runs as its own process with production settings (not the test
settings the rest of the suite uses), an empty data directory and its own
SQLite database. Nothing here touches the Django test database: tests talk
to the server only over HTTP, as a person would. The database is shared by
the whole session, so every test invents its own people and comment texts.

Without /usr/bin/chromium the browser tests are skipped; set
TALKPAGE_REQUIRE_BROWSER=1 (CI) to make that an error instead.
"""

import email
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import policy
from pathlib import Path
from urllib.parse import quote

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    expect,
    sync_playwright,
)

SERVER_START_TIMEOUT = 30
# The rate limits real visitors get would stop a test suite that posts from
# one address dozens of times a minute.
GENEROUS_RATE_LIMITS = {
    "TALKPAGE_RATE_COMMENT": "1000/m",
    "TALKPAGE_RATE_COMMENT_EDIT": "1000/m",
    "TALKPAGE_RATE_LOGIN_NETWORK": "1000/m",
    "TALKPAGE_RATE_REGISTER": "1000/h",
    "TALKPAGE_RATE_PASSWORD_RESET_NETWORK": "1000/h",
    "TALKPAGE_RATE_PASSWORD_RESET_ADDRESS": "1000/h",
    "TALKPAGE_RATE_REPORT": "1000/h",
    # A test fills a form in milliseconds; people take seconds, which the
    # server requires by default.
    "TALKPAGE_MIN_SECONDS_TO_POST": "0",
    # Reply emails go at once instead of waiting for more replies to join.
    "TALKPAGE_NOTIFICATION_DELAY_SECONDS": "0",
    "TALKPAGE_RATE_FOLLOW": "1000/h",
}
RESET_LINK = re.compile(r"http://127\.0\.0\.1:\d+/accounts/reset/[^/\s]+/[^/\s]+/")


def browser_required() -> bool:
    return os.environ.get("TALKPAGE_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not CHROMIUM.exists() and not browser_required():
        skip = pytest.mark.skip(
            reason=f"browser tests need Chromium at {CHROMIUM} "
            "(set TALKPAGE_REQUIRE_BROWSER=1 to fail instead of skipping)"
        )
        for item in browser_items:
            item.add_marker(skip)
    # Playwright's sync API keeps an asyncio loop running in the main thread
    # for as long as the session-wide browser lives, and Django refuses
    # database queries while a loop runs. Browser tests therefore go last,
    # so no database test ever runs after the browser has started.
    others = [item for item in items if not item.get_closest_marker("browser")]
    items[:] = others + browser_items


# --- The server -----------------------------------------------------------


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path

    @property
    def outbox(self) -> Path:
        return self.data_dir / "outbox"


def free_port() -> int:
    # The port could be taken between closing this socket and the server
    # binding it; on a test machine that race is rare enough to accept.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(*, data_dir: Path, url: str) -> dict[str, str]:
    # Start from a clean slate of TALKPAGE_* variables: the test settings put
    # their own TALKPAGE_DATA_DIR into os.environ, and a developer's shell may
    # carry a mail URL or database URL that must not leak into this server.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TALKPAGE_")
    }
    # Tests run with talkpage.config.test_settings; the server must use the
    # production settings that `talkpage` picks when nothing else is set.
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(GENEROUS_RATE_LIMITS)
    env["TALKPAGE_DATA_DIR"] = str(data_dir)
    env["TALKPAGE_BASE_URL"] = url
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_until_serving(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"talkpage serve exited with {process.returncode} before "
                f"answering:\n{log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"talkpage serve did not answer {url} within {SERVER_START_TIMEOUT} s:\n"
        f"{log.read_text(errors='replace')}"
    )


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("talkpage-browser")
    data_dir = root / "data"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    talkpage = Path(sys.executable).parent / "talkpage"
    log = root / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [str(talkpage), "serve", "--host", "127.0.0.1", "--port", str(port)]
            + ["--workers", "1"],
            env=server_env(data_dir=data_dir, url=url),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_until_serving(process, url + "/", log)
        yield Server(url=url, data_dir=data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The browser ----------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"TALKPAGE_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(
    browser: Browser, server: Server
) -> Iterator[Callable[..., BrowserContext]]:
    """Opens a fresh browser context (another device: no cookies)."""
    opened: list[BrowserContext] = []

    def open_context(**options) -> BrowserContext:
        context = browser.new_context(base_url=server.url, **options)
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def context(new_context) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def no_js_context(new_context) -> BrowserContext:
    return new_context(java_script_enabled=False)


@pytest.fixture
def no_js_page(no_js_context: BrowserContext) -> Page:
    return no_js_context.new_page()


# --- Content and people ---------------------------------------------------


@dataclass(frozen=True)
class DemoArticle:
    path: str
    title: str

    @property
    def newest_first(self) -> str:
        # Earlier tests leave comments behind; the newest-first listing keeps
        # a test's own comments on the first page.
        return self.path + "?sort=newest"


@pytest.fixture
def demo_article() -> DemoArticle:
    """The demo's main article, kept tidy for reading and the screenshot."""
    return DemoArticle(
        "/articles/fibromyalgia-and-magnesium/",
        "What is the connection between fibromyalgia and magnesium?",
    )


@pytest.fixture
def article() -> DemoArticle:
    """Another demo article, where the posting tests leave their comments."""
    return DemoArticle(
        "/articles/why-do-knuckles-crack/",
        "Why do knuckles crack when you pull them?",
    )


@dataclass(frozen=True)
class Person:
    username: str
    email: str
    password: str


PASSWORD = "violet harbour lantern 42"


def make_person(name: str) -> Person:
    username = f"{name}-{uuid.uuid4().hex[:8]}"
    return Person(username, f"{username}@example.org", PASSWORD)


@pytest.fixture
def alice() -> Person:
    """A reader who will register; not yet known to the server."""
    return make_person("alice")


@pytest.fixture
def bob() -> Person:
    return make_person("bob")


@pytest.fixture(scope="session")
def moderator(server: Server) -> Person:
    """A superuser on the server, made as the README says: with
    ``talkpage manage createsuperuser`` against the server's data."""
    person = make_person("moderator")
    env = server_env(data_dir=server.data_dir, url=server.url)
    env["DJANGO_SUPERUSER_PASSWORD"] = person.password
    talkpage = Path(sys.executable).parent / "talkpage"
    subprocess.run(
        [str(talkpage), "manage", "createsuperuser", "--noinput"]
        + ["--username", person.username, "--email", person.email],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return person


@pytest.fixture
def person_named() -> Callable[[str], Person]:
    """A person with exactly this username, for pages people look at (the
    screenshot). Each name can register once per session."""

    def person(username: str) -> Person:
        return Person(username, f"{username}@example.org", PASSWORD)

    return person


@pytest.fixture
def register() -> Callable[..., None]:
    """Registers a person through the form and checks they are signed in."""

    def register_person(page: Page, person: Person, *, next_path: str = "/") -> None:
        page.goto(f"/accounts/register/?next={quote(next_path)}")
        page.get_by_label("Username").fill(person.username)
        page.get_by_label("Email").fill(person.email)
        page.get_by_label("Password", exact=True).fill(person.password)
        page.get_by_label("Confirm password").fill(person.password)
        page.get_by_role("button", name="Create account").click()
        expect(page.locator(".signed-in-as")).to_have_text(
            f"Signed in as {person.username}"
        )

    return register_person


@pytest.fixture
def registered_alice(alice: Person, register, new_context) -> Person:
    """alice with an account, registered on a device of her own."""
    register(new_context().new_page(), alice)
    return alice


@pytest.fixture
def sign_in() -> Callable[..., None]:
    def sign_in_person(page: Page, login: str, password: str) -> None:
        if "/accounts/login/" not in page.url:
            page.goto("/accounts/login/")
        page.get_by_label("Username or email").fill(login)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()

    return sign_in_person


@pytest.fixture
def unique_text() -> Callable[[str], str]:
    """Comment text no other test has posted, so locators find only ours."""

    def make_text(words: str) -> str:
        return f"{words} ({uuid.uuid4().hex[:8]})"

    return make_text


# --- Mail -----------------------------------------------------------------


@pytest.fixture
def read_reset_link(server: Server) -> Callable[[str], str]:
    """The password-reset link in the newest message to an address."""

    def newest_reset_link(recipient: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            link = _newest_reset_link(server.outbox, recipient)
            if link:
                return link
            time.sleep(0.1)
        pytest.fail(f"no password-reset mail to {recipient} in {server.outbox}")

    return newest_reset_link


def _newest_reset_link(outbox: Path, recipient: str) -> str | None:
    if not outbox.is_dir():
        return None
    messages = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    for path in reversed(messages):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if recipient not in str(message["To"] or ""):
            continue
        body = message.get_body(preferencelist=("plain",))
        # A file caught half-written has no body yet; the next poll reads it.
        match = RESET_LINK.search(body.get_content()) if body else None
        return match.group(0) if match else None
    return None


@pytest.fixture
def read_link(server: Server) -> Callable[..., str]:
    """The first link containing ``path`` in the newest message to an
    address that has one (waiting for the background worker to send it)."""

    def newest_link(recipient: str, path: str, timeout: float = 15) -> str:
        pattern = re.compile(rf"http://127\.0\.0\.1:\d+{re.escape(path)}\S+")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(_messages_to(server.outbox, recipient)):
                body = message.get_body(preferencelist=("plain",))
                match = pattern.search(body.get_content()) if body else None
                if match:
                    return match.group(0)
            time.sleep(0.2)
        pytest.fail(f"no mail to {recipient} with a {path} link in {server.outbox}")

    return newest_link


def _messages_to(outbox: Path, recipient: str) -> list:
    if not outbox.is_dir():
        return []
    paths = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in paths
    ]
    return [m for m in messages if recipient in str(m["To"] or "")]


# --- Finding things on a page ---------------------------------------------


@pytest.fixture
def find_comment() -> Callable[[Page, str], Locator]:
    """The comment whose own text (not a reply's) contains ``text``."""

    def comment_containing(page: Page, text: str) -> Locator:
        body = page.locator("article.comment > .comment-body", has_text=text)
        return body.locator("xpath=..")

    return comment_containing


@pytest.fixture
def post_anonymously(find_comment) -> Callable[..., Locator]:
    """Posts a top-level comment as a visitor and returns it as shown."""

    def post(page: Page, path: str, text: str, *, name: str = "") -> Locator:
        page.goto(path)
        page.get_by_label("Your comment").fill(text)
        if name:
            page.get_by_label("Name (optional)").fill(name)
        page.get_by_role("button", name="Post anonymously").click()
        comment = find_comment(page, text)
        expect(comment).to_be_visible()
        return comment

    return post
