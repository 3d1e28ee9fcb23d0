"""Readers report comments; enough distinct reports take one out of view
until a moderator decides."""

import pytest
from django.test import Client
from django.urls import reverse

from talkpage.accounts.models import User
from talkpage.discussion.models import Status
from talkpage.moderation.models import ModerationEvent, Report
from talkpage.moderation.services import approve, report
from talkpage.testing import PASSWORD, make_comment

pytestmark = pytest.mark.django_db


def report_url(comment) -> str:
    return reverse("moderation:report", kwargs={"comment_id": comment.pk})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def comment(article, mallory):
    return make_comment(article, "Magnesium cures everything, trust me.", user=mallory)


def test_report_link_shows_on_others_comments_only(client, alice, comment, article):
    own = make_comment(article, "My own comment.", user=alice)
    client.force_login(alice)

    html = client.get(article.get_absolute_url()).text

    assert report_url(comment) in html
    assert report_url(own) not in html


def test_visitors_see_the_report_link_too(client, comment, article):
    html = client.get(article.get_absolute_url()).text

    assert report_url(comment) in html
    assert 'rel="nofollow">Report</a>' in html


def test_report_form_offers_the_reasons(client, comment):
    response = client.get(report_url(comment))

    assert response.status_code == 200
    html = response.text
    assert "Magnesium cures everything, trust me." in html
    for reason in ["spam", "abuse", "misinformation", "other"]:
        assert f'value="{reason}"' in html


def test_reader_reports_a_comment(client, alice, comment, article):
    client.force_login(alice)

    response = client.post(
        report_url(comment), {"reason": "misinformation", "note": "Not true."}
    )

    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url() + "#discussion"
    page = client.get(response["Location"]).text
    assert "Thank you. The moderators will take a look." in page
    report = Report.objects.get()
    assert report.reporter == alice
    assert report.reason == "misinformation"
    assert report.note == "Not true."
    comment.refresh_from_db()
    assert comment.report_count == 1
    assert comment.status == Status.PUBLISHED


