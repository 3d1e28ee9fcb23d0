"""Deleting an account erases it: afterwards a search of every text column
of every table finds nothing of the person but what the privacy page says
remains."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from talkpage.accounts.models import User
from talkpage.discussion.models import ANONYMOUS, Comment, Vote
from talkpage.moderation.models import Ban, ModerationEvent, Report
from talkpage.privacy.services import erase_account
from talkpage.privacy.tests.helpers import (
    ALICES_NETWORK,
    Found,
    browser,
    find_everywhere,
    post,
    remains_named_on_privacy_page,
    sessions_of,
)
from talkpage.testing import PASSWORD

DELETE_URL = reverse("accounts:delete")


def alices_traces(world, alice) -> tuple[str, ...]:
    return (
        alice.username,
        alice.email,
        world.network_hash,
        f"user:{alice.pk}",
    )


def others_remains(world) -> dict[Found, str]:
    """What stays whatever Alice chooses, each with the line of the privacy
    page (its data-remains) that says so."""
    remains = {}
    for field in ("body", "body_html"):
        remains[
            Found("discussion.Comment", field, world.mallorys_reply.pk, "alice")
        ] = "other-peoples-words"
    remains[
        Found("discussion.Comment", "author_name", world.signed_out.pk, "alice")
    ] = "signed-out-comments"
    remains[
        Found(
            "discussion.Comment",
            "network_hash",
            world.signed_out.pk,
            world.network_hash,
        )
    ] = "signed-out-comments"
    remains[
        Found(
            "moderation.Ban", "network_hash", world.network_ban.pk, world.network_hash
        )
    ] = "network-bans"
    return remains


def assert_only_these_remain(found: set[Found], remains: dict[Found, str]) -> None:
    assert found == set(remains)
    assert set(remains.values()) <= remains_named_on_privacy_page()


def test_the_search_finds_alice_before_the_erasure(world, alice):
    found = {(f.model, f.field) for f in find_everywhere(*alices_traces(world, alice))}

    assert found >= {
        ("accounts.User", "username"),
        ("accounts.User", "email"),
        ("discussion.Comment", "network_hash"),
        ("discussion.Comment", "author_name"),
        ("discussion.Vote", "voter_key"),
        ("moderation.Report", "reporter_key"),
        ("moderation.Report", "note"),
        ("moderation.ModerationEvent", "after"),
        ("admin.LogEntry", "object_repr"),
    }
    assert len(sessions_of(alice.pk)) == 2


@pytest.mark.parametrize("choice", ["anonymise", "delete"])
def test_nothing_of_alice_remains_but_what_the_page_says(world, alice, choice):
    traces = alices_traces(world, alice)
    bodies = [c.body for c in world.signed_in_comments if c.body]
    alice_pk = alice.pk

    response = world.laptop.post(DELETE_URL, {"comments": choice, "password": PASSWORD})

    assert response.status_code == 302
    remains = others_remains(world)
    if choice == "anonymise":
        for comment in world.signed_in_comments:
            for field in ("body", "body_html"):
                for body in bodies:
                    if body in getattr(comment, field):
                        remains[
                            Found("discussion.Comment", field, comment.pk, body)
                        ] = "anonymised-comments"
    assert_only_these_remain(find_everywhere(*traces, *bodies), remains)
    assert not User.objects.filter(pk=alice_pk).exists()
    assert sessions_of(alice_pk) == []
    assert not Comment.objects.filter(submission_key__endswith=f".u{alice_pk}").exists()


def test_anonymised_comments_keep_their_words_and_lose_the_person(world, article):
    response = world.laptop.post(
        DELETE_URL, {"comments": "anonymise", "password": PASSWORD}
    )

    assert response.status_code == 302
    world.refresh()
    for comment in world.signed_in_comments:
        assert comment.user_id is None
        assert comment.anonymous
        assert comment.author_name == ""
        assert comment.network_hash == ""
        assert comment.submission_key is None
    assert world.published.body == "Magnesium helped my sleep a lot."
    assert world.published.public_name == ANONYMOUS
    # Statuses stay: a held comment is still for a moderator to decide.
    assert world.held.status == "held"
    assert world.spam.status == "spam"
    # A comment that was deleted is erased whatever the choice.
    assert world.deleted_by_moderator.fingerprint == ""
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "Magnesium helped my sleep a lot." in page
    assert "alice" not in page.replace("Thanks alice", "")


def test_deleted_comments_are_erased_and_replies_stay(world, article):
    response = world.laptop.post(
        DELETE_URL, {"comments": "delete", "password": PASSWORD}
    )

    assert response.status_code == 302
    world.refresh()
    for comment in world.signed_in_comments:
        assert comment.is_deleted
        assert (comment.body, comment.body_html, comment.fingerprint) == ("", "", "")
        assert (comment.user_id, comment.network_hash) == (None, "")
    article.refresh_from_db()
    # Mallory's comment, her reply and the signed-out comment.
    assert article.comment_count == 3
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "Thanks alice, I stand corrected." in page
    assert "[deleted]" in page  # above Mallory's reply
    assert "Magnesium helped my sleep" not in page


def test_votes_are_taken_back_out_of_the_tallies(world):
    assert world.mallorys.upvotes == 1

    world.laptop.post(DELETE_URL, {"comments": "anonymise", "password": PASSWORD})

    world.refresh()
    assert world.mallorys.upvotes == 0
    assert world.mallorys.best_score == 0.0
    assert Vote.objects.filter(comment=world.mallorys).count() == 0
    # Mallory's vote on Alice's comment is Mallory's: it stays.
    assert world.published.downvotes == 1
    assert Vote.objects.filter(comment=world.published).count() == 1


def test_reports_she_filed_are_withdrawn(world, mallory):
    assert world.mallorys.report_count == 1

    world.laptop.post(DELETE_URL, {"comments": "anonymise", "password": PASSWORD})

    world.refresh()
    assert world.mallorys.report_count == 0
    assert not Report.objects.filter(comment=world.mallorys).exists()
    # Mallory's report of Alice's comment is Mallory's.
    assert Report.objects.get(comment=world.published).note == "mallory's private note"


def test_bans_go_and_the_log_forgets_the_reason(world, bob):
    events = ModerationEvent.objects.count()

    world.laptop.post(DELETE_URL, {"comments": "anonymise", "password": PASSWORD})

    assert not Ban.objects.filter(pk=world.account_ban.pk).exists()
    assert Ban.objects.filter(pk=world.network_ban.pk).exists()
    assert ModerationEvent.objects.count() == events
    banned = ModerationEvent.objects.get(
        action="author.banned", after__ban=world.account_ban.pk
    )
    assert banned.actor == bob
    assert banned.after["reason"] == ""
    assert banned.after["target"] == "account"


def test_every_sign_in_ends(world, alice):
    laptop_key = world.laptop.session.session_key
    phone_key = world.phone.session.session_key

    world.laptop.post(DELETE_URL, {"comments": "anonymise", "password": PASSWORD})

    assert sessions_of(alice.pk) == []
    assert not Session.objects.filter(session_key__in=[laptop_key, phone_key]).exists()
    assert "_auth_user_id" not in world.phone.session
    assert world.phone.get(reverse("accounts:settings")).status_code == 302


def test_admin_log_entries_about_her_go(world, alice, bob):
    alice_pk = alice.pk

    world.laptop.post(DELETE_URL, {"comments": "anonymise", "password": PASSWORD})

    assert not LogEntry.objects.filter(object_id=str(alice_pk)).exists()


def test_a_moderators_actions_stay_in_the_log_without_them(world, bob):
    actions = set(
        ModerationEvent.objects.filter(actor=bob).values_list("pk", flat=True)
    )
    assert actions

    report = erase_account(user=bob, delete_comments=False)

    assert report.moderation_actions_unlinked == len(actions)
    assert (
        set(
            ModerationEvent.objects.filter(
                pk__in=actions, actor__isnull=True
            ).values_list("pk", flat=True)
        )
        == actions
    )
    # The bans he made stay in force, made by no one now.
    assert Ban.objects.get(pk=world.network_ban.pk).created_by is None
    assert remains_named_on_privacy_page() >= {"moderation-log"}


def test_the_report_counts_what_went(world, alice):
    report = erase_account(user=alice, delete_comments=True)

    assert report.username == "alice"
    assert report.comments_erased == 7
    assert report.comments_anonymised == 0
    assert report.votes_withdrawn == 1
    assert report.reports_withdrawn == 1
    assert report.bans_removed == 1
    assert report.sessions_ended == 2
    assert report.admin_log_entries_removed == 1


def test_erasing_keeps_counts_for_the_page_cache(world, article):
    before = article.discussion_version

    world.laptop.post(DELETE_URL, {"comments": "delete", "password": PASSWORD})

    article.refresh_from_db()
    assert article.discussion_version > before
    assert Client().get(article.get_absolute_url()).status_code == 200


def test_a_signed_in_author_deleting_one_comment_erases_it(alice, article):
    client = browser(ALICES_NETWORK, alice)
    comment = post(client, article, "Only this one goes.")

    response = client.post(reverse("discussion:delete", args=[comment.pk]))

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_deleted
    assert (comment.user_id, comment.network_hash, comment.submission_key) == (
        None,
        "",
        None,
    )
    assert find_everywhere("Only this one goes.") == set()
