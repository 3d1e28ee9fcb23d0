"""Two ``talkpage serve`` processes sharing one PostgreSQL database and one
Redis, as two machines behind a load balancer would.

Each server has a data directory of its own (as each machine does) and both
get the same ``TALKPAGE_SECRET_KEY``, ``TALKPAGE_BASE_URL``, database and
Redis: what docs/deploy.md says a deployment on several machines must share.
The test plays the load balancer: it sends each request to the server it
chooses, and names the client in ``X-Forwarded-For`` (the servers trust
127.0.0.1 as their proxy), so every person here has a network of their own
and one test's rate limits never touch another's.

Cookies are kept per person and, as in a browser, without regard to the
port, so a person's cookies from one server travel to the other.

This is the guard of every per-process shortcut (a read cache, an
in-memory session or counter): what one server wrote, the other shows on
the very next request.

It needs the services of ``make test-postgres`` and skips without them.
The servers get their own database (``talkpage_two_processes_<worker>``,
dropped and made again) and their own Redis database, both derived from
``TALKPAGE_DATABASE_URL`` and ``TALKPAGE_REDIS_URL``.
"""

import email.message
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DATABASE_URL = os.environ.get("TALKPAGE_DATABASE_URL", "")
REDIS_URL = os.environ.get("TALKPAGE_REDIS_URL", "")

pytestmark = pytest.mark.skipif(
    not (DATABASE_URL.startswith(("postgres://", "postgresql://")) and REDIS_URL),
    reason="needs PostgreSQL and Redis (TALKPAGE_DATABASE_URL=postgres://..., "
    "TALKPAGE_REDIS_URL): run make test-postgres",
)

TALKPAGE = Path(sys.executable).parent / "talkpage"
SERVER_START_TIMEOUT = 60
# The Redis databases of `make test-postgres` count down from 15 (one per
# test worker); these servers' count down from 11.
FIRST_REDIS_DB = 11
SERVER_SETTINGS = {
    # The rate-limit test posts a fourth comment.
    "TALKPAGE_RATE_COMMENT": "3/m",
    "TALKPAGE_RATE_COMMENT_EDIT": "1000/m",
    "TALKPAGE_RATE_LOGIN_NETWORK": "1000/m",
    "TALKPAGE_RATE_REGISTER": "1000/h",
    # A test fills a form in milliseconds; people take seconds.
    "TALKPAGE_MIN_SECONDS_TO_POST": "0",
    # The test is the proxy that says who the client is.
    "TALKPAGE_TRUSTED_PROXIES": "127.0.0.1",
    "PYTHONUNBUFFERED": "1",
}
PASSWORD = "violet harbour lantern 42"
KNUCKLES = "why-do-knuckles-crack"
HEADPHONES = "how-do-noise-cancelling-headphones-work"
VALIDATORS = {"ETag": "If-None-Match", "Last-Modified": "If-Modified-Since"}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_TOKEN_FIELD = re.compile(r'name="form_token" value="([^"]+)"')


# --- The servers ----------------------------------------------------------


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    data_dir: Path
    log: Path


@dataclass(frozen=True)
class Cluster:
    a: Server
    b: Server
    env: dict[str, str]


def worker_number() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:] or 0)


def free_port() -> int:
    # The port could be taken between closing this socket and the server
    # binding it; on a test machine that race is rare enough to accept.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_database() -> str:
    """A new, empty PostgreSQL database for the servers, on the server named
    by TALKPAGE_DATABASE_URL; returns its URL."""
    import psycopg

    name = f"talkpage_two_processes_{worker_number()}"
    parts = urllib.parse.urlsplit(DATABASE_URL)
    with psycopg.connect(
        parts._replace(path="/postgres").geturl(), autocommit=True
    ) as admin:
        # FORCE: a run that was killed may have left connections behind.
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


