"""Network hashes are forgotten after TALKPAGE_NETWORK_HASH_DAYS
(`talkpage manage forgetnetworks`, run every day)."""

import io
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from talkpage.discussion.models import Comment
from talkpage.moderation import services as moderation
from talkpage.moderation.models import Ban, Report
from talkpage.privacy.services import apply_retention, forget_old_network_hashes
from talkpage.privacy.tests.helpers import browser, post, privacy_page_html

pytestmark = pytest.mark.django_db


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def old_and_new(article, alice, bob):
    """Comments, reports and bans from 100 and 10 days ago."""
    old = post(browser("192.0.2.1"), article, "Posted a hundred days ago.")
    old_member = post(browser("192.0.2.1", alice), article, "A member, long ago.")
    new = post(browser("192.0.2.2"), article, "Posted ten days ago.")
    reporter = browser("192.0.2.3")
    for comment in (old_member, new):
        reporter.post(
            f"/comments/{comment.pk}/report/", {"reason": "spam", "note": "Spam?"}
        )
    Comment.objects.filter(pk__in=[old.pk, old_member.pk]).update(
        created_at=days_ago(100)
    )
    Comment.objects.filter(pk=new.pk).update(created_at=days_ago(10))
    Report.objects.filter(comment=old_member).update(created_at=days_ago(100))
    Report.objects.filter(comment=new).update(created_at=days_ago(10))
    bans = {
        "lifted long ago": Ban.objects.create(
            network_hash="a" * 32, created_by=bob, lifted_at=days_ago(95)
        ),
        "expired long ago": Ban.objects.create(
            network_hash="b" * 32, created_by=bob, expires_at=days_ago(91)
        ),
        "lifted lately": Ban.objects.create(
            network_hash="c" * 32, created_by=bob, lifted_at=days_ago(5)
        ),
        "in force for ever": Ban.objects.create(
            network_hash="d" * 32, created_by=bob, created_at=days_ago(400)
        ),
        "of an account": Ban.objects.create(
            user=alice, created_by=bob, lifted_at=days_ago(200)
        ),
    }
    for comment in (old, old_member, new):
        comment.refresh_from_db()
    return old, old_member, new, bans


def test_old_comments_lose_their_network(old_and_new):
    old, old_member, new, _ = old_and_new
    assert old.network_hash and old.submission_key

    forgotten = forget_old_network_hashes(older_than_days=90)

    assert forgotten.comments == 2
    for comment in (old, old_member, new):
        comment.refresh_from_db()
    assert old.network_hash == old_member.network_hash == ""
    # An anonymous post's submission key ends with a piece of the hash.
    assert old.submission_key is None
    # A member's ends with their account number: it stays, for retries.
    assert old_member.submission_key is not None
    assert new.network_hash
    assert new.submission_key


def test_old_visitor_reports_lose_their_network(old_and_new):
    _, old_member, new, _ = old_and_new

    forgotten = forget_old_network_hashes(older_than_days=90)

    assert forgotten.reports == 1
    old_report = Report.objects.get(comment=old_member)
    assert old_report.reporter_key == f"forgotten:{old_report.pk}"
    assert old_report.note == "Spam?"
    assert Report.objects.get(comment=new).reporter_key.startswith("network:")


def test_network_bans_that_ended_long_ago_go(old_and_new):
    *_, bans = old_and_new

    forgotten = forget_old_network_hashes(older_than_days=90)

    assert forgotten.bans == 2
    kept = set(Ban.objects.values_list("pk", flat=True))
    assert kept == {
        bans["lifted lately"].pk,
        bans["in force for ever"].pk,
        bans["of an account"].pk,
    }


def test_forgetting_twice_changes_nothing_more(old_and_new):
    forget_old_network_hashes(older_than_days=90)

    again = forget_old_network_hashes(older_than_days=90)

    assert (again.comments, again.reports, again.bans) == (0, 0, 0)


def test_an_old_anonymous_comment_can_no_longer_be_banned_by_network(old_and_new, bob):
    old, *_ = old_and_new
    forget_old_network_hashes(older_than_days=90)
    old.refresh_from_db()

    with pytest.raises(moderation.ModerationRefused, match="nothing to ban by"):
        moderation.ban_author(comment=old, actor=bob)


def test_less_than_a_day_is_refused():
    with pytest.raises(ValueError, match="at least a day"):
        forget_old_network_hashes(older_than_days=0)


def test_the_daily_job_reads_the_setting(old_and_new):
    with override_settings(TALKPAGE_NETWORK_HASH_DAYS=200):
        assert apply_retention().networks.comments == 0
    with override_settings(TALKPAGE_NETWORK_HASH_DAYS=5):
        assert apply_retention().networks.comments == 3


def test_the_daily_job_deletes_expired_sessions(alice):
    expired, current = browser("192.0.2.1", alice), browser("192.0.2.1", alice)
    Session.objects.filter(session_key=expired.session.session_key).update(
        expire_date=days_ago(1)
    )

    assert apply_retention().sessions == 1

    assert list(Session.objects.values_list("session_key", flat=True)) == [
        current.session.session_key
    ]


def test_the_command_uses_the_setting_and_says_what_it_did(old_and_new):
    out = io.StringIO()

    with override_settings(TALKPAGE_NETWORK_HASH_DAYS=90):
        call_command("forgetnetworks", stdout=out)

    assert out.getvalue() == (
        "Forgot the networks of 2 comment(s) and 1 report(s), and deleted 2 "
        "ended network ban(s), older than 90 day(s).\n"
    )


def test_the_command_takes_other_days(old_and_new):
    out = io.StringIO()

    call_command("forgetnetworks", "--days", "7", stdout=out)

    assert "3 comment(s) and 2 report(s)" in out.getvalue()
    assert "older than 7 day(s)" in out.getvalue()


def test_the_command_refuses_zero_days():
    with pytest.raises(CommandError, match="at least 1 day"):
        call_command("forgetnetworks", "--days", "0")


def test_the_privacy_page_says_how_long(client):
    with override_settings(TALKPAGE_NETWORK_HASH_DAYS=45):
        html = privacy_page_html(client)

    assert "lose it once they are 45 days old" in html
    assert "is deleted 45 days after it ends" in html
