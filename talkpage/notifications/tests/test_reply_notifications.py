"""Reply notifications end to end, through a real SMTP server (aiosmtpd):
double opt-in, visible comments only, batching, unsubscribing."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from talkpage.discussion.models import Comment
from talkpage.moderation.services import approve
from talkpage.notifications.models import Mailbox, Subscription
from talkpage.testing import (
    make_comment,
    path_of,
    plain_body,
    post_url,
    run_queued_tasks,
    subject_of,
    with_token,
)

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+")


def post(client: Client, article, text: str, **fields):
    response = client.post(
        post_url(article), with_token(article, {"text": text, **fields})
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Comment.objects.filter(body=text).get()


def reply_to(comment, text: str, client: Client | None = None, **fields):
    return post(
        client or Client(), comment.article, text, reply_to=comment.pk, **fields
    )


def links_in(message, path: str) -> list[str]:
    body = plain_body(message)
    return [link for link in LINK.findall(body) if path in link]


def confirm_by_mail(mail_server, client: Client | None = None) -> None:
    """Opens the confirmation link in the last message, as its owner would."""
    client = client or Client()
    run_queued_tasks()
    (link,) = links_in(mail_server.messages[-1], "/notifications/confirm/")
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "Confirm" in page.content.decode()
    assert client.post(path_of(link)).status_code == 200


def verified(user):
    user.email_verified_at = timezone.now()
    user.save()
    return user


def waiting_for_replies(user, comment) -> Subscription:
    """``user`` ticked "Email me when someone replies" on ``comment``."""
    return Subscription.objects.create(
        kind="replies",
        article=comment.article,
        comment=comment,
        user=user,
        confirmed_at=timezone.now(),
    )


def verified_member_asks_for_replies(user, article):
    """``user`` (verified) posts with "Email me when someone replies"; their
    signed-in client and the comment."""
    verified(user)
    client = Client()
    client.force_login(user)
    return client, post(client, article, "Does magnesium help sleep?", notify="on")


def deliver_everything() -> None:
    """Runs the worker as if the batching delay had passed."""
    run_queued_tasks(including_later=True)


def test_a_confirmed_anonymous_poster_hears_of_a_reply(article, mail_server):
    mine = post(
        Client(), article, "Magnesium helped me.", notify="on", email="ann@example.org"
    )
    run_queued_tasks()
    (confirmation,) = mail_server.messages
    assert confirmation["To"] == "ann@example.org"
    assert "Confirm your email address" in subject_of(confirmation)
    confirm_by_mail(mail_server)

    reply_to(mine, "Which form did you take?", name="Bea")
    deliver_everything()

    notification = mail_server.messages[-1]
    assert len(mail_server.messages) == 2
    assert notification["To"] == "ann@example.org"
    assert subject_of(notification) == "New reply to your comment on “Magnesium?”"
    body = plain_body(notification)
    assert "Bea wrote:" in body
    assert "Which form did you take?" in body
    assert notification["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(
        r"<https?://\S+/notifications/unsubscribe/\S+/>",
        notification["List-Unsubscribe"].strip(),
    )


def test_nothing_is_sent_before_the_address_is_confirmed(article, mail_server):
    mine = post(
        Client(), article, "Magnesium helped me.", notify="on", email="ann@example.org"
    )
    run_queued_tasks()

    reply_to(mine, "Which form did you take?")
    deliver_everything()

    assert [subject_of(m) for m in mail_server.messages] == [
        "Confirm your email address for Talkpage"
    ]
    assert not Subscription.objects.get().is_confirmed


def test_a_confirmation_link_shown_by_get_confirms_nothing(article, mail_server):
    post(
        Client(), article, "Magnesium helped me.", notify="on", email="ann@example.org"
    )
    run_queued_tasks()
    (link,) = links_in(mail_server.messages[-1], "/notifications/confirm/")

    Client().get(path_of(link))

    assert not Subscription.objects.get().is_confirmed


def test_a_forged_confirmation_link_is_refused(article, mail_server):
    response = Client().post("/notifications/confirm/not-a-token/")

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_held_and_spam_replies_are_never_announced(
    article, alice, mail_server, settings
):
    mine = make_comment(article, "I take magnesium glycinate.", user=alice)
    verified(alice)
    client = Client()
    client.force_login(alice)
    client.post(reverse("notifications:follow", args=[article.slug]))
    settings.TALKPAGE_MODERATION_POLICY = "hold-all"

    held = reply_to(mine, "A reply a moderator has not read yet.")
    deliver_everything()

    assert held.status == "held"
    assert mail_server.messages == []

    approve(comment=held, actor=None)
    deliver_everything()

    (notification,) = mail_server.messages
    assert notification["To"] == "alice@example.org"
    assert "A reply a moderator has not read yet." in plain_body(notification)


def test_a_spam_reply_is_never_announced(article, alice, mail_server):
    mine = make_comment(article, "I take magnesium glycinate.", user=alice)
    verified(alice)
    waiting_for_replies(alice, mine)

    make_comment(article, "Cheap pills here", status="spam", in_reply_to=mine)
    deliver_everything()

    assert mail_server.messages == []


def test_an_unverified_member_gets_no_notification_until_verified(
    article, alice, mail_server
):
    client = Client()
    client.force_login(alice)
    mine = post(client, article, "Does magnesium help sleep?", notify="on")
    assert alice.email_verified_at is None

    reply_to(mine, "It did for me.")
    deliver_everything()
    assert mail_server.messages == []

    verified(alice)
    reply_to(mine, "Not for me, sadly.")
    deliver_everything()

    (notification,) = mail_server.messages
    assert notification["To"] == "alice@example.org"
    body = plain_body(notification)
    assert "Not for me, sadly." in body
    assert "It did for me." not in body


def test_no_one_is_told_of_their_own_reply(article, alice, mail_server):
    client, mine = verified_member_asks_for_replies(alice, article)

    reply_to(mine, "Answering myself: it does.", client=client)
    deliver_everything()

    assert mail_server.messages == []


def test_replies_in_a_busy_thread_go_out_together(
    article, alice, mail_server, settings
):
    settings.TALKPAGE_NOTIFICATION_INTERVAL_MINUTES = 15
    client, mine = verified_member_asks_for_replies(alice, article)

    for number in range(3):
        reply_to(mine, f"Reply number {number}.")
    deliver_everything()

    (notification,) = mail_server.messages
    assert subject_of(notification) == "3 new replies to your comment on “Magnesium?”"
    body = plain_body(notification)
    assert all(f"Reply number {n}." in body for n in range(3))

    reply_to(mine, "A fourth, later.")
    run_queued_tasks()
    mailbox = Mailbox.objects.get(address="alice@example.org")
    assert mailbox.next_send_at >= mailbox.last_sent_at + timezone.timedelta(minutes=15)


def test_unsubscribing_by_the_link_asks_for_confirmation(article, alice, mail_server):
    client, mine = verified_member_asks_for_replies(alice, article)
    reply_to(mine, "It did for me.")
    deliver_everything()
    (link,) = links_in(mail_server.messages[-1], "/notifications/unsubscribe/")[-1:]

    page = Client().get(path_of(link))

    assert page.status_code == 200
    assert "Unsubscribe" in page.content.decode()
    assert Subscription.objects.count() == 1

    done = Client(enforce_csrf_checks=True).post(path_of(link))

    assert done.status_code == 200
    assert Subscription.objects.count() == 0
    reply_to(mine, "Another reply.")
    deliver_everything()
    assert len(mail_server.messages) == 1


def test_one_click_unsubscribe_from_the_mail_header(article, mail_server):
    mine = post(
        Client(), article, "Magnesium helped me.", notify="on", email="ann@example.org"
    )
    confirm_by_mail(mail_server)
    reply_to(mine, "Which form?")
    deliver_everything()
    header = mail_server.messages[-1]["List-Unsubscribe"]
    url = header.strip("<>")

    # What a mail client sends (RFC 8058): no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        path_of(url),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert Subscription.objects.count() == 0
    assert not Mailbox.objects.filter(address="ann@example.org").exists()


def test_a_forged_unsubscribe_link_is_refused(mail_server):
    response = Client().post("/notifications/unsubscribe/forged/")

    assert response.status_code == 404


def test_a_down_mail_server_never_fails_the_post_and_the_mail_comes_later(
    article, alice, mail_server
):
    verified(alice)
    mine = make_comment(article, "Does magnesium help sleep?", user=alice)
    waiting_for_replies(alice, mine)
    mail_server.stop()

    reply = reply_to(mine, "It did for me.")
    deliver_everything_but_retries()

    assert reply.is_published
    assert mail_server.messages == []

    mail_server.start()
    deliver_everything()

    (notification,) = mail_server.messages
    assert "It did for me." in plain_body(notification)


def deliver_everything_but_retries() -> None:
    """The next 90 seconds: the notification is built, and the first two
    attempts to send it fail."""
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    run_queued_tasks(until=timezone.now() + timezone.timedelta(seconds=90))
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 2


def test_names_and_titles_cannot_add_mail_headers(article, alice, mail_server):
    article.title = "Magnesium\r\nBcc: mallory@example.net\u2028X-Evil: 1"
    article.save()
    verified(alice)
    mine = make_comment(article, "Does magnesium help sleep?", user=alice)
    waiting_for_replies(alice, mine)

    reply_to(mine, "It did for me.", name="Bea\nBcc: mallory@example.net")
    deliver_everything()

    (notification,) = mail_server.messages
    assert notification["Bcc"] is None
    assert notification["X-Evil"] is None
    assert "\n" not in subject_of(notification)


def test_a_reader_follows_an_article_after_confirming(article, mail_server):
    client = Client()
    response = client.post(
        reverse("notifications:follow", args=[article.slug]),
        {"email": "cy@example.org"},
    )
    assert response.status_code == 302
    confirm_by_mail(mail_server)

    post(Client(), article, "A new top-level comment.")
    deliver_everything()

    notification = mail_server.messages[-1]
    assert notification["To"] == "cy@example.org"
    assert subject_of(notification) == "New comment on “Magnesium?”"


def test_following_without_an_address_is_a_clear_error(article):
    response = Client().post(
        reverse("notifications:follow", args=[article.slug]), {"email": ""}
    )

    assert response.status_code == 400
    assert "Please enter your email address to follow." in response.content.decode()
    assert Subscription.objects.count() == 0


def test_following_with_a_bad_address_is_a_clear_error(article):
    response = Client().post(
        reverse("notifications:follow", args=[article.slug]),
        {"email": "not an address"},
    )

    assert response.status_code == 400
    assert "Please enter an email address." in response.content.decode()


def test_a_strangers_address_gets_few_confirmations(article, mail_server):
    for number in range(5):
        make_comment(article, f"Comment {number}")
        Client().post(
            reverse("notifications:follow", args=[article.slug])
            if number == 0
            else post_url(article),
            {"email": "victim@example.org"}
            if number == 0
            else with_token(
                article,
                {
                    "text": f"Posted {number}",
                    "notify": "on",
                    "email": "victim@example.org",
                },
            ),
        )
    run_queued_tasks()

    assert len(mail_server.messages) == 3


def test_a_bad_email_on_the_comment_form_keeps_the_comment_text(article):
    response = Client().post(
        post_url(article),
        with_token(article, {"text": "My words", "notify": "on", "email": "nope"}),
    )

    assert response.status_code == 400
    assert "My words" in response.content.decode()
    assert "Please enter an email address" in response.content.decode()
    assert Comment.objects.count() == 0


def test_the_discussion_offers_reply_emails_and_following(client, article):
    html = client.get(article.get_absolute_url()).content.decode()

    assert "Email me when someone replies" in html
    assert "Follow this discussion" in html


def test_a_member_stops_a_subscription_from_their_settings(article, alice):
    Subscription.objects.create(
        kind="article", article=article, user=alice, confirmed_at=timezone.now()
    )
    client = Client()
    client.force_login(alice)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "New comments on" in page

    subscription = Subscription.objects.get()
    response = client.post(reverse("notifications:stop", args=[subscription.pk]))

    assert response.status_code == 302
    assert Subscription.objects.count() == 0


def test_a_member_cannot_stop_someone_elses_subscription(article, alice, mallory):
    subscription = Subscription.objects.create(
        kind="article", article=article, user=alice, confirmed_at=timezone.now()
    )
    client = Client()
    client.force_login(mallory)

    response = client.post(reverse("notifications:stop", args=[subscription.pk]))

    assert response.status_code == 404
    assert Subscription.objects.count() == 1


def test_a_member_follows_with_one_button(article, alice):
    client = Client()
    client.force_login(alice)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Follow this discussion" in html
    assert 'id="id_follow_email"' not in html

    response = client.post(reverse("notifications:follow", args=[article.slug]))

    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert (subscription.user, subscription.kind) == (alice, "article")
    assert subscription.is_confirmed  # the account's own address
    client.post(reverse("notifications:follow", args=[article.slug]))
    assert Subscription.objects.count() == 1


def test_following_from_another_site_is_refused(article, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(reverse("notifications:follow", args=[article.slug]))

    assert response.status_code == 403
    assert Subscription.objects.count() == 0


def test_a_visitor_sees_the_email_field_to_follow(client, article):
    html = client.get(article.get_absolute_url()).content.decode()

    assert 'id="id_follow_email"' in html


def test_handled_notices_are_forgotten_after_a_month(article, alice):
    from talkpage.notifications.models import Notice
    from talkpage.notifications.services import NOTICE_DAYS, forget_old_notices

    comment = make_comment(article, "Hello")
    subscription = Subscription.objects.create(
        kind="article", article=article, user=alice, confirmed_at=timezone.now()
    )
    old = timezone.now() - timezone.timedelta(days=NOTICE_DAYS + 1)
    Notice.objects.create(subscription=subscription, comment=comment, handled_at=old)

    assert forget_old_notices() == 1
    assert not Notice.objects.exists()


def test_ticking_reply_emails_without_an_address_is_a_clear_error(article):
    response = Client().post(
        post_url(article), with_token(article, {"text": "My words", "notify": "on"})
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Please enter your email address to be told about replies" in html
    assert "My words" in html
    assert Comment.objects.count() == 0


def test_an_address_that_follows_and_waits_for_replies_hears_once(
    article, alice, mail_server
):
    client, mine = verified_member_asks_for_replies(alice, article)
    client.post(reverse("notifications:follow", args=[article.slug]))

    reply_to(mine, "It did for me.")
    deliver_everything()

    (notification,) = mail_server.messages
    assert subject_of(notification) == "New reply to your comment on “Magnesium?”"
    body = plain_body(notification)
    assert body.count("It did for me.") == 1


def test_a_deactivated_member_is_not_mailed(article, alice, mail_server):
    client, mine = verified_member_asks_for_replies(alice, article)
    alice.is_active = False
    alice.save()

    reply_to(mine, "It did for me.")
    deliver_everything()

    assert mail_server.messages == []


def test_a_lost_message_does_not_hold_an_address_back(article, alice, mail_server):
    from django_tasks_db.models import DBTaskResult

    client, mine = verified_member_asks_for_replies(alice, article)
    reply_to(mine, "First reply.")
    run_queued_tasks()  # the message is planned...
    DBTaskResult.objects.filter(
        task_path__endswith="send_notices"
    ).delete()  # ...and lost
    Mailbox.objects.update(next_send_at=timezone.now() - timezone.timedelta(hours=2))

    reply_to(mine, "Second reply.")
    deliver_everything()

    (notification,) = mail_server.messages
    body = plain_body(notification)
    assert "First reply." in body and "Second reply." in body


def test_asking_again_a_day_later_sends_a_new_confirmation(article, mail_server):
    follow = reverse("notifications:follow", args=[article.slug])
    Client().post(follow, {"email": "cy@example.org"})
    run_queued_tasks()
    Subscription.objects.update(
        confirmation_sent_at=timezone.now() - timezone.timedelta(days=2)
    )

    Client().post(follow, {"email": "CY@example.org"})
    run_queued_tasks()

    assert len(mail_server.messages) == 2
    assert Subscription.objects.count() == 1


def test_unconfirmed_subscriptions_are_forgotten(article, settings):
    from talkpage.notifications.services import forget_old_notices

    too_old = timezone.timedelta(days=settings.TALKPAGE_CONFIRMATION_DAYS + 1)
    Subscription.objects.create(
        kind="article",
        article=article,
        email="cy@example.org",
        created_at=timezone.now() - too_old,
    )

    forget_old_notices()

    assert not Subscription.objects.exists()


def test_stopping_a_subscription_needs_a_signed_in_member(article, alice):
    subscription = Subscription.objects.create(
        kind="article", article=article, user=alice, confirmed_at=timezone.now()
    )

    response = Client().post(reverse("notifications:stop", args=[subscription.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert Subscription.objects.count() == 1