def test_report_without_a_reason_is_refused(client, comment):
    response = client.post(report_url(comment), {"reason": "boring"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not Report.objects.exists()


def test_empty_report_is_refused(client, comment):
    response = client.post(report_url(comment), {})

    assert response.status_code == 400
    assert "This field is required." in response.text
    assert not Report.objects.exists()


def test_same_reader_twice_counts_once(client, alice, comment):
    client.force_login(alice)

    first = client.post(report_url(comment), {"reason": "spam"})
    second = client.post(report_url(comment), {"reason": "abuse"})

    assert first.status_code == second.status_code == 302
    assert Report.objects.count() == 1
    comment.refresh_from_db()
    assert comment.report_count == 1


def test_same_network_twice_counts_once(comment):
    first = Client(REMOTE_ADDR="203.0.113.5").post(
        report_url(comment), {"reason": "spam"}
    )
    second = Client(REMOTE_ADDR="203.0.113.200").post(
        report_url(comment), {"reason": "spam"}
    )

    assert first.status_code == second.status_code == 302
    assert Report.objects.count() == 1
    comment.refresh_from_db()
    assert comment.report_count == 1


def test_distinct_reports_take_a_comment_out_of_view(
    client, alice, bob, comment, article, settings
):
    settings.TALKPAGE_REPORTS_TO_HIDE = 3
    dora = User.objects.create_user("dora", "dora@example.org", PASSWORD)
    reporters = [signed_in(alice), signed_in(dora), Client(REMOTE_ADDR="198.51.100.7")]

    for reporter in reporters[:2]:
        reporter.post(report_url(comment), {"reason": "misinformation"})
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED

    response = reporters[2].post(report_url(comment), {"reason": "abuse"})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.HELD
    assert "3 reports" in comment.moderation_reasons
    article.refresh_from_db()
    assert article.comment_count == 0
    assert (
        "Magnesium cures everything" not in client.get(article.get_absolute_url()).text
    )
    event = ModerationEvent.objects.get(action="comment.held_by_reports")
    assert event.actor is None
    assert event.before == {"status": "published"}
    assert event.after == {"status": "held"}

    client.force_login(bob)
    queue = client.get(reverse("moderation:queue")).text
    assert "Magnesium cures everything" in queue
    assert "3 reports" in queue
    assert "Misinformation" in queue
    assert "Abuse or harassment" in queue

    client.post(
        reverse(
            "moderation:decide", kwargs={"comment_id": comment.pk, "action": "approve"}
        )
    )
    client.logout()
    assert "Magnesium cures everything" in client.get(article.get_absolute_url()).text
    article.refresh_from_db()
    assert article.comment_count == 1


def test_report_after_a_moderator_approved_does_not_hide_again(
    alice, bob, mallory, comment, settings
):
    settings.TALKPAGE_REPORTS_TO_HIDE = 2
    signed_in(alice).post(report_url(comment), {"reason": "spam"})
    Client(REMOTE_ADDR="198.51.100.7").post(report_url(comment), {"reason": "spam"})
    comment.refresh_from_db()
    assert comment.status == Status.HELD
    approve(comment=comment, actor=bob)

    response = Client(REMOTE_ADDR="192.0.2.1").post(
        report_url(comment), {"reason": "spam"}
    )

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    assert comment.report_count == 3


@pytest.mark.parametrize(
    "status", [Status.HELD, Status.SPAM, Status.REJECTED, Status.HIDDEN]
)
def test_comment_not_shown_cannot_be_reported(client, article, status):
    hidden = make_comment(article, "Out of view.", status=status)

    assert client.get(report_url(hidden)).status_code == 404
    assert client.post(report_url(hidden), {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


def test_deleted_comment_cannot_be_reported(client, article, bob):
    from talkpage.moderation.services import delete

    comment = make_comment(article, "Gone.")
    delete(comment=comment, actor=bob)

    assert client.post(report_url(comment), {"reason": "spam"}).status_code == 404


def test_reporting_too_fast_is_refused_with_retry_after(article, settings):
    settings.TALKPAGE_RATE_LIMITS = {**settings.TALKPAGE_RATE_LIMITS, "report": "2/h"}
    comments = [make_comment(article, f"Comment {n}.") for n in range(3)]
    reporter = Client(REMOTE_ADDR="203.0.113.9")

    answers = [
        reporter.post(report_url(comment), {"reason": "spam"}) for comment in comments
    ]

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert "You are sending reports too fast." in answers[2].text
    assert Report.objects.count() == 2


def test_member_cannot_escape_the_report_limit_by_changing_networks(
    alice, article, settings
):
    settings.TALKPAGE_RATE_LIMITS = {**settings.TALKPAGE_RATE_LIMITS, "report": "2/h"}
    comments = [make_comment(article, f"Comment {n}.") for n in range(3)]
    answers = []
    for n, comment in enumerate(comments):
        reporter = Client(REMOTE_ADDR=f"198.51.{n}.1")
        reporter.force_login(alice)
        answers.append(reporter.post(report_url(comment), {"reason": "spam"}))

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert "Retry-After" in answers[2]
    assert Report.objects.count() == 2


def test_author_sees_their_comment_held_by_reports_once_in_its_thread(
    client, alice, comment, article, mallory, settings
):
    settings.TALKPAGE_REPORTS_TO_HIDE = 2
    make_comment(article, "A reply from alice.", user=alice, in_reply_to=comment)
    for key in ["network:a", "network:b"]:
        report(comment=comment, reporter=None, reporter_key=key, reason="abuse")
    comment.refresh_from_db()
    assert comment.status == Status.HELD
    client.force_login(mallory)

    html = client.get(article.get_absolute_url()).text

    assert html.count("Magnesium cures everything, trust me.") == 1
    assert "Awaiting moderation" in html
    assert "A reply from alice." in html
