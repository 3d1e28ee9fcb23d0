"""Moderators hear of held comments: one message each, or a digest."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from django.test import Client
from django.utils import timezone

from talkpage.accounts.models import MODERATORS_GROUP, User
from talkpage.notifications.models import ModeratorAlert
from talkpage.notifications.services import HELD_LINK_SALT, send_moderator_digest
from talkpage.testing import PASSWORD, make_comment, plain_body, run_queued_tasks

pytestmark = pytest.mark.django_db

HELD_LINK = re.compile(r"https?://\S+/notifications/held/\S+/")


@pytest.fixture
def carol(db) -> User:
    """A moderator by group, with a verified address."""
    carol = User.objects.create_user("carol", "carol@example.org", PASSWORD)
    carol.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    carol.email_verified_at = timezone.now()
    carol.save()
    return carol


def test_each_held_comment_is_mailed_to_the_moderators(
    article, carol, mail_server, settings
):
    settings.TALKPAGE_MODERATOR_NOTIFICATIONS = "each"

    make_comment(article, "Please check this one.", status="held")
    run_queued_tasks()

    (alert,) = mail_server.messages
    assert alert["To"] == "carol@example.org"
    assert "awaits moderation" in " ".join(str(alert["Subject"]).split())
    assert "Please check this one." in plain_body(alert)
    assert HELD_LINK.search(plain_body(alert))


def test_unverified_moderators_and_readers_get_no_alerts(
    article, bob, alice, mail_server, settings
):
    settings.TALKPAGE_MODERATOR_NOTIFICATIONS = "each"

    make_comment(article, "Please check this one.", status="held")
    run_queued_tasks()

    assert mail_server.messages == []


def test_published_comments_alert_no_one(article, carol, mail_server, settings):
    settings.TALKPAGE_MODERATOR_NOTIFICATIONS = "each"

    make_comment(article, "A fine comment.")
    run_queued_tasks()

    assert mail_server.messages == []


def test_the_digest_lists_what_was_held_since_the_last_one(
    article, carol, mail_server, settings
):
    settings.TALKPAGE_MODERATOR_NOTIFICATIONS = "digest"
    make_comment(article, "First held.", status="held")
    make_comment(article, "Second held.", status="held")
    run_queued_tasks()
    assert mail_server.messages == []  # nothing until the digest

    assert send_moderator_digest() == 2
    run_queued_tasks()

    (digest,) = mail_server.messages
    assert "2 comments await moderation" in " ".join(str(digest["Subject"]).split())
    assert "First held." in plain_body(digest) and "Second held." in plain_body(digest)

    make_comment(article, "Third held.", status="held")
    assert send_moderator_digest() == 1
    assert send_moderator_digest() == 0
    assert ModeratorAlert.objects.count() == 3


def test_a_held_comment_link_leads_to_the_queue_and_acts_on_nothing(
    article, carol, mail_server, settings
):
    settings.TALKPAGE_MODERATOR_NOTIFICATIONS = "each"
    comment = make_comment(article, "Please check this one.", status="held")
    run_queued_tasks()
    link = HELD_LINK.search(plain_body(mail_server.messages[0])).group(0)

    response = Client().get("/" + link.split("://", 1)[1].split("/", 1)[1])

    assert response.status_code == 302
    assert response["Location"] == f"/moderation/#q{comment.pk}"
    comment.refresh_from_db()
    assert comment.status == "held"


def test_an_expired_held_comment_link_says_so(article):
    comment = make_comment(article, "Old.", status="held")
    signer = signing.TimestampSigner(salt=HELD_LINK_SALT)
    old = timezone.now().timestamp() - 8 * 24 * 3600
    signer.timestamp = lambda: signing.b62_encode(int(old))
    token = signer.sign_object({"c": comment.pk})

    response = Client().get(f"/notifications/held/{token}/")

    assert response.status_code == 404
    assert "expired" in response.content.decode()


def test_a_held_comment_link_answers_only_get(article):
    response = Client().post("/notifications/held/anything/")

    assert response.status_code == 405


def test_the_digest_command_sends_what_waits(article, carol, mail_server):
    from io import StringIO

    from django.core.management import call_command

    make_comment(article, "Held for the command.", status="held")
    out = StringIO()

    call_command("moderatordigest", stdout=out)
    run_queued_tasks()

    assert "Listed 1 held comment(s)" in out.getvalue()
    assert len(mail_server.messages) == 1
