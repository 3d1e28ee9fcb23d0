"""The moderation page: what waits for a decision, who wrote it and why it
waits; tabs, bulk actions, and a cost that does not grow."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from talkpage.discussion.models import Comment, Status
from talkpage.moderation.models import ModerationEvent, Policy
from talkpage.moderation.services import report, set_site_policy, set_status
from talkpage.testing import make_comment, post_url, with_token

pytestmark = pytest.mark.django_db

QUEUE = reverse("moderation:queue")


@pytest.fixture
def moderator(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


def held(article, text: str, **kwargs) -> Comment:
    return make_comment(article, text, status=Status.HELD, **kwargs)


def test_queue_lists_held_comments_newest_first_with_their_article(
    moderator, article, other_article
):
    held(article, "First held.")
    held(other_article, "Second held.")
    held(article, "Third held.")
    make_comment(article, "Published, not waiting.")

    response = moderator.get(QUEUE)

    assert response.status_code == 200
    html = response.text
    assert "Awaiting a decision (3)" in html
    assert html.index("Third held.") < html.index("Second held.")
    assert html.index("Second held.") < html.index("First held.")
    assert "Published, not waiting." not in html
    assert article.title in html
    assert other_article.title in html


def test_queue_shows_who_is_behind_an_anonymous_comment(moderator, alice, article, bob):
    set_site_policy(policy=Policy.HOLD_ALL, actor=bob)
    client = Client()
    client.force_login(alice)
    client.post(
        post_url(article),
        with_token(article, {"text": "Posted incognito.", "anonymous": "on"}),
    )
    Client().post(
        post_url(article), with_token(article, {"text": "A visitor.", "name": "Sam"})
    )

    html = moderator.get(QUEUE).text

    assert "<strong>alice</strong> (posted as Anonymous)" in html
    assert 'Sam <span class="reasons">(no account)</span>' in html


def test_queue_shows_score_reasons_and_reports(moderator, alice, article, settings):
    settings.TALKPAGE_MAX_LINKS = 1
    client = Client()
    client.post(
        post_url(article),
        with_token(
            article, {"text": "See https://a.example and https://b.example today"}
        ),
    )
    reported = make_comment(article, "Magnesium cures cancer.")
    report(
        comment=reported,
        reporter=alice,
        reporter_key=f"user:{alice.pk}",
        reason="misinformation",
        note="Dangerous claim",
    )
    set_status(comment=reported, status=Status.HELD, actor=None, action="test.setup")

    html = moderator.get(QUEUE).text

    assert "Spam score 0.00" in html
    assert "<li>2 links</li>" in html
    assert "1 report:" in html
    assert "Misinformation (“Dangerous claim”)" in html


def test_queue_escapes_what_posters_wrote(moderator, article):
    comment = held(article, "Plain words.")
    Comment.objects.filter(pk=comment.pk).update(
        author_name="<script>alert(1)</script>",
        moderation_reasons=["<img src=x onerror=alert(1)>"],
    )

    html = moderator.get(QUEUE).text

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_queue_offers_one_click_decisions(moderator, article):
    comment = held(article, "Decide on me.")

    html = moderator.get(QUEUE).text

    for action in ["approve", "reject", "spam"]:
        url = reverse(
            "moderation:decide", kwargs={"comment_id": comment.pk, "action": action}
        )
        assert f'action="{url}"' in html
    assert reverse("moderation:ban", kwargs={"comment_id": comment.pk}) in html


def test_approving_from_the_queue_comes_back_to_it(moderator, article):
    comment = held(article, "Approve me.")

    response = moderator.post(
        reverse(
            "moderation:decide", kwargs={"comment_id": comment.pk, "action": "approve"}
        ),
        {"next": QUEUE + "?show=held"},
        follow=True,
    )

    assert response.redirect_chain == [(QUEUE + "?show=held", 302)]
    assert f"Comment {comment.pk}: Approved." in response.text
    assert "Approve me." not in response.text.split("</nav>", 1)[1]
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED


def test_bulk_approve_publishes_several_comments(moderator, article):
    comments = [held(article, f"Held number {n}.") for n in range(3)]
    untouched = held(article, "Not selected.")

    response = moderator.post(
        reverse("moderation:bulk"),
        {"action": "approve", "comments": [c.pk for c in comments]},
        follow=True,
    )

    assert response.status_code == 200
    assert "3 comment(s): Approved." in response.text
    for comment in comments:
        comment.refresh_from_db()
        assert comment.status == Status.PUBLISHED
    untouched.refresh_from_db()
    assert untouched.status == Status.HELD
    article.refresh_from_db()
    assert article.comment_count == 3
    assert ModerationEvent.objects.filter(action="comment.approved").count() == 3


@pytest.mark.parametrize(
    ("action", "status"),
    [("reject", Status.REJECTED), ("spam", Status.SPAM), ("hide", Status.HIDDEN)],
)
def test_bulk_actions(moderator, article, action, status):
    comments = [held(article, f"Held number {n}.") for n in range(2)]

    moderator.post(
        reverse("moderation:bulk"),
        {"action": action, "comments": [c.pk for c in comments]},
    )

    assert set(Comment.objects.values_list("status", flat=True)) == {status}


def test_bulk_delete(moderator, article):
    comments = [held(article, f"Held number {n}.") for n in range(2)]

    moderator.post(
        reverse("moderation:bulk"),
        {"action": "delete", "comments": [c.pk for c in comments]},
    )

    assert not Comment.objects.filter(deleted_at__isnull=True).exists()


def test_bulk_without_comments_or_action_is_refused(moderator, article):
    comment = held(article, "Still waiting.")

    for data in [
        {"action": "approve"},
        {"action": "ban", "comments": [comment.pk]},
        {"comments": [comment.pk]},
        {"action": "approve", "comments": ["x"]},
    ]:
        response = moderator.post(reverse("moderation:bulk"), data, follow=True)
        assert "Choose an action and at least one comment." in response.text

    comment.refresh_from_db()
    assert comment.status == Status.HELD
    assert not ModerationEvent.objects.exclude(action="test.setup").exists()


def test_bulk_twice_is_harmless(moderator, article):
    comments = [held(article, f"Held number {n}.") for n in range(2)]
    data = {"action": "approve", "comments": [c.pk for c in comments]}

    moderator.post(reverse("moderation:bulk"), data)
    moderator.post(reverse("moderation:bulk"), data)

    article.refresh_from_db()
    assert article.comment_count == 2
    assert ModerationEvent.objects.filter(action="comment.approved").count() == 2


def test_spam_tab_lists_spam(moderator, article):
    make_comment(article, "Pills, pills, pills.", status=Status.SPAM)
    held(article, "Waiting.")

    html = moderator.get(QUEUE + "?show=spam").text

    assert "<h2>Marked as spam</h2>" in html
    assert "Pills, pills, pills." in html
    assert "Waiting." not in html


def test_hidden_tab_lists_hidden_and_rejected(moderator, article):
    make_comment(article, "Hidden words.", status=Status.HIDDEN)
    make_comment(article, "Rejected words.", status=Status.REJECTED)
    make_comment(article, "Spam words.", status=Status.SPAM)

    html = moderator.get(QUEUE + "?show=hidden").text

    assert "<h2>Hidden and rejected</h2>" in html
    assert "Hidden words." in html
    assert "Rejected words." in html
    assert "Spam words." not in html


def test_unknown_tab_shows_the_held_comments(moderator, article):
    held(article, "Waiting.")

    response = moderator.get(QUEUE + "?show=everything")

    assert response.status_code == 200
    assert "Waiting." in response.text


def test_queue_leaves_out_deleted_comments(moderator, article, bob):
    from talkpage.moderation.services import delete

    comment = held(article, "Deleted by its author.")
    delete(comment=comment, actor=bob)

    html = moderator.get(QUEUE).text

    assert "Awaiting a decision (0)" in html
    assert "Nothing here. Well done." in html


def test_queue_pages_past_fifty(moderator, article):
    for n in range(51):
        held(article, f"Held number {n}.")

    html = moderator.get(QUEUE).text

    assert "Held number 50." in html
    assert "Held number 0." not in html
    assert "?show=held&amp;page=2" in html
    assert "Held number 0." in moderator.get(QUEUE + "?page=2").text


def reported_and_held(article, text: str, *, author) -> Comment:
    comment = make_comment(article, text, user=author)
    report(comment=comment, reporter=None, reporter_key=text, reason="abuse")
    set_status(comment=comment, status=Status.HELD, actor=None, action="test.setup")
    return comment


def test_queue_costs_the_same_queries_for_many_comments(moderator, alice, article):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert moderator.get(QUEUE).status_code == 200
        return len(captured)

    for n in range(3):
        reported_and_held(article, f"Held number {n}.", author=alice)
    few = queries()
    for n in range(3, 30):
        reported_and_held(article, f"Held number {n}.", author=alice)

    assert "Held number 29." in moderator.get(QUEUE).text
    assert queries() == few
