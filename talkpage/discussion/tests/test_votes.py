"""Votes: one per reader, counted exactly, and the "best" order."""

import json

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from talkpage.discussion.models import Vote, wilson_lower_bound
from talkpage.discussion.services import CommentRefused, post_comment, vote
from talkpage.discussion.viewers import VOTER_COOKIE
from talkpage.moderation import services as moderation

pytestmark = pytest.mark.django_db


def say(article, text, **kwargs):
    return post_comment(article=article, user=None, text=text, **kwargs).comment


def vote_url(comment) -> str:
    return reverse("discussion:vote", args=[comment.pk])


def test_wilson_lower_bound_prefers_many_good_votes_to_one():
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(1, 0) < wilson_lower_bound(90, 10)
    assert wilson_lower_bound(5, 5) < wilson_lower_bound(9, 1)
    assert 0.0 <= wilson_lower_bound(1000, 0) < 1.0


def test_member_votes_up_then_changes_mind(client, alice, article):
    comment = say(article, "good point")
    client.force_login(alice)
    assert client.post(vote_url(comment), {"value": "1"}).status_code == 302
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes) == (1, 0)
    assert comment.best_score > 0
    client.post(vote_url(comment), {"value": "-1"})
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes) == (0, 1)
    client.post(vote_url(comment), {"value": "0"})
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes) == (0, 0)
    assert not Vote.objects.exists()


def test_voting_twice_counts_once(client, alice, article):
    comment = say(article, "popular")
    client.force_login(alice)
    client.post(vote_url(comment), {"value": "1"})
    client.post(vote_url(comment), {"value": "1"})
    comment.refresh_from_db()
    assert comment.upvotes == 1
    assert Vote.objects.count() == 1


def test_visitor_votes_with_a_cookie_and_only_once(client, article):
    comment = say(article, "nice")
    first = client.post(vote_url(comment), {"value": "1"})
    assert VOTER_COOKIE in first.cookies
    client.post(vote_url(comment), {"value": "1"})
    comment.refresh_from_db()
    assert comment.upvotes == 1


def test_the_page_shows_the_readers_vote(client, alice, article):
    comment = say(article, "mark me")
    client.force_login(alice)
    client.post(vote_url(comment), {"value": "1"})
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'aria-pressed="true" title="Vote up"' in html


def test_nobody_votes_on_their_own_comment(client, alice, article):
    client.force_login(alice)
    comment = post_comment(article=article, user=alice, text="me").comment
    client.post(vote_url(comment), {"value": "1"})
    comment.refresh_from_db()
    assert comment.upvotes == 0


def test_held_comments_take_no_votes(alice, bob, article):
    comment = say(article, "waiting")
    moderation.set_status(comment=comment, status="held", actor=bob, action="t")
    with pytest.raises(CommentRefused):
        vote(comment=comment, voter_key="user:1", user=alice, value=1)


@pytest.mark.parametrize("value", ["2", "up", "", "-5"])
def test_bad_vote_values_are_a_clear_400(client, article, value):
    comment = say(article, "x")
    response = client.post(vote_url(comment), {"value": value})
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.upvotes == comment.downvotes == 0


def test_the_database_allows_one_vote_per_reader(article):
    comment = say(article, "unique")
    Vote.objects.create(comment=comment, voter_key="user:9", value=1)
    with pytest.raises(IntegrityError):
        Vote.objects.create(comment=comment, voter_key="user:9", value=-1)


def test_best_first_orders_by_the_lower_bound(client, article, settings):
    settings.TALKPAGE_COMMENTS_PER_PAGE = 2
    lucky = say(article, "one vote")
    solid = say(article, "many votes")
    ignored = say(article, "no votes")
    vote(comment=lucky, voter_key="v:a", user=None, value=1)
    for n in range(8):
        vote(comment=solid, voter_key=f"v:{n}", user=None, value=1)
    vote(comment=solid, voter_key="v:x", user=None, value=-1)
    first = client.get(article.get_absolute_url() + "?sort=best").context["page"]
    assert [n.comment.pk for n in first.threads] == [solid.pk, lucky.pk]
    second = client.get(
        article.get_absolute_url() + f"?sort=best&after={first.next_cursor}"
    ).context["page"]
    assert [n.comment.pk for n in second.threads] == [ignored.pk]


def test_api_vote_for_visitors_needs_a_voter_id(client, article):
    comment = say(article, "api")
    url = f"/api/v1/comments/{comment.pk}/vote"
    body = json.dumps({"value": 1})
    assert client.post(url, body, content_type="application/json").status_code == 401
    voter = {"HTTP_X_TALKPAGE_VOTER": "v" * 20}
    response = client.post(url, body, content_type="application/json", **voter)
    assert response.json() == {"upvotes": 1, "downvotes": 0, "my_vote": 1}
    again = Client().post(url, body, content_type="application/json", **voter)
    assert again.json()["upvotes"] == 1
    listed = client.get(f"/api/v1/articles/{article.slug}/comments", **voter).json()[
        "comments"
    ][0]
    assert listed["upvotes"] == 1
    assert listed["my_vote"] == 1
