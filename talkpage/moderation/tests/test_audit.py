"""The audit log: every moderation action and policy change is recorded
(who, what, when, before and after) and shown to moderators."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from talkpage.discussion.models import Status
from talkpage.moderation.models import Ban, ModerationEvent
from talkpage.moderation.services import report
from talkpage.testing import make_comment

pytestmark = pytest.mark.django_db

LOG = reverse("moderation:log")


@pytest.fixture
def moderator(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


def decide(client, comment, action: str):
    return client.post(
        reverse(
            "moderation:decide", kwargs={"comment_id": comment.pk, "action": action}
        )
    )


def only_event() -> ModerationEvent:
    return ModerationEvent.objects.exclude(action="test.setup").get()


@pytest.mark.parametrize(
    ("start", "action", "code", "end"),
    [
        (Status.HELD, "approve", "comment.approved", Status.PUBLISHED),
        (Status.HELD, "reject", "comment.rejected", Status.REJECTED),
        (Status.HELD, "spam", "comment.spam", Status.SPAM),
        (Status.PUBLISHED, "hide", "comment.hidden", Status.HIDDEN),
        (Status.HIDDEN, "restore", "comment.restored", Status.PUBLISHED),
    ],
)
def test_decisions_are_recorded(moderator, bob, article, start, action, code, end):
    comment = make_comment(article, "Under review.", status=start)

    assert decide(moderator, comment, action).status_code == 302

    event = only_event()
    assert event.actor == bob
    assert event.action == code
    assert event.comment == comment
    assert event.article == article
    assert event.before == {"status": start}
    assert event.after == {"status": end}
    html = moderator.get(LOG).text
    assert f"<code>{code}</code>" in html
    assert f"status: {start}" in html
    assert f"status: {end}" in html


def test_delete_is_recorded(moderator, bob, article):
    comment = make_comment(article, "Delete me.")

    decide(moderator, comment, "delete")

    event = only_event()
    assert (event.actor, event.action, event.comment) == (
        bob,
        "comment.deleted",
        comment,
    )
    assert event.before == {"deleted": False}
    assert event.after == {"deleted": True}


def test_ban_and_lift_are_recorded(moderator, bob, mallory, article):
    comment = make_comment(article, "Rude.", user=mallory)

    moderator.post(
        reverse("moderation:ban", kwargs={"comment_id": comment.pk}),
        {"reason": "Insults", "days": "3"},
    )
    ban = Ban.objects.get()
    moderator.post(reverse("moderation:lift-ban", kwargs={"ban_id": ban.pk}))

    banned, lifted = ModerationEvent.objects.order_by("id")
    assert banned.action == "author.banned"
    assert banned.actor == bob
    assert banned.comment == comment
    assert banned.after["ban"] == ban.pk
    assert banned.after["target"] == "account"
    assert banned.after["reason"] == "Insults"
    assert banned.after["expires_at"].startswith(f"{ban.expires_at:%Y-%m-%d}")
    assert lifted.action == "author.unbanned"
    assert lifted.actor == bob
    assert lifted.before == {"ban": ban.pk, "lifted_at": None}
    assert lifted.after["lifted_at"] is not None


def test_policy_changes_are_recorded(moderator, bob, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = "open"

    moderator.post(reverse("moderation:site-policy"), {"policy": "hold-all"})
    moderator.post(
        reverse("moderation:article-policy", kwargs={"slug": article.slug}),
        {"policy": "closed"},
    )

    site, on_article = ModerationEvent.objects.order_by("id")
    assert (site.action, site.actor) == ("policy.site.changed", bob)
    assert (site.before, site.after) == ({"policy": "open"}, {"policy": "hold-all"})
    assert (on_article.action, on_article.article) == (
        "policy.article.changed",
        article,
    )
    assert (on_article.before, on_article.after) == (
        {"policy": ""},
        {"policy": "closed"},
    )
    html = moderator.get(LOG).text
    assert "policy.site.changed" in html
    assert "policy.article.changed" in html
    assert article.title in html


def test_automatic_holds_are_recorded_without_an_actor(
    moderator, alice, mallory, article, settings
):
    settings.TALKPAGE_REPORTS_TO_HIDE = 2
    comment = make_comment(article, "Controversial.", user=mallory)
    for key in ["user:1", "user:2"]:
        report(comment=comment, reporter=None, reporter_key=key, reason="abuse")

    event = only_event()
    assert event.action == "comment.held_by_reports"
    assert event.actor is None
    assert event.before == {"status": "published"}
    assert event.after == {"status": "held"}
    assert "(automatic)" in moderator.get(LOG).text


def test_hold_after_an_edit_is_recorded(client, alice, article, settings):
    settings.TALKPAGE_MAX_LINKS = 1
    comment = make_comment(article, "Nice.", user=alice)
    client.force_login(alice)

    client.post(
        reverse("discussion:edit", kwargs={"comment_id": comment.pk}),
        {"text": "https://a.example https://b.example"},
    )

    event = only_event()
    assert event.action == "comment.held_after_edit"
    assert event.actor is None
    assert event.after == {"status": "held"}


def test_log_shows_newest_first_and_links_to_the_comment(moderator, article):
    comment = make_comment(article, "Reviewed twice.", status=Status.HELD)
    decide(moderator, comment, "approve")
    decide(moderator, comment, "hide")

    html = moderator.get(LOG).text

    assert html.index("comment.hidden") < html.index("comment.approved")
    assert reverse("discussion:permalink", args=[comment.pk]) in html
    assert "bob" in html


def test_log_costs_the_same_queries_for_many_events(moderator, article):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert moderator.get(LOG).status_code == 200
        return len(captured)

    make_comment(article, "One.", status=Status.HELD)
    few = queries()
    for n in range(20):
        make_comment(article, f"Comment {n}.", status=Status.HIDDEN)

    assert queries() == few


def test_audit_log_cannot_be_edited_in_the_admin(moderator, article):
    make_comment(article, "Logged.", status=Status.HELD)
    event = ModerationEvent.objects.get()

    assert moderator.get("/admin/moderation/moderationevent/add/").status_code == 403
    response = moderator.post(
        f"/admin/moderation/moderationevent/{event.pk}/change/", {"action": "x"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "test.setup"


def test_saving_a_policy_twice_records_one_change(moderator, article):
    for _ in range(2):
        moderator.post(reverse("moderation:site-policy"), {"policy": "hold-all"})
        moderator.post(
            reverse("moderation:article-policy", kwargs={"slug": article.slug}),
            {"policy": "closed"},
        )

    assert sorted(ModerationEvent.objects.values_list("action", flat=True)) == [
        "policy.article.changed",
        "policy.site.changed",
    ]
