"""A moderator's decisions on one comment: approve, reject, spam, hide,
restore, delete; from the moderation page or in place on the article."""

import pytest
from django.urls import reverse

from talkpage.discussion.models import Comment, Status
from talkpage.moderation.models import ModerationEvent
from talkpage.testing import make_comment

pytestmark = pytest.mark.django_db


def decide_url(comment: Comment, action: str) -> str:
    return reverse(
        "moderation:decide", kwargs={"comment_id": comment.pk, "action": action}
    )


def comment_count(article) -> int:
    article.refresh_from_db()
    return article.comment_count


def test_approve_publishes_a_held_comment_for_everyone(client, bob, article):
    held = make_comment(article, "Is magnesium safe?", status=Status.HELD)
    assert comment_count(article) == 0
    client.force_login(bob)

    response = client.post(decide_url(held, "approve"))

    assert response.status_code == 302
    assert response["Location"] == reverse("moderation:queue")
    held.refresh_from_db()
    assert held.status == Status.PUBLISHED
    assert comment_count(article) == 1
    client.logout()
    assert "Is magnesium safe?" in client.get(article.get_absolute_url()).text


def test_approving_a_held_reply_counts_it_in_its_thread(client, bob, article):
    root = make_comment(article, "A question.")
    reply = make_comment(article, "An answer.", in_reply_to=root, status=Status.HELD)
    client.force_login(bob)

    client.post(decide_url(reply, "approve"))

    root.refresh_from_db()
    assert root.reply_count == 1
    assert comment_count(article) == 2


def test_reject_keeps_a_held_comment_from_everyone(client, bob, alice, article):
    held = make_comment(article, "Rude words.", user=alice, status=Status.HELD)
    client.force_login(bob)

    response = client.post(decide_url(held, "reject"))

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Status.REJECTED
    assert comment_count(article) == 0
    client.force_login(alice)
    assert "Rude words." not in client.get(article.get_absolute_url()).text


def test_spam_takes_a_published_comment_out_of_view_and_count(client, bob, article):
    comment = make_comment(article, "Cheap pills here.")
    assert comment_count(article) == 1
    client.force_login(bob)

    response = client.post(decide_url(comment, "spam"))

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.SPAM
    assert comment_count(article) == 0
    client.logout()
    assert "Cheap pills here." not in client.get(article.get_absolute_url()).text


def test_hide_and_restore_in_place(client, bob, article):
    comment = make_comment(article, "Off-topic rant.")
    client.force_login(bob)
    here = article.get_absolute_url()

    response = client.post(decide_url(comment, "hide"), {"next": here})

    assert response.status_code == 302
    assert response["Location"] == here
    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN
    assert comment_count(article) == 0

    response = client.post(decide_url(comment, "restore"), {"next": here})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    assert comment_count(article) == 1


def test_moderator_deletes_a_comment(client, bob, alice, article):
    comment = make_comment(article, "Personal details.", user=alice)
    client.force_login(bob)

    response = client.post(decide_url(comment, "delete"))

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_deleted
    assert comment.body == ""
    assert comment_count(article) == 0


def test_decision_goes_back_to_the_page_it_came_from_on_this_site_only(
    client, bob, article
):
    comment = make_comment(article, "Fine comment.")
    client.force_login(bob)

    response = client.post(
        decide_url(comment, "hide"), {"next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("moderation:queue")


@pytest.mark.parametrize(
    ("start", "action", "end", "visible"),
    [
        (Status.HELD, "approve", Status.PUBLISHED, 1),
        (Status.HELD, "reject", Status.REJECTED, 0),
        (Status.HELD, "spam", Status.SPAM, 0),
        (Status.PUBLISHED, "hide", Status.HIDDEN, 0),
        (Status.HIDDEN, "restore", Status.PUBLISHED, 1),
    ],
)
def test_acting_twice_is_harmless(client, bob, article, start, action, end, visible):
    root = make_comment(article, "The thread.")
    comment = make_comment(article, "The reply.", in_reply_to=root, status=start)
    client.force_login(bob)

    first = client.post(decide_url(comment, action))
    second = client.post(decide_url(comment, action))

    assert first.status_code == second.status_code == 302
    comment.refresh_from_db()
    root.refresh_from_db()
    assert comment.status == end
    assert root.reply_count == visible
    assert comment_count(article) == 1 + visible
    assert ModerationEvent.objects.exclude(action="test.setup").count() == 1


def test_deleting_twice_is_harmless(client, bob, article):
    comment = make_comment(article, "Delete me.")
    client.force_login(bob)

    client.post(decide_url(comment, "delete"))
    response = client.post(decide_url(comment, "delete"))

    assert response.status_code == 302
    assert comment_count(article) == 0
    assert ModerationEvent.objects.filter(action="comment.deleted").count() == 1


def test_moderator_sees_actions_in_place(client, bob, alice, article):
    comment = make_comment(article, "Something to moderate.", user=alice)
    client.force_login(bob)

    html = client.get(article.get_absolute_url()).text

    assert 'aria-label="Moderator actions"' in html
    assert decide_url(comment, "hide") in html
    assert decide_url(comment, "delete") in html
    assert reverse("moderation:ban", kwargs={"comment_id": comment.pk}) in html
    assert ">Ban author</a>" in html


def test_reader_sees_no_moderator_actions(client, alice, mallory, article):
    comment = make_comment(article, "Something to read.", user=mallory)
    client.force_login(alice)

    html = client.get(article.get_absolute_url()).text

    assert "Something to read." in html
    assert "Moderator actions" not in html
    assert decide_url(comment, "hide") not in html
    assert "Ban author" not in html


def test_hidden_comment_shows_to_moderators_marked_with_restore(
    client, bob, alice, article
):
    comment = make_comment(article, "A hidden remark.", status=Status.HIDDEN)
    client.force_login(bob)

    html = client.get(article.get_absolute_url()).text

    assert "A hidden remark." in html
    assert "Hidden by a moderator" in html
    assert decide_url(comment, "restore") in html
    assert decide_url(comment, "hide") not in html

    client.force_login(alice)
    html = client.get(article.get_absolute_url()).text
    assert "A hidden remark." not in html
    assert "Hidden by a moderator" not in html


def test_hidden_reply_shows_to_moderators_marked(client, bob, article):
    root = make_comment(article, "A thread.")
    make_comment(article, "A hidden reply.", in_reply_to=root, status=Status.HIDDEN)
    client.force_login(bob)

    html = client.get(article.get_absolute_url()).text

    assert "A hidden reply." in html
    assert "Hidden by a moderator" in html


def test_moderator_approves_a_held_reply_in_place(client, bob, article):
    root = make_comment(article, "A thread.")
    reply = make_comment(article, "A held reply.", in_reply_to=root, status=Status.HELD)
    client.force_login(bob)

    html = client.get(article.get_absolute_url()).text
    assert "A held reply." in html
    assert decide_url(reply, "approve") in html

    response = client.post(
        decide_url(reply, "approve"), {"next": article.get_absolute_url()}
    )

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.status == Status.PUBLISHED
