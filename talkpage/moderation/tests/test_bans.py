"""Banning an author: an account, or an anonymous poster's network; with
expiry, lifting, and hiding what they already published."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from talkpage.discussion.models import Comment, Status
from talkpage.moderation.models import Ban, ModerationEvent
from talkpage.moderation.services import ban_author
from talkpage.testing import make_comment, post_url, with_token

pytestmark = pytest.mark.django_db

SPAMMER_ADDRESS = "203.0.113.5"
SAME_NETWORK = "203.0.113.77"
OTHER_NETWORK = "198.51.100.1"


def ban_url(comment) -> str:
    return reverse("moderation:ban", kwargs={"comment_id": comment.pk})


def post(client, article, text: str, **extra):
    return client.post(post_url(article), with_token(article, {"text": text}), **extra)


@pytest.fixture
def moderator(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def anonymous_comment(article) -> Comment:
    """A visitor's comment, posted from SPAMMER_ADDRESS."""
    response = post(Client(), article, "Visit my shop.", REMOTE_ADDR=SPAMMER_ADDRESS)
    assert response.status_code == 302
    return Comment.objects.get()


def test_ban_form_names_the_account(moderator, mallory, article):
    comment = make_comment(article, "Rude.", user=mallory, anonymous=True)

    response = moderator.get(ban_url(comment))

    assert response.status_code == 200
    assert "This bans the account <strong>mallory</strong>." in response.text
    assert "Days (empty: until lifted)" in response.text


def test_ban_form_explains_a_network_ban(moderator, anonymous_comment):
    response = moderator.get(ban_url(anonymous_comment))

    assert response.status_code == 200
    assert "this bans their network" in response.text


def test_banned_account_cannot_post_and_keeps_its_text(
    moderator, bob, mallory, article
):
    comment = make_comment(article, "Rude.", user=mallory)

    response = moderator.post(ban_url(comment), {"reason": "Insults"})

    assert response.status_code == 302
    ban = Ban.objects.get()
    assert ban.user == mallory
    assert ban.network_hash == ""
    assert ban.created_by == bob
    assert ban.expires_at is None

    client = Client()
    client.force_login(mallory)
    response = post(client, article, "Let me back in.")

    assert response.status_code == 403
    assert "You have been banned from commenting. Reason: Insults" in response.text
    assert "Let me back in." in response.text
    assert Comment.objects.count() == 1


def test_banned_account_cannot_post_anonymously_either(bob, mallory, article):
    ban_author(comment=make_comment(article, "Rude.", user=mallory), actor=bob)
    client = Client()
    client.force_login(mallory)

    response = client.post(
        post_url(article),
        with_token(article, {"text": "Incognito.", "anonymous": "on"}),
    )

    assert response.status_code == 403
    assert "banned" in response.text


def test_anonymous_poster_is_banned_by_network(moderator, anonymous_comment, article):
    assert anonymous_comment.network_hash

    response = moderator.post(ban_url(anonymous_comment), {"reason": "Spam"})

    assert response.status_code == 302
    ban = Ban.objects.get()
    assert ban.user is None
    assert ban.network_hash == anonymous_comment.network_hash

    same = post(Client(), article, "Visit my shop again.", REMOTE_ADDR=SAME_NETWORK)
    assert same.status_code == 403
    assert "You have been banned from commenting." in same.text
    assert "Visit my shop again." in same.text

    other = post(Client(), article, "A neighbour's comment.", REMOTE_ADDR=OTHER_NETWORK)
    assert other.status_code == 302
    assert Comment.objects.filter(body="A neighbour's comment.").exists()
    assert not Comment.objects.filter(body="Visit my shop again.").exists()


def test_network_ban_stores_no_address(moderator, anonymous_comment):
    moderator.post(ban_url(anonymous_comment), {})

    ban = Ban.objects.get()
    assert "203.0.113" not in ban.network_hash
    assert "203.0.113" not in str(ModerationEvent.objects.get().after)