def drop_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    with psycopg.connect(
        parts._replace(path="/postgres").geturl(), autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{parts.path[1:]}" WITH (FORCE)')


def fresh_redis() -> str:
    """An emptied Redis database beside TALKPAGE_REDIS_URL's; returns its URL."""
    import redis

    parts = urllib.parse.urlsplit(REDIS_URL)
    url = parts._replace(path=f"/{FIRST_REDIS_DB - worker_number()}").geturl()
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url


def wait_until_serving(process: subprocess.Popen, server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"server {server.name} exited with {process.returncode}:\n"
                f"{server.log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(server.url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"server {server.name} did not answer within {SERVER_START_TIMEOUT} s:\n"
        f"{server.log.read_text(errors='replace')}"
    )


def stop(processes: list[subprocess.Popen]) -> None:
    """Stops servers and their worker processes (each its process group),
    all at once: each takes a few seconds to finish gracefully."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("two-processes")
    database_url = fresh_database()
    ports = {"A": free_port(), "B": free_port()}
    # Start from a clean slate of TALKPAGE_* variables, and production
    # settings rather than the test settings.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TALKPAGE_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(SERVER_SETTINGS)
    env.update(
        {
            "TALKPAGE_DATABASE_URL": database_url,
            "TALKPAGE_REDIS_URL": fresh_redis(),
            "TALKPAGE_SECRET_KEY": secrets.token_urlsafe(50),
            # The one public address both machines stand behind.
            "TALKPAGE_BASE_URL": f"http://127.0.0.1:{ports['A']}",
        }
    )
    processes: list[subprocess.Popen] = []
    servers: list[Server] = []
    try:
        # One after the other: a server applies migrations and loads the
        # demo when it starts, and two doing that at once on an empty
        # database collide (docs/deploy.md: migrate once, then start).
        for name, port in ports.items():
            server = Server(
                name,
                f"http://127.0.0.1:{port}",
                root / f"data-{name}",
                root / f"{name}.log",
            )
            with server.log.open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [str(TALKPAGE), "serve", "--host", "127.0.0.1"]
                        + ["--port", str(port), "--workers", "1"],
                        env={**env, "TALKPAGE_DATA_DIR": str(server.data_dir)},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
            wait_until_serving(processes[-1], server)
            servers.append(server)
        yield Cluster(a=servers[0], b=servers[1], env=env)
    finally:
        stop(processes)
        drop_database(database_url)


def make_superuser(cluster: Cluster, username: str) -> None:
    """As the README says, with ``talkpage manage createsuperuser``."""
    subprocess.run(
        [str(TALKPAGE), "manage", "createsuperuser", "--noinput"]
        + ["--username", username, "--email", f"{username}@example.org"],
        env={
            **cluster.env,
            "TALKPAGE_DATA_DIR": str(cluster.a.data_dir),
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        },
        check=True,
        capture_output=True,
        timeout=60,
    )


# --- People ---------------------------------------------------------------


@dataclass
class Response:
    status: int
    # Case-insensitive, as HTTP header names are (granian sends them in
    # lower case).
    headers: email.message.Message
    text: str

    def json(self):
        return json.loads(self.text)


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Person:
    """One device: its own cookies, and its own address, which the test (as
    the proxy) reports in X-Forwarded-For. Rate limits count per /24, so
    each person here gets a /24 of their own.

    Like a browser, it keeps what it read and revalidates it with
    If-None-Match and If-Modified-Since (a 304 means "still current"). It
    keeps one copy per path whichever server answered, as a browser does
    for the one public address in front of both.
    """

    def __init__(self, address: str):
        self.address = address
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _KeepRedirects
        )
        self.kept: dict[str, Response] = {}

    def request(
        self,
        server: Server,
        method: str,
        path: str,
        *,
        form: dict | None = None,
        body: dict | None = None,
        headers: dict | None = None,
    ) -> Response:
        data = None
        sent = {"X-Forwarded-For": self.address, **(headers or {})}
        kept = self.kept.get(path) if method == "GET" else None
        if kept is not None:
            for validator, condition in VALIDATORS.items():
                if kept.headers.get(validator):
                    sent[condition] = kept.headers[validator]
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(
            server.url + path, data=data, method=method, headers=sent
        )
        try:
            with self.opener.open(request, timeout=20) as answer:
                response = Response(
                    answer.status, answer.headers, answer.read().decode()
                )
        except urllib.error.HTTPError as error:
            response = Response(error.code, error.headers, error.read().decode())
        if response.status == 304 and kept is not None:
            return Response(304, kept.headers, kept.text)
        if method == "GET" and response.status == 200:
            self.kept[path] = response
        return response

    def get(self, server: Server, path: str, **kwargs) -> Response:
        return self.request(server, "GET", path, **kwargs)

    def post(self, server: Server, path: str, form: dict) -> Response:
        return self.request(server, "POST", path, form=form)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def post_comment_form(
        self, *, shown_by: Server, sent_to: Server, slug: str, text: str
    ):
        """Fills in the comment form one server showed and sends it to the
        other, as a load balancer may."""
        # A fresh copy (a reload), so the form carries a new form token.
        self.kept.pop(f"/articles/{slug}/", None)
        page = self.get(shown_by, f"/articles/{slug}/")
        assert page.status == 200
        form = {
            "text": text,
            "name": "",
            "website": "",
            "form_token": FORM_TOKEN_FIELD.search(page.text).group(1),
        }
        csrf = CSRF_FIELD.search(page.text)
        if csrf:
            form["csrfmiddlewaretoken"] = csrf.group(1)
        return self.post(sent_to, f"/articles/{slug}/comments/", form)

    def submit(self, server: Server, form_page: str, action: str, form: dict):
        """GETs a page with a form and POSTs to ``action`` with its CSRF token."""
        page = self.get(server, form_page)
        assert page.status == 200, page.text[:500]
        token = CSRF_FIELD.search(page.text).group(1)
        return self.post(server, action, {**form, "csrfmiddlewaretoken": token})

    def sign_in(self, server: Server, login: str) -> Response:
        return self.submit(
            server,
            "/accounts/login/",
            "/accounts/login/",
            {"username": login, "password": PASSWORD, "next": "/"},
        )


def unique(words: str) -> str:
    return f"{words} {uuid.uuid4().hex[:12]}"


def comment_id(response: Response) -> int:
    """The id in the anchor a posted comment's redirect points to."""
    assert response.status == 302, response.text[:1000]
    return int(re.search(r"#c(\d+)$", response.headers["Location"]).group(1))


@dataclass
class Seen:
    """One article's discussion as a server shows it to one reader."""

    page: str
    api: str
    count: int

    def shows(self, text: str) -> bool:
        return text in self.page and text in self.api


def seen_by(person: Person, server: Server, slug: str) -> Seen:
    page = person.get(server, f"/articles/{slug}/")
    api = person.get(server, f"/api/v1/articles/{slug}/comments")
    counts = person.get(server, f"/api/v1/counts?slug={slug}")
    assert {page.status, api.status, counts.status} <= {200, 304}
    return Seen(page.text, api.text, counts.json()["counts"][slug])


# --- Tests ----------------------------------------------------------------


def test_it_shows_each_change_made_on_one_server_on_the_other_at_once(cluster):
    a, b = cluster.a, cluster.b
    charlie = Person("10.1.0.1")  # only reads
    alice = Person("10.2.0.1")  # posts with the form, without an account
    bob = Person("10.3.0.1")  # posts through the API, without an account
    dana = Person("10.4.0.1")  # a moderator
    make_superuser(cluster, "dana")
    first, bobs, edited = (
        unique("Alice posted this on A"),
        unique("Bob posted this on B"),
        unique("Alice changed her words on A"),
    )

    # Each step reads on both servers first, so that whatever a server keeps
    # (a rendered thread, a count) is the state before the change.
    before = seen_by(charlie, b, KNUCKLES)
    seen_by(charlie, a, KNUCKLES)
    response = alice.post_comment_form(shown_by=b, sent_to=a, slug=KNUCKLES, text=first)
    alices = comment_id(response)
    for server in (b, a):
        seen = seen_by(charlie, server, KNUCKLES)
        assert seen.shows(first), f"{server.name} does not show the new comment"
        assert seen.count == before.count + 1, server.name

    response = bob.request(
        b, "POST", f"/api/v1/articles/{KNUCKLES}/comments", body={"text": bobs}
    )
    assert response.status == 201, response.text
    bobs_id, bobs_token = (
        response.json()["comment"]["id"],
        response.json()["edit_token"],
    )
    for server in (a, b):
        seen = seen_by(charlie, server, KNUCKLES)
        assert seen.shows(bobs), f"{server.name} does not show the API comment"
        assert seen.count == before.count + 2, server.name

    response = alice.submit(
        a, f"/comments/{alices}/edit/", f"/comments/{alices}/edit/", {"text": edited}
    )
    assert response.status == 302, response.text[:1000]
    for server in (b, a):
        seen = seen_by(charlie, server, KNUCKLES)
        assert seen.shows(edited), f"{server.name} does not show the edit"
        assert first not in seen.page + seen.api, f"{server.name} shows old words"

    response = bob.request(
        a,
        "DELETE",
        f"/api/v1/comments/{bobs_id}",
        headers={"X-Talkpage-Edit-Token": bobs_token},
    )
    assert response.status in {200, 204}, response.text
    for server in (b, a):
        seen = seen_by(charlie, server, KNUCKLES)
        assert bobs not in seen.page + seen.api, f"{server.name} shows a deleted one"
        assert seen.count == before.count + 1, server.name

    assert dana.sign_in(b, "dana").status == 302
    response = dana.submit(
        b,
        f"/articles/{KNUCKLES}/",
        f"/moderation/comments/{alices}/hide/",
        {"next": f"/articles/{KNUCKLES}/"},
    )
    assert response.status == 302, response.text[:1000]
    for server in (a, b):
        seen = seen_by(charlie, server, KNUCKLES)
        assert edited not in seen.page + seen.api, f"{server.name} shows a hidden one"
        assert seen.count == before.count, server.name


def test_it_counts_the_comment_rate_limit_across_both_servers(cluster):
    a, b = cluster.a, cluster.b
    mallory = Person("10.5.0.1")
    # The limit counts in windows of whole minutes: start early in one.
    left_in_minute = 60 - time.time() % 60
    if left_in_minute < 10:
        time.sleep(left_in_minute + 0.2)

    answers = []
    for number, server in enumerate((a, b, a), start=1):
        if server is a:
            response = mallory.request(
                a,
                "POST",
                f"/api/v1/articles/{HEADPHONES}/comments",
                body={"text": unique(f"Comment {number} in a hurry")},
            )
        else:
            response = mallory.post_comment_form(
                shown_by=b, sent_to=b, slug=HEADPHONES, text=unique("In a hurry")
            )
        answers.append(response.status)
    assert answers == [201, 302, 201]

    text = unique("One too many")
    refused = mallory.post_comment_form(
        shown_by=a, sent_to=b, slug=HEADPHONES, text=text
    )
    assert refused.status == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert text in refused.text  # kept in the form
    refused = mallory.request(
        a, "POST", f"/api/v1/articles/{HEADPHONES}/comments", body={"text": text}
    )
    assert refused.status == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60

    # Someone on another network posts on.
    response = Person("10.6.0.1").request(
        b, "POST", f"/api/v1/articles/{HEADPHONES}/comments", body={"text": text}
    )
    assert response.status == 201


def test_it_keeps_a_reader_signed_in_and_out_on_both_servers(cluster):
    a, b = cluster.a, cluster.b
    username = f"erin-{uuid.uuid4().hex[:8]}"
    on_phone = Person("10.7.0.1")
    response = on_phone.submit(
        b,
        "/accounts/register/",
        "/accounts/register/",
        {
            "username": username,
            "email": f"{username}@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status == 302, response.text[:1000]

    on_laptop = Person("10.8.0.1")
    assert on_laptop.get(b, "/api/v1/me").json()["authenticated"] is False
    response = on_laptop.sign_in(a, username)
    assert response.status == 302, response.text[:1000]
    session = on_laptop.cookie("sessionid")
    assert session

    for server in (b, a):
        me = on_laptop.get(server, "/api/v1/me").json()
        assert me == {
            "authenticated": True,
            "username": username,
            "is_moderator": False,
        }
        assert on_laptop.get(server, "/accounts/settings/").status == 200

    response = on_laptop.submit(a, "/accounts/settings/", "/accounts/logout/", {})
    assert response.status == 302, response.text[:1000]
    assert on_laptop.cookie("sessionid") is None
    # The session is over on the servers, not just gone from this device:
    # replaying the old cookie signs in nowhere.
    replay = Person("10.8.0.1")
    replay.cookies.set_cookie(session_cookie(session))
    for server in (b, a):
        assert replay.get(server, "/api/v1/me").json()["authenticated"] is False
        settings_page = replay.get(server, "/accounts/settings/")
        assert settings_page.status == 302
        assert settings_page.headers["Location"].startswith("/accounts/login/")

    # Signing out on the laptop left the phone signed in, on both servers.
    for server in (a, b):
        assert on_phone.get(server, "/api/v1/me").json()["username"] == username


def session_cookie(value: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        version=0,
        name="sessionid",
        value=value,
        port=None,
        port_specified=False,
        domain="127.0.0.1",
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={},
    )
