"""What notifications keep about a person is in their data export and goes
with their erasure."""

import pytest
from django.utils import timezone

from talkpage.notifications.models import Mailbox, Notice, Subscription
from talkpage.privacy.services import erase_account, personal_data_of
from talkpage.testing import make_comment

pytestmark = pytest.mark.django_db


def test_the_export_lists_subscriptions_without_tokens(article, alice):
    comment = make_comment(article, "Mine", user=alice)
    Subscription.objects.create(
        kind="replies", article=article, comment=comment, user=alice,
        confirmed_at=timezone.now(),
    )  # fmt: skip

    data = personal_data_of(user=alice)["notifications"]

    (subscription,) = data["subscriptions"]
    assert subscription["kind"] == "replies"
    assert subscription["address"] == "alice@example.org"
    assert subscription["comment_url"].endswith(f"/comments/{comment.pk}/")
    assert "token" not in str(data)


def test_erasing_an_account_takes_its_subscriptions_mailbox_and_notices(
    article, alice, bob
):
    subscription = Subscription.objects.create(
        kind="article", article=article, user=alice, confirmed_at=timezone.now()
    )
    Notice.objects.create(subscription=subscription, comment=make_comment(article, "x"))
    Mailbox.objects.create(address="alice@example.org")
    Subscription.objects.create(
        kind="article", article=article, user=bob, confirmed_at=timezone.now()
    )

    erase_account(user=alice, delete_comments=True)

    assert list(Subscription.objects.values_list("user__username", flat=True)) == [
        "bob"
    ]
    assert not Notice.objects.exists()
    assert not Mailbox.objects.exists()
