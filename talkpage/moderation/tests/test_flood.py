"""A flood of 1,000 spam posts from one script (the issue's "Bad input").

The site runs with the hold-anonymous policy and the rate limits real
visitors get (settings.TALKPAGE_RATE_LIMITS, not the generous ones of the
browser tests). The script posts from addresses in one /24, each post with
a valid form token and slightly different words, at two posts a second.
Every 50 posts alice, a member with an approved history on another network,
posts a comment of her own.

Two posts a second are simulated on the rate limits' clock only (the
requests themselves run as fast as the test client goes): at that pace the
flood spans about eight minutes, which is what lets alice's twenty comments
fit in her own limit of ten a minute, as they would for a real person
typing during a real flood.
"""

import logging
import time
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from talkpage.discussion.models import Comment, Status
from talkpage.lib import ratelimit
from talkpage.moderation.models import Policy
from talkpage.moderation.spam import NaiveBayesFilter
from talkpage.testing import HAM, SPAM, make_comment, post_url, with_token

pytestmark = pytest.mark.django_db

FLOOD = 1_000
LEGITIMATE_EVERY = 50
SECONDS_PER_FLOOD_POST = 0.5
PAGE_CHECK_EVERY = 100


class Clock:
    def __init__(self):
        # At the start of a minute, so that the figures are the same each run.
        self.now = time.time() // 60 * 60

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def rate_limit_clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=clock.time))
    return clock


def flood_text(n: int) -> str:
    return (
        f"Cheap pills and casino bonus number {n}, free spins tonight "
        f"https://cheap-pills.example/offer/{n}"
    )


def legitimate_text(n: int) -> str:
    return (
        f"Note {n} from me: taking magnesium in the evening helped my cramps, "
        "though my doctor checked my kidneys first."
    )


@pytest.fixture
def quiet_request_log():
    """900 "Too Many Requests" warnings tell nothing; errors still show."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize(
    "filter_trained", [False, True], ids=["new-site", "trained-filter"]
)
def test_flood_of_spam_is_held_back_and_loses_no_legitimate_comment(
    alice,
    article,
    other_article,
    settings,
    rate_limit_clock,
    quiet_request_log,
    filter_trained,
):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ANONYMOUS
    if filter_trained:
        # The moderators' earlier decisions, as the filter learned them.
        spam_filter = NaiveBayesFilter()
        for text in SPAM:
            spam_filter.learn(text, is_spam=True)
        for text in HAM:
            spam_filter.learn(text, is_spam=False)
    make_comment(other_article, "An earlier comment, approved.", user=alice)

    script = Client()
    member = Client(REMOTE_ADDR="198.51.100.7")
    member.force_login(alice)
    url = post_url(article)

    def reader_page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = Client().get(article.get_absolute_url())
        assert response.status_code == 200
        return len(captured)

    statuses: list[int] = []
    legitimate: list[int] = []
    page_queries: list[int] = []
    started = time.monotonic()
    for n in range(FLOOD):
        response = script.post(
            url,
            with_token(article, {"text": flood_text(n)}),
            REMOTE_ADDR=f"203.0.113.{n % 250 + 1}",
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response["Retry-After"]) >= 1
        rate_limit_clock.advance(SECONDS_PER_FLOOD_POST)
        if n % LEGITIMATE_EVERY == LEGITIMATE_EVERY - 1:
            answer = member.post(
                url, with_token(article, {"text": legitimate_text(len(legitimate))})
            )
            legitimate.append(answer.status_code)
        if n % PAGE_CHECK_EVERY == PAGE_CHECK_EVERY - 1:
            page_queries.append(reader_page_queries())
    seconds = time.monotonic() - started

    flood = Comment.objects.exclude(user=alice)
    figures = {
        "flood requests": FLOOD,
        "answered 429": statuses.count(429),
        "accepted (302)": statuses.count(302),
        "held": flood.filter(status=Status.HELD).count(),
        "spam": flood.filter(status=Status.SPAM).count(),
        "published": flood.filter(status=Status.PUBLISHED).count(),
        "legitimate posted": len(legitimate),
        "legitimate kept and published": Comment.objects.filter(
            article=article, user=alice, status=Status.PUBLISHED
        ).count(),
        "reader page queries": sorted(set(page_queries)),
        "seconds": round(seconds, 1),
    }
    print(f"\nFlood figures ({'trained' if filter_trained else 'new'}):", figures)

    assert not [status for status in statuses if status >= 500]
    assert set(statuses) <= {302, 429}
    assert statuses.count(429) > 0.8 * FLOOD
    assert figures["published"] == 0
    assert figures["held"] + figures["spam"] == statuses.count(302)
    assert legitimate == [302] * (FLOOD // LEGITIMATE_EVERY)
    assert figures["legitimate kept and published"] == len(legitimate)
    article.refresh_from_db()
    assert article.comment_count == len(legitimate)

    page = Client().get(article.get_absolute_url()).text
    assert "cheap-pills" not in page
    for n in range(len(legitimate)):
        assert f"Note {n} from me:" in page
    # The site stayed responsive: the page answered throughout, at the same
    # cost however many comments the flood left in the database.
    assert len(set(page_queries)) == 1
