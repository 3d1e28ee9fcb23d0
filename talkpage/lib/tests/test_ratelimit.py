from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from talkpage.lib import ratelimit
from talkpage.lib.ratelimit import Rate


@pytest.mark.parametrize(
    ("text", "count", "seconds"),
    [
        ("10/m", 10, 60),
        ("5/15m", 5, 900),
        ("100/h", 100, 3600),
        ("2/d", 2, 86400),
        ("3/30", 3, 30),
        ("3/30s", 3, 30),
        ("1/s", 1, 1),
        (" 10/m ", 10, 60),
    ],
)
def test_rates_parse(text, count, seconds):
    assert Rate.parse(text) == Rate(count, seconds)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "10",
        "10/",
        "/m",
        "ten/m",
        "10/x",
        "10/M",
        "10/1.5m",
        "0/m",
        "-1/m",
        "10/0m",
        "10/-5m",
        "10/m/h",
        "1e3/m",
    ],
)
def test_bad_rates_are_refused(text):
    with pytest.raises(ImproperlyConfigured):
        Rate.parse(text)


@pytest.fixture
def rates(settings):
    settings.TALKPAGE_RATE_LIMITS = {"test": "3/m", "other": "3/m"}


@pytest.fixture
def clock():
    """Freezes the rate limiter's clock at the start of a minute."""
    with mock.patch("talkpage.lib.ratelimit.time.time", return_value=6000.0) as now:
        yield now


def test_hit_allows_up_to_the_count(rates, clock):
    verdicts = [ratelimit.hit("ip", "a", "test") for _ in range(4)]

    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 60


def test_retry_after_counts_down_to_the_end_of_the_window(rates, clock):
    for _ in range(3):
        ratelimit.hit("ip", "a", "test")

    clock.return_value = 6000.0 + 45.5
    verdict = ratelimit.hit("ip", "a", "test")

    assert not verdict.allowed
    assert verdict.retry_after == 15


def test_a_new_window_starts_afresh(rates, clock):
    for _ in range(4):
        ratelimit.hit("ip", "a", "test")

    clock.return_value = 6000.0 + 60

    assert ratelimit.hit("ip", "a", "test").allowed


def test_keys_scopes_and_rates_count_separately(rates, clock):
    for _ in range(3):
        ratelimit.hit("ip", "a", "test")

    assert not ratelimit.peek("ip", "a", "test").allowed
    assert ratelimit.hit("ip", "b", "test").allowed
    assert ratelimit.hit("account", "a", "test").allowed
    assert ratelimit.hit("ip", "a", "other").allowed


def test_peek_judges_without_counting(rates, clock):
    for _ in range(2):
        ratelimit.hit("ip", "a", "test")

    for _ in range(5):
        assert ratelimit.peek("ip", "a", "test").allowed
    assert ratelimit.hit("ip", "a", "test").allowed

    verdict = ratelimit.peek("ip", "a", "test")
    assert not verdict.allowed
    assert verdict.retry_after == 60


def test_reset_clears_the_count(rates, clock):
    for _ in range(4):
        ratelimit.hit("ip", "a", "test")

    ratelimit.reset("ip", "a", "test")

    assert ratelimit.peek("ip", "a", "test").allowed
    assert ratelimit.hit("ip", "a", "test").allowed


def test_rates_are_read_on_every_call(settings, clock):
    settings.TALKPAGE_RATE_LIMITS = {"test": "1/m"}
    ratelimit.hit("ip", "a", "test")
    assert not ratelimit.peek("ip", "a", "test").allowed

    settings.TALKPAGE_RATE_LIMITS = {"test": "5/m"}

    assert ratelimit.peek("ip", "a", "test").allowed


def test_keys_never_reach_the_cache_in_clear(rates, clock):
    from unittest import mock

    from django.core.cache import caches

    cache = caches["default"]
    with (
        mock.patch.object(cache, "add", wraps=cache.add) as add,
        mock.patch.object(cache, "incr", wraps=cache.incr) as incr,
    ):
        ratelimit.hit("address", "alice@example.org", "test")
        ratelimit.hit("address", "alice@example.org", "test")

    keys = [call.args[0] for call in add.call_args_list + incr.call_args_list]
    assert keys
    assert not any("alice" in key for key in keys)
