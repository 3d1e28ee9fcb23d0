"""The moderation policy: open, hold-anonymous, hold-all, closed; site-wide
with a per-article override; and who sees a held comment."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from talkpage.discussion.models import Comment, Status
from talkpage.moderation.models import ModerationEvent, Policy, SiteModeration
from talkpage.moderation.services import (
    approve,
    policy_for,
    set_article_policy,
    set_site_policy,
)
from talkpage.testing import make_comment, post_url, with_token

pytestmark = pytest.mark.django_db


def post(client, article, text: str, **extra):
    return client.post(post_url(article), with_token(article, {"text": text}), **extra)


def comment_count(article) -> int:
    article.refresh_from_db()
    return article.comment_count


@pytest.fixture
def alice_with_history(alice, other_article):
    """alice, with one comment a moderator let through before."""
    make_comment(other_article, "An earlier, approved comment.", user=alice)
    return alice


# --- Policies -------------------------------------------------------------


def test_open_policy_publishes_anonymous_comments_at_once(client, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.OPEN

    response = post(client, article, "Published at once.")

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == Status.PUBLISHED
    assert comment.moderation_reasons == []
    assert comment_count(article) == 1


def test_hold_anonymous_holds_visitors(client, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ANONYMOUS

    response = post(client, article, "From a visitor.")

    assert response.status_code == 302
    page = client.get(response["Location"]).text
    assert "Your comment is awaiting moderation" in page
    comment = Comment.objects.get()
    assert comment.status == Status.HELD
    assert comment.moderation_reasons == ["policy: hold-anonymous"]
    assert comment_count(article) == 0


def test_hold_anonymous_holds_members_without_an_approved_history(
    client, alice, article, settings
):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ANONYMOUS
    client.force_login(alice)

    response = post(client, article, "My first comment.")

    assert response.status_code == 302
    assert Comment.objects.get().status == Status.HELD


def test_hold_anonymous_publishes_members_with_an_approved_history(
    client, alice_with_history, article, settings
):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ANONYMOUS
    client.force_login(alice_with_history)

    response = post(client, article, "My second comment.")

    assert response.status_code == 302
    assert "Your comment is posted." in client.get(response["Location"]).text
    assert Comment.objects.get(article=article).status == Status.PUBLISHED
    assert comment_count(article) == 1


def test_hold_anonymous_trusts_members_who_choose_to_appear_anonymous(
    client, alice_with_history, article, settings
):
    # The moderators know who they are, and can ban the account.
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ANONYMOUS
    client.force_login(alice_with_history)

    client.post(
        post_url(article),
        with_token(article, {"text": "Shown as Anonymous.", "anonymous": "on"}),
    )

    comment = Comment.objects.get(article=article)
    assert comment.anonymous
    assert comment.status == Status.PUBLISHED


def test_hold_anonymous_history_must_be_approved_not_only_posted(
    client, alice, article, other_article, settings
):
    make_comment(other_article, "Still held.", user=alice, status=Status.HELD)
    make_comment(other_article, "Rejected.", user=alice, status=Status.REJECTED)
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ANONYMOUS
    client.force_login(alice)

    post(client, article, "Third try.")

    assert Comment.objects.get(article=article).status == Status.HELD


def test_hold_all_holds_even_members_with_a_history(
    client, alice_with_history, article, settings
):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ALL
    client.force_login(alice_with_history)

    response = post(client, article, "Held like everyone's.")

    assert response.status_code == 302
    comment = Comment.objects.get(article=article)
    assert comment.status == Status.HELD
    assert comment.moderation_reasons == ["policy: hold-all"]
    assert comment_count(article) == 0


def test_closed_policy_refuses_comments_and_keeps_the_text(client, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.CLOSED

    response = post(client, article, "Words I typed with care.")

    assert response.status_code == 403
    assert "Comments are closed on this article." in response.text
    assert "Words I typed with care." in response.text
    assert not Comment.objects.exists()


def test_closed_article_shows_no_form(client, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.CLOSED

    html = client.get(article.get_absolute_url()).text

    assert "Comments are closed on this article." in html
    assert 'class="comment-form"' not in html


def test_article_closes_by_itself_after_the_configured_days(client, article, settings):
    settings.TALKPAGE_CLOSE_AFTER_DAYS = 1  # the article is a day old

    response = post(client, article, "Too late.")

    assert response.status_code == 403
    assert "Comments are closed" in response.text
    assert not Comment.objects.exists()


def test_moderator_can_reopen_an_article_closed_by_age(client, bob, article, settings):
    settings.TALKPAGE_CLOSE_AFTER_DAYS = 1
    set_article_policy(article=article, policy=Policy.OPEN, actor=bob)

    response = post(client, article, "Reopened.")

    assert response.status_code == 302
    assert Comment.objects.get().status == Status.PUBLISHED


def test_article_stays_open_before_the_configured_days(client, article, settings):
    settings.TALKPAGE_CLOSE_AFTER_DAYS = 2

    response = post(client, article, "Just in time.")

    assert response.status_code == 302
    assert Comment.objects.get().status == Status.PUBLISHED


def test_article_policy_beats_the_site_policy(client, article, other_article, bob):
    set_site_policy(policy=Policy.HOLD_ALL, actor=bob)
    set_article_policy(article=article, policy=Policy.OPEN, actor=bob)

    post(client, article, "On the open article.")
    post(client, other_article, "On the other article.")

    assert Comment.objects.get(article=article).status == Status.PUBLISHED
    assert Comment.objects.get(article=other_article).status == Status.HELD


def test_article_can_be_closed_while_the_site_is_open(client, article, bob):
    set_article_policy(article=article, policy=Policy.CLOSED, actor=bob)

    response = post(client, article, "Anyone there?")

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_site_policy_on_the_page_overrides_the_setting(client, article, settings, bob):
    settings.TALKPAGE_MODERATION_POLICY = Policy.OPEN
    client.force_login(bob)

    response = client.post(reverse("moderation:site-policy"), {"policy": "hold-all"})

    assert response.status_code == 302
    assert SiteModeration.objects.get().policy == Policy.HOLD_ALL
    client.logout()
    post(client, article, "Held by the new policy.")
    assert Comment.objects.get().status == Status.HELD


def test_site_policy_change_is_recorded_with_before_and_after(client, bob, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.OPEN
    client.force_login(bob)

    client.post(reverse("moderation:site-policy"), {"policy": "hold-anonymous"})

    event = ModerationEvent.objects.get()
    assert event.action == "policy.site.changed"
    assert event.actor == bob
    assert event.before == {"policy": "open"}
    assert event.after == {"policy": "hold-anonymous"}
    page = client.get(reverse("moderation:log")).text
    assert "policy.site.changed" in page
    assert "hold-anonymous" in page


def test_unknown_site_policy_is_refused(client, bob, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.OPEN
    client.force_login(bob)

    response = client.post(
        reverse("moderation:site-policy"), {"policy": "anything-goes"}, follow=True
    )

    assert "Choose one of the policies." in response.text
    assert not SiteModeration.objects.exists()
    assert not ModerationEvent.objects.exists()


def test_article_policy_change_on_the_article_page(client, bob, article):
    client.force_login(bob)
    page = client.get(article.get_absolute_url()).text
    assert "Moderation policy for this article" in page

    response = client.post(
        reverse("moderation:article-policy", kwargs={"slug": article.slug}),
        {"policy": "hold-anonymous"},
    )

    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url() + "#discussion"
    article.refresh_from_db()
    assert article.moderation_policy == Policy.HOLD_ANONYMOUS
    event = ModerationEvent.objects.get()
    assert event.action == "policy.article.changed"
    assert event.article == article
    assert event.before == {"policy": ""}
    assert event.after == {"policy": "hold-anonymous"}


def test_article_policy_can_follow_the_site_again(client, bob, article):
    set_article_policy(article=article, policy=Policy.CLOSED, actor=bob)
    client.force_login(bob)

    client.post(
        reverse("moderation:article-policy", kwargs={"slug": article.slug}),
        {"policy": ""},
    )

    article.refresh_from_db()
    assert article.moderation_policy == ""


def test_readers_do_not_see_the_article_policy_form(client, alice, article):
    client.force_login(alice)

    assert "Moderation policy for this article" not in (
        client.get(article.get_absolute_url()).text
    )


def test_form_warns_when_comments_are_read_first(client, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ANONYMOUS

    html = client.get(article.get_absolute_url()).text

    assert "Comments are read by a moderator before they appear." in html


# --- Who sees a held comment ---------------------------------------------


def test_anonymous_author_sees_their_held_comment_marked(client, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ANONYMOUS

    post(client, article, "Waiting patiently.")
    html = client.get(article.get_absolute_url()).text

    assert "Waiting patiently." in html
    assert "Awaiting moderation" in html


def test_signed_in_author_sees_their_held_comment_on_any_device(
    client, alice, article, settings
):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ALL
    client.force_login(alice)
    post(client, article, "Mine, held.")

    other_device = Client()
    other_device.force_login(alice)
    html = other_device.get(article.get_absolute_url()).text

    assert "Mine, held." in html
    assert "Awaiting moderation" in html


def test_held_reply_shows_to_its_author_in_the_thread(client, alice, article, settings):
    root = make_comment(article, "A published question.")
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ALL
    client.force_login(alice)

    client.post(
        post_url(article),
        with_token(article, {"text": "My held answer.", "reply_to": root.pk}),
    )
    html = client.get(article.get_absolute_url()).text

    assert "My held answer." in html
    assert "Awaiting moderation" in html
    root.refresh_from_db()
    assert root.reply_count == 0


def test_other_readers_do_not_see_a_held_comment(
    client, alice, mallory, article, settings
):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ALL
    post(client, article, "Not for your eyes yet.")

    for reader in [None, alice, mallory]:
        other = Client()
        if reader:
            other.force_login(reader)
        html = other.get(article.get_absolute_url()).text
        assert "Not for your eyes yet." not in html
        assert "Awaiting moderation" not in html
        assert "0 comments" in html


def test_moderators_see_a_held_comment_to_decide_on(client, bob, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ALL
    post(client, article, "For the moderators.")
    comment = Comment.objects.get()
    client.force_login(bob)

    queue = client.get(reverse("moderation:queue")).text
    permalink = client.get(comment.get_absolute_url()).text

    assert "For the moderators." in queue
    assert "For the moderators." in permalink
    assert "Awaiting moderation" in permalink


def test_held_comment_is_not_counted_until_approved(client, bob, article, settings):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ALL
    post(client, article, "Count me later.")
    comment = Comment.objects.get()
    reader = Client()

    assert "0 comments" in reader.get("/").text
    assert "0 comments" in reader.get(article.get_absolute_url()).text

    client.force_login(bob)
    client.post(
        reverse(
            "moderation:decide", kwargs={"comment_id": comment.pk, "action": "approve"}
        )
    )

    assert comment_count(article) == 1
    assert "1 comment<" in reader.get("/").text
    html = reader.get(article.get_absolute_url()).text
    assert "1 comment<" in html
    assert "Count me later." in html
    assert "Awaiting moderation" not in html


def test_approved_comment_leaves_the_authors_awaiting_list(client, bob, article):
    set_site_policy(policy=Policy.HOLD_ANONYMOUS, actor=bob)
    post(client, article, "Soon public.")

    approve(comment=Comment.objects.get(), actor=bob)

    html = client.get(article.get_absolute_url()).text
    assert html.count("Soon public.") == 1
    assert "Awaiting moderation" not in html


def test_policy_changes_do_not_touch_comments_already_posted(client, bob, article):
    make_comment(article, "Posted while open.")

    set_site_policy(policy=Policy.HOLD_ALL, actor=bob)

    assert Comment.objects.get().status == Status.PUBLISHED
    assert comment_count(article) == 1


def test_auto_close_counts_from_publication(article, settings):
    settings.TALKPAGE_CLOSE_AFTER_DAYS = 30
    now = article.published_at

    assert policy_for(article, now=now + timedelta(days=29)) == Policy.OPEN
    assert policy_for(article, now=now + timedelta(days=30)) == Policy.CLOSED
