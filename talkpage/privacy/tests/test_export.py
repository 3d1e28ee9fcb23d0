"""Download my data: everything about the reader, nothing about anyone else."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from talkpage.accounts.models import User
from talkpage.accounts.tests.conftest import buttons_in
from talkpage.moderation.models import ModerationEvent
from talkpage.privacy.services import DATA_CATEGORIES, personal_data_of
from talkpage.privacy.tests.helpers import ALICES_NETWORK, browser, post
from talkpage.privacy.views import download_name

URL = reverse("privacy:data")


def download(client: Client):
    response = client.post(URL)
    assert response.status_code == 200
    return response, json.loads(response.content)


def test_the_settings_page_offers_the_download(alice):
    client = browser(ALICES_NETWORK, alice)

    html = client.get(reverse("accounts:settings")).content.decode()

    assert f'href="{URL}"' in html
    assert "Download my data" in html


def test_get_explains_the_file_and_sends_nothing(alice):
    client = browser(ALICES_NETWORK, alice)

    response = client.get(URL)

    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert response["Content-Type"].startswith("text/html")
    assert "Download my data" in buttons_in(response)
    html = response.content.decode()
    assert reverse("privacy:page") in html
    for category in ("Account", "Comments", "Votes", "reports", "Bans", "Sign-ins"):
        assert category in html


def test_the_file_is_an_uncached_json_attachment(alice):
    response, _ = download(browser(ALICES_NETWORK, alice))

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        'attachment; filename="talkpage-data-alice.json"'
    )
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_a_username_makes_a_safe_file_name():
    assert download_name("sso3:42") == "talkpage-data-sso3-42.json"
    assert download_name("a.b+c") == "talkpage-data-a.b-c.json"
    assert download_name("../../x") == "talkpage-data-..-..-x.json"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_needs_a_signed_in_person(client, method):
    response = getattr(client, method)(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_cross_site_post_gets_no_file(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(URL)

    assert response.status_code == 403
    assert "Content-Disposition" not in response


def test_a_post_from_the_page_gets_the_file(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(URL)

    response = client.post(
        URL, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )

    assert response.status_code == 200
    assert json.loads(response.content)["account"]["username"] == "alice"


def test_other_methods_are_refused(alice):
    client = browser(ALICES_NETWORK, alice)

    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405


def test_every_category_is_in_the_file(world, alice):
    _, data = download(world.laptop)

    assert data["format"] == "talkpage-personal-data/1"
    assert set(DATA_CATEGORIES) <= set(data)
    assert data["privacy_page"].endswith(reverse("privacy:page"))
    assert data["site"]["name"] == "Talkpage"
    assert set(data["not_in_this_file"]) == {
        "password",
        "network",
        "moderation_notes",
        "other_people",
    }


def test_the_account_is_described(world, alice):
    _, data = download(world.laptop)

    account = data["account"]
    assert account["username"] == "alice"
    assert account["email"] == "alice@example.org"
    assert account["is_moderator"] is False
    assert account["has_password"] is True
    assert account["groups"] == []
    alice.refresh_from_db()
    assert account["date_joined"] == alice.date_joined.isoformat()
    assert account["last_login"] == alice.last_login.isoformat()


def test_every_field_of_the_account_is_exported_or_left_out_on_purpose(alice):
    exported = set(personal_data_of(user=alice)["account"])
    renamed = {"is_superuser": "is_site_administrator", "is_staff": "can_use_the_admin"}
    left_out = {
        "id": "an internal number",
        "password": "a hash: a key to the account (NOT_IN_THE_FILE)",
        "name_skeleton": "derived from the username, for the look-alike check",
        "user_permissions": "exported as permissions",
    }
    fields = [
        *User._meta.concrete_fields,
        *User._meta.many_to_many,
    ]

    missing = {
        field.name
        for field in fields
        if renamed.get(field.name, field.name) not in exported
        and field.name not in left_out
    }

    assert missing == set(), "export these, or say why they are left out"


def test_every_comment_of_every_status_is_in_the_file(world, article):
    _, data = download(world.laptop)

    comments = {c["id"]: c for c in data["comments"]}
    assert set(comments) == {c.pk for c in world.signed_in_comments}
    assert world.signed_out.pk not in comments
    assert {c["status"] for c in comments.values()} == {
        "published",
        "held",
        "spam",
        "hidden",
    }
    published = comments[world.published.pk]
    assert published["body"] == "Magnesium helped my sleep a lot."
    assert published["edited_at"] == world.published.edited_at.isoformat()
    assert published["created_at"] == world.published.created_at.isoformat()
    assert published["deleted_at"] is None
    assert published["network_recorded"] is True
    assert published["downvotes"] == 1
    assert published["article"] == {
        "slug": article.slug,
        "title": article.title,
        "url": "http://127.0.0.1:8000" + article.get_absolute_url(),
    }
    assert published["url"].endswith(world.published.get_absolute_url())
    assert comments[world.anonymous.pk]["posted_anonymously"] is True
    assert comments[world.reply.pk]["in_reply_to"] == world.mallorys.pk
    deleted = comments[world.deleted_by_moderator.pk]
    assert deleted["body"] == ""
    assert deleted["deleted_at"] == world.deleted_by_moderator.deleted_at.isoformat()


def test_votes_reports_and_bans_are_hers(world):
    _, data = download(world.laptop)

    assert [(v["comment"], v["value"]) for v in data["votes"]] == [
        (world.mallorys.pk, 1)
    ]
    assert [(r["comment"], r["reason"], r["note"]) for r in data["reports"]] == [
        (world.mallorys.pk, "misinformation", "alice's note: this is wrong")
    ]
    assert data["bans"] == [
        {
            "reason": "alice was rude",
            "created_at": world.account_ban.created_at.isoformat(),
            "expires_at": None,
            "lifted_at": None,
            "in_force": True,
        }
    ]
    assert data["moderation_actions"] == []


def test_sign_ins_are_counted_without_their_keys(world):
    _, data = download(world.laptop)

    assert len(data["sign_ins"]) == 2
    assert set(data["sign_ins"][0]) == {"expires_at"}
    text = json.dumps(data)
    assert world.laptop.session.session_key not in text
    assert world.phone.session.session_key not in text


def test_nothing_secret_and_nothing_of_other_people_is_in_the_file(
    world, alice, bob, mallory
):
    response, _ = download(world.laptop)

    text = response.content.decode()
    alice.refresh_from_db()
    for secret in (
        alice.password,
        world.network_hash,
        world.published.fingerprint,
        world.published.submission_key,
    ):
        assert secret not in text
    assert "edit_token" not in text
    # Other people: their names, addresses, words, notes, votes and reports.
    for theirs in (
        "mallory",
        "bob",
        "Magnesium is a scam",
        "Thanks alice",
        "Posted while signed out",
        "Alice L.",
    ):
        assert theirs.casefold() not in text.casefold()
    assert '"value": -1' not in text


def test_a_moderator_gets_their_actions(world, bob):
    _, data = download(browser(ALICES_NETWORK, bob))

    assert data["account"]["is_moderator"] is True
    assert data["account"]["is_site_administrator"] is True
    actions = data["moderation_actions"]
    assert len(actions) == ModerationEvent.objects.filter(actor=bob).count() > 0
    assert {a["action"] for a in actions} >= {
        "comment.spam",
        "comment.hidden",
        "comment.deleted",
        "author.banned",
    }
    assert all(set(a) == {"action", "comment", "article", "before", "after",
                          "created_at"} for a in actions)  # fmt: skip
    assert "alice" not in json.dumps(data["comments"] + data["votes"])


def test_an_anonymous_authors_edit_token_is_not_in_the_file(alice, article):
    # A comment posted signed out, then the same browser signs in: the
    # token's comment is not the account's, and its token hash never shows.
    client = browser(ALICES_NETWORK)
    mine = post(client, article, "Before signing in.")
    client.force_login(alice)

    _, data = download(client)

    assert data["comments"] == []
    assert mine.edit_token_hash not in json.dumps(data)


def test_the_file_takes_the_same_queries_for_many_comments(alice, article):
    client = browser(ALICES_NETWORK, alice)
    post(client, article, "The first one.")
    with CaptureQueriesContext(connection) as few:
        download(client)
    for number in range(8):
        post(client, article, f"Comment number {number}.")

    with CaptureQueriesContext(connection) as many:
        download(client)

    assert len(many) == len(few)