def test_empty_ban_form_bans_until_lifted(moderator, anonymous_comment):
    response = moderator.post(ban_url(anonymous_comment), {})

    assert response.status_code == 302
    ban = Ban.objects.get()
    assert ban.expires_at is None
    assert ban.reason == ""


@pytest.mark.parametrize("days", ["0", "-3", "soon", "99999"])
def test_ban_with_bad_days_is_refused(moderator, anonymous_comment, days):
    response = moderator.post(ban_url(anonymous_comment), {"days": days})

    assert response.status_code == 400
    assert not Ban.objects.exists()


def test_comment_with_nothing_to_ban_by_is_refused(moderator, article):
    comment = make_comment(article, "Imported long ago.")

    response = moderator.post(ban_url(comment), {})

    assert response.status_code == 400
    assert "This comment carries nothing to ban by." in response.text
    assert not Ban.objects.exists()


def test_ban_with_days_expires(moderator, anonymous_comment, article):
    moderator.post(ban_url(anonymous_comment), {"days": "7", "reason": "Cool off"})
    ban = Ban.objects.get()
    assert ban.expires_at - timezone.now() > timedelta(days=6, hours=23)

    refused = post(Client(), article, "Still here.", REMOTE_ADDR=SAME_NETWORK)
    assert refused.status_code == 403
    assert "banned from commenting until" in refused.text

    Ban.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    allowed = post(Client(), article, "Back again.", REMOTE_ADDR=SAME_NETWORK)

    assert allowed.status_code == 302
    assert Comment.objects.filter(body="Back again.").exists()


def test_bans_page_lists_bans_in_force_only(moderator, bob, mallory, article):
    ban_author(comment=make_comment(article, "Rude.", user=mallory), actor=bob)
    expired = Ban.objects.create(
        network_hash="expired",
        reason="Long ago",
        expires_at=timezone.now() - timedelta(days=1),
    )

    response = moderator.get(reverse("moderation:bans"))

    assert response.status_code == 200
    assert "mallory" in response.text
    assert "Long ago" not in response.text
    assert reverse("moderation:lift-ban", kwargs={"ban_id": expired.pk}) not in (
        response.text
    )


def test_lifting_a_ban_lets_them_post_again(moderator, bob, mallory, article):
    ban = ban_author(comment=make_comment(article, "Rude.", user=mallory), actor=bob)

    response = moderator.post(reverse("moderation:lift-ban", kwargs={"ban_id": ban.pk}))

    assert response.status_code == 302
    assert response["Location"] == reverse("moderation:bans")
    ban.refresh_from_db()
    assert ban.lifted_at is not None
    client = Client()
    client.force_login(mallory)
    assert post(client, article, "Sorry about that.").status_code == 302
    assert "mallory" not in moderator.get(reverse("moderation:bans")).text


def test_lifting_twice_is_harmless(moderator, bob, mallory, article):
    ban = ban_author(comment=make_comment(article, "Rude.", user=mallory), actor=bob)
    url = reverse("moderation:lift-ban", kwargs={"ban_id": ban.pk})

    moderator.post(url)
    response = moderator.post(url)

    assert response.status_code == 302
    assert ModerationEvent.objects.filter(action="author.unbanned").count() == 1


def test_banning_twice_keeps_one_ban(moderator, mallory, article):
    comment = make_comment(article, "Rude.", user=mallory)
    other = make_comment(article, "Ruder.", user=mallory)

    moderator.post(ban_url(comment), {"reason": "Insults"})
    response = moderator.post(ban_url(other), {"reason": "Insults"})

    assert response.status_code == 302
    assert Ban.objects.count() == 1
    assert ModerationEvent.objects.filter(action="author.banned").count() == 1

    moderator.post(
        reverse("moderation:lift-ban", kwargs={"ban_id": Ban.objects.get().pk})
    )
    client = Client()
    client.force_login(mallory)
    assert post(client, article, "Free at last.").status_code == 302


