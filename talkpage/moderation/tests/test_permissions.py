"""Who may use the moderation pages: moderators only, everyone else is
turned away before anything happens."""

import pytest
from django.urls import reverse

from talkpage.discussion.models import Comment, Status
from talkpage.moderation.models import Ban, ModerationEvent
from talkpage.testing import make_comment

pytestmark = pytest.mark.django_db

DECISIONS = ["approve", "reject", "spam", "hide", "restore", "delete"]


@pytest.fixture
def held(article) -> Comment:
    return make_comment(
        article, "Waiting for a decision.", status=Status.HELD, network_hash="n1"
    )


@pytest.fixture
def ban(held) -> Ban:
    return Ban.objects.create(network_hash=held.network_hash, reason="flooding")


def moderation_urls(article, held, ban) -> dict[str, tuple[str, str, dict]]:
    """Every moderation URL: its method and a valid form for it."""
    urls = {
        "queue": (reverse("moderation:queue"), "get", {}),
        "bulk": (
            reverse("moderation:bulk"),
            "post",
            {"action": "approve", "comments": [held.pk]},
        ),
        "ban-form": (
            reverse("moderation:ban", kwargs={"comment_id": held.pk}),
            "get",
            {},
        ),
        "ban": (
            reverse("moderation:ban", kwargs={"comment_id": held.pk}),
            "post",
            {"reason": "spam"},
        ),
        "bans": (reverse("moderation:bans"), "get", {}),
        "lift-ban": (
            reverse("moderation:lift-ban", kwargs={"ban_id": ban.pk}),
            "post",
            {},
        ),
        "hide-ban-comments": (
            reverse("moderation:hide-ban-comments", kwargs={"ban_id": ban.pk}),
            "post",
            {},
        ),
        "site-policy": (
            reverse("moderation:site-policy"),
            "post",
            {"policy": "hold-all"},
        ),
        "article-policy": (
            reverse("moderation:article-policy", kwargs={"slug": article.slug}),
            "post",
            {"policy": "hold-all"},
        ),
        "log": (reverse("moderation:log"), "get", {}),
    }
    for action in DECISIONS:
        urls[f"decide-{action}"] = (
            reverse(
                "moderation:decide",
                kwargs={"comment_id": held.pk, "action": action},
            ),
            "post",
            {},
        )
    return urls


URL_NAMES = [
    "queue",
    "bulk",
    "ban-form",
    "ban",
    "bans",
    "lift-ban",
    "hide-ban-comments",
    "site-policy",
    "article-policy",
    "log",
    *(f"decide-{action}" for action in DECISIONS),
]


def nothing_changed(held: Comment, ban: Ban) -> None:
    held.refresh_from_db()
    ban.refresh_from_db()
    assert held.status == Status.HELD
    assert not held.is_deleted
    assert ban.lifted_at is None
    assert Ban.objects.count() == 1
    assert not ModerationEvent.objects.exclude(action="test.setup").exists()


@pytest.mark.parametrize("name", URL_NAMES)
def test_visitor_opening_a_moderation_url_is_asked_to_sign_in(
    client, article, held, ban, name
):
    url, _, _ = moderation_urls(article, held, ban)[name]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    nothing_changed(held, ban)


@pytest.mark.parametrize("name", URL_NAMES)
def test_visitor_posting_to_a_moderation_url_is_forbidden(
    client, article, held, ban, name
):
    url, _, data = moderation_urls(article, held, ban)[name]

    response = client.post(url, data)

    assert response.status_code == 403
    nothing_changed(held, ban)


@pytest.mark.parametrize("name", URL_NAMES)
def test_reader_is_forbidden_every_moderation_url(
    client, alice, article, held, ban, name
):
    client.force_login(alice)
    url, method, data = moderation_urls(article, held, ban)[name]

    response = getattr(client, method)(url, data)

    assert response.status_code == 403
    assert "Only moderators can do that." in response.content.decode()
    nothing_changed(held, ban)


@pytest.mark.parametrize("name", URL_NAMES)
def test_superuser_may_use_every_moderation_url(client, bob, article, held, ban, name):
    client.force_login(bob)
    url, method, data = moderation_urls(article, held, ban)[name]

    response = getattr(client, method)(url, data)

    assert response.status_code == (200 if method == "get" else 302)


@pytest.mark.parametrize("name", URL_NAMES)
def test_moderators_group_member_may_use_every_moderation_url(
    client, charlie, article, held, ban, name
):
    client.force_login(charlie)
    url, method, data = moderation_urls(article, held, ban)[name]

    response = getattr(client, method)(url, data)

    assert response.status_code == (200 if method == "get" else 302)


def test_moderators_group_member_decision_is_recorded_as_theirs(client, charlie, held):
    client.force_login(charlie)

    client.post(
        reverse(
            "moderation:decide", kwargs={"comment_id": held.pk, "action": "approve"}
        )
    )

    held.refresh_from_db()
    assert held.status == Status.PUBLISHED
    assert ModerationEvent.objects.get(action="comment.approved").actor == charlie


def test_moderation_link_shows_only_to_moderators(client, alice, bob, article):
    client.force_login(alice)
    assert 'href="/moderation/"' not in client.get("/").content.decode()

    client.force_login(bob)
    assert 'href="/moderation/"' in client.get("/").content.decode()


def test_unknown_action_is_not_found(client, bob, held):
    client.force_login(bob)

    response = client.post(
        reverse(
            "moderation:decide", kwargs={"comment_id": held.pk, "action": "promote"}
        )
    )

    assert response.status_code == 404
    held.refresh_from_db()
    assert held.status == Status.HELD


def test_decision_on_a_missing_comment_is_not_found(client, bob):
    client.force_login(bob)

    response = client.post(
        reverse("moderation:decide", kwargs={"comment_id": 999, "action": "approve"})
    )

    assert response.status_code == 404


def test_decisions_refuse_get(client, bob, held):
    client.force_login(bob)

    response = client.get(
        reverse(
            "moderation:decide", kwargs={"comment_id": held.pk, "action": "approve"}
        )
    )

    assert response.status_code == 405
    held.refresh_from_db()
    assert held.status == Status.HELD


def test_decisions_refuse_cross_site_posts(bob, held):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)

    response = client.post(
        reverse(
            "moderation:decide", kwargs={"comment_id": held.pk, "action": "approve"}
        )
    )

    assert response.status_code == 403
    held.refresh_from_db()
    assert held.status == Status.HELD
