"""Alice's life on the site, as the pages would record it: comments of
every kind, votes, reports, a ban, two signed-in browsers, an admin's edit
of her account, and a comment she posted while signed out; and around her,
Mallory's and Bob's own data, which her export and erasure must not touch.
"""

from dataclasses import dataclass

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client
from django.urls import reverse

from talkpage.discussion.models import Comment, Status
from talkpage.moderation import services as moderation
from talkpage.moderation.models import Ban
from talkpage.privacy.tests.helpers import (
    ALICES_NETWORK,
    MALLORYS_NETWORK,
    browser,
    post,
)


@dataclass
class AlicesWorld:
    laptop: Client
    phone: Client
    # Alice's comments, signed in.
    published: Comment
    anonymous: Comment
    reply: Comment
    held: Comment
    spam: Comment
    hidden: Comment
    deleted_by_moderator: Comment
    # Posted from her network while signed out: not tied to her account.
    signed_out: Comment
    network_ban: Ban
    account_ban: Ban
    # Other people's.
    mallorys: Comment
    mallorys_reply: Comment

    @property
    def network_hash(self) -> str:
        return self.published.network_hash

    @property
    def signed_in_comments(self) -> list[Comment]:
        return [
            self.published,
            self.anonymous,
            self.reply,
            self.held,
            self.spam,
            self.hidden,
            self.deleted_by_moderator,
        ]

    def refresh(self) -> None:
        for comment in [*self.signed_in_comments, self.signed_out, self.mallorys]:
            comment.refresh_from_db()
        self.mallorys_reply.refresh_from_db()


@pytest.fixture
def world(alice, bob, mallory, article, other_article) -> AlicesWorld:
    laptop = browser(ALICES_NETWORK, alice)
    phone = browser(ALICES_NETWORK, alice)
    mallorys_browser = browser(MALLORYS_NETWORK, mallory)

    mallorys = post(mallorys_browser, article, "Magnesium is a scam, trust me.")
    published = post(laptop, article, "Magnesium helped my sleep.")
    edited = laptop.post(
        reverse("discussion:edit", args=[published.pk]),
        {"text": "Magnesium helped my sleep a lot."},
    )
    assert edited.status_code == 302
    published.refresh_from_db()
    anonymous = post(laptop, article, "I have fibromyalgia too.", anonymous="on")
    reply = post(laptop, article, "Not a scam for me.", reply_to=mallorys.pk)
    held = post(laptop, other_article, "Knuckles crack, words held.")
    moderation.set_status(
        comment=held, status=Status.HELD, actor=None, action="comment.held"
    )
    spam = post(laptop, other_article, "Words marked as spam.")
    moderation.mark_spam(comment=spam, actor=bob)
    hidden = post(laptop, other_article, "Words a moderator hid.")
    moderation.hide(comment=hidden, actor=bob)
    deleted = post(laptop, other_article, "Words a moderator deleted.")
    moderation.delete(comment=deleted, actor=bob)
    mallorys_reply = post(
        mallorys_browser,
        article,
        "Thanks alice, I stand corrected.",
        reply_to=published.pk,
    )

    for voter, comment, value in [
        (laptop, mallorys, 1),
        (mallorys_browser, published, -1),
    ]:
        response = voter.post(
            reverse("discussion:vote", args=[comment.pk]), {"value": value}
        )
        assert response.status_code == 302
    for reporter, comment, note in [
        (laptop, mallorys, "alice's note: this is wrong"),
        (mallorys_browser, published, "mallory's private note"),
    ]:
        response = reporter.post(
            reverse("moderation:report", args=[comment.pk]),
            {"reason": "misinformation", "note": note},
        )
        assert response.status_code == 302

    signed_out = post(
        browser(ALICES_NETWORK), article, "Posted while signed out.", name="Alice L."
    )
    network_ban = moderation.ban_author(comment=signed_out, actor=bob, reason="flood")
    account_ban = moderation.ban_author(
        comment=published, actor=bob, reason="alice was rude"
    )
    LogEntry.objects.log_actions(
        user_id=bob.pk,
        queryset=[alice],
        action_flag=CHANGE,
        change_message="Changed display name.",
    )

    world = AlicesWorld(
        laptop=laptop,
        phone=phone,
        published=published,
        anonymous=anonymous,
        reply=reply,
        held=held,
        spam=spam,
        hidden=hidden,
        deleted_by_moderator=deleted,
        signed_out=signed_out,
        network_ban=network_ban,
        account_ban=account_ban,
        mallorys=mallorys,
        mallorys_reply=mallorys_reply,
    )
    world.refresh()
    assert world.network_hash and world.signed_out.network_hash == world.network_hash
    return world