def test_ban_can_hide_their_published_comments_at_once(
    moderator, mallory, alice, article, other_article
):
    rude = [
        make_comment(article, "Rude one.", user=mallory),
        make_comment(other_article, "Rude two.", user=mallory, anonymous=True),
    ]
    make_comment(article, "Alice's kind words.", user=alice)
    article.refresh_from_db()
    assert article.comment_count == 2

    response = moderator.post(
        ban_url(rude[0]), {"reason": "Insults", "hide_published": "on"}
    )

    assert response.status_code == 302
    for comment in rude:
        comment.refresh_from_db()
        assert comment.status == Status.HIDDEN
    article.refresh_from_db()
    other_article.refresh_from_db()
    assert article.comment_count == 1
    assert other_article.comment_count == 0
    html = Client().get(article.get_absolute_url()).text
    assert "Rude one." not in html
    assert "Alice's kind words." in html
    assert ModerationEvent.objects.filter(action="comment.hidden").count() == 2


def test_network_ban_hides_only_anonymous_comments_from_that_network(
    moderator, anonymous_comment, article
):
    neighbour = post(
        Client(), article, "A neighbour's comment.", REMOTE_ADDR=OTHER_NETWORK
    )
    assert neighbour.status_code == 302

    moderator.post(ban_url(anonymous_comment), {"hide_published": "on"})

    anonymous_comment.refresh_from_db()
    assert anonymous_comment.status == Status.HIDDEN
    assert Comment.objects.get(body="A neighbour's comment.").is_published
    article.refresh_from_db()
    assert article.comment_count == 1


def test_network_ban_spares_members_on_the_same_network(
    moderator, alice, anonymous_comment, article
):
    member = Client(REMOTE_ADDR=SAME_NETWORK)
    member.force_login(alice)
    assert post(member, article, "Alice, same café wifi.").status_code == 302

    moderator.post(ban_url(anonymous_comment), {"hide_published": "on"})

    anonymous_comment.refresh_from_db()
    assert anonymous_comment.status == Status.HIDDEN
    assert Comment.objects.get(user=alice).is_published
    article.refresh_from_db()
    assert article.comment_count == 1


def test_bans_page_hides_their_comments_later(moderator, bob, mallory, article):
    make_comment(article, "Posted before, published.", user=mallory)
    ban = ban_author(comment=make_comment(article, "Rude.", user=mallory), actor=bob)

    response = moderator.post(
        reverse("moderation:hide-ban-comments", kwargs={"ban_id": ban.pk}),
        follow=True,
    )

    assert response.status_code == 200
    assert "2 comment(s) hidden." in response.text
    assert not Comment.objects.filter(user=mallory).visible().exists()
    article.refresh_from_db()
    assert article.comment_count == 0


def test_ban_on_a_missing_comment_is_not_found(moderator):
    assert moderator.get(reverse("moderation:ban", args=[999])).status_code == 404
    assert moderator.post(reverse("moderation:ban", args=[999])).status_code == 404
    assert moderator.post(reverse("moderation:lift-ban", args=[999])).status_code == 404


def test_a_banned_member_cannot_edit_their_words(client, alice, bob, article):
    from talkpage.discussion.services import post_comment
    from talkpage.moderation import services as moderation

    comment = post_comment(article=article, user=alice, text="before").comment
    moderation.ban_author(comment=comment, actor=bob, reason="abuse")
    client.force_login(alice)
    response = client.post(f"/comments/{comment.pk}/edit/", {"text": "after"})
    assert response.status_code == 403
    assert "banned" in response.content.decode()
    api = client.patch(
        f"/api/v1/comments/{comment.pk}",
        '{"text": "after"}',
        content_type="application/json",
    )
    assert api.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "before"


def test_moderators_are_not_held_by_policy(client, bob, article, settings):
    from talkpage.discussion.models import Comment
    from talkpage.testing import with_token

    settings.TALKPAGE_MODERATION_POLICY = "hold-all"
    client.force_login(bob)
    client.post(
        f"/articles/{article.slug}/comments/", with_token(article, {"text": "mod"})
    )
    assert Comment.objects.get().is_published
