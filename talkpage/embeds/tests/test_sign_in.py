"""Signing in from an embed: the popup, bearer tokens, and host-site SSO."""

import json
import time

import pytest
from django.test import Client

from talkpage.accounts.models import User
from talkpage.discussion.models import Comment
from talkpage.embeds import sso
from talkpage.embeds.models import Site, SiteOrigin
from talkpage.embeds.tokens import issue_bearer_token
from talkpage.testing import PASSWORD

pytestmark = pytest.mark.django_db

BLOG = "https://blog.example"


@pytest.fixture
def site(db) -> Site:
    site = Site.objects.create(name="Blog")
    SiteOrigin.objects.create(site=site, origin=BLOG)
    return site


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_popup_asks_a_visitor_to_sign_in_first(client, site):
    response = client.get(f"/embed/sign-in?site={site.key}&origin={BLOG}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_popup_hands_a_token_to_the_exact_origin(client, alice, site):
    client.force_login(alice)
    response = client.get(f"/embed/sign-in?site={site.key}&origin={BLOG}")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-origin="{BLOG}"' in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert "<script>" not in html  # the handoff script is a static file
    token = html.split('data-token="')[1].split('"')[0]
    me = Client().get("/api/v1/me", **bearer(token)).json()
    assert me["username"] == "alice"


@pytest.mark.parametrize(
    "query",
    [
        "site=nope&origin=https://blog.example",
        "site={key}&origin=https://evil.example",
        "site={key}&origin=*",
        "site={key}",
    ],
)
def test_popup_refuses_unknown_sites_and_origins(client, alice, site, query):
    client.force_login(alice)
    response = client.get("/embed/sign-in?" + query.format(key=site.key))
    assert response.status_code == 400
    assert "data-token" not in response.content.decode()


def test_bearer_token_posts_as_the_user_without_cookies(alice, article):
    token = issue_bearer_token(alice)
    widget = Client()
    response = widget.post(
        f"/api/v1/articles/{article.slug}/comments",
        json.dumps({"text": "from the widget"}),
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 201
    assert Comment.objects.get().user == alice
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize("token", ["garbage", "", "a:b:c"])
def test_bad_bearer_tokens_are_401(client, db, token):
    response = client.get("/api/v1/me", **bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]


def test_a_password_change_ends_bearer_tokens(alice):
    token = issue_bearer_token(alice)
    alice.set_password("a completely new passphrase")
    alice.save()
    assert Client().get("/api/v1/me", **bearer(token)).status_code == 401


def test_bearer_tokens_expire(alice, settings):
    token = issue_bearer_token(alice)
    settings.TALKPAGE_BEARER_TOKEN_AGE = -1
    assert Client().get("/api/v1/me", **bearer(token)).status_code == 401


def sso_post(client, site, payload):
    return client.post(
        "/api/v1/sso",
        json.dumps({"site": site.key, "payload": payload}),
        content_type="application/json",
    )


def test_sso_signs_a_host_user_in_under_the_hosts_name(client, site, article):
    payload = sso.sign_payload(
        site, {"id": "42", "name": "Dana Host", "exp": int(time.time()) + 300}
    )
    response = sso_post(client, site, payload)
    assert response.status_code == 200
    data = response.json()
    assert data["username"] == "Dana Host"
    posted = Client().post(
        f"/api/v1/articles/{article.slug}/comments",
        json.dumps({"text": "hello from the host"}),
        content_type="application/json",
        **bearer(data["token"]),
    )
    assert posted.json()["comment"]["author"]["name"] == "Dana Host"


def test_sso_users_never_collide_with_local_accounts(client, alice, site):
    payload = sso.sign_payload(
        site, {"id": "alice", "name": "alice", "exp": int(time.time()) + 300}
    )
    data = sso_post(client, site, payload).json()
    user = User.objects.get(display_name="alice")
    assert user.pk != alice.pk
    assert ":" in user.username
    assert not user.has_usable_password()
    assert (
        Client().get("/api/v1/me", **bearer(data["token"])).json()["username"]
        == "alice"
    )
    # The local alice still signs in as herself.
    assert Client().login(username="alice", password=PASSWORD)


def test_sso_payload_works_once(client, site):
    payload = sso.sign_payload(
        site, {"id": "7", "name": "Sam", "exp": int(time.time()) + 300}
    )
    assert sso_post(client, site, payload).status_code == 200
    replay = sso_post(client, site, payload)
    assert replay.status_code == 401
    assert "used already" in replay.json()["error"]


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p[:-1] + ("0" if p[-1] != "0" else "1"),  # forged signature
        lambda p: "x" + p,  # tampered payload
        lambda p: p.split(".")[0],  # no signature
        lambda p: "",
    ],
)
def test_forged_sso_payloads_are_401(client, site, change):
    payload = sso.sign_payload(
        site, {"id": "9", "name": "Eve", "exp": int(time.time()) + 300}
    )
    assert sso_post(client, site, change(payload)).status_code == 401
    assert not User.objects.filter(display_name="Eve").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"id": "1", "name": "Old", "exp": 1},
        {"id": "1", "name": "Forever", "exp": 4_000_000_000},
        {"id": "", "name": "No id", "exp": None},
        {"name": "No id"},
        {"id": "1", "name": "", "exp": 0},
    ],
)
def test_sso_payloads_must_be_complete_and_short_lived(client, site, data):
    if data.get("exp") is None and "exp" in data:
        data["exp"] = int(time.time()) + 60
    assert sso_post(client, site, sso.sign_payload(site, data)).status_code == 401


def test_another_sites_secret_does_not_sign_in(client, site):
    other = Site.objects.create(name="Other")
    payload = sso.sign_payload(
        other, {"id": "1", "name": "Mallory", "exp": int(time.time()) + 60}
    )
    assert sso_post(client, site, payload).status_code == 401


def test_the_popup_chain_stays_connected_to_its_opener(client, alice, site):
    start = f"/embed/sign-in?site={site.key}&origin={BLOG}"
    to_login = client.get(start)
    assert to_login["Cross-Origin-Opener-Policy"] == "unsafe-none"
    login_page = client.get(to_login["Location"])
    assert login_page["Cross-Origin-Opener-Policy"] == "unsafe-none"
    signed_in = client.post(
        to_login["Location"], {"username": "alice", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert signed_in["Cross-Origin-Opener-Policy"] == "unsafe-none"
    # Everywhere else the site keeps its strict opener policy.
    assert client.get("/")["Cross-Origin-Opener-Policy"] == "same-origin"


def test_widget_sees_its_own_held_comments_and_their_source(client, article):
    article.moderation_policy = "hold-all"
    article.save()
    posted = (
        Client()
        .post(
            f"/api/v1/articles/{article.slug}/comments",
            json.dumps({"text": "*mine*"}),
            content_type="application/json",
        )
        .json()
    )
    held = f"{posted['comment']['id']}:{posted['edit_token']}"
    tokens = {"HTTP_X_TALKPAGE_EDIT_TOKENS": held}
    data = client.get(f"/api/v1/articles/{article.slug}/comments", **tokens).json()
    [mine] = data["awaiting"]
    assert mine["text"] == "*mine*"
    assert mine["can_edit"] is True
    stranger = client.get(f"/api/v1/articles/{article.slug}/comments").json()
    assert stranger["awaiting"] == []


def test_cors_exposes_retry_after(client, site):
    response = client.get("/api/v1/me", HTTP_ORIGIN=BLOG)
    assert response["Access-Control-Expose-Headers"] == "Retry-After"
