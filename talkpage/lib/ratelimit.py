"""Fixed-window rate limits kept in Django's cache.

Local memory by default, so one process on a laptop needs nothing else; a
shared cache (Redis) makes limits count across processes.
"""

import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"(?P<count>[0-9]+)/(?P<amount>[0-9]*)(?P<unit>[smhd]?)")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """``"10/m"``, ``"5/15m"``, ``"100/h"`` or ``"3/30"`` (seconds)."""
        match = RATE.fullmatch(text.strip())
        # "10" or "10/" must not quietly mean ten a second.
        if not match or not (match["amount"] or match["unit"]):
            raise ImproperlyConfigured(f"A rate looks like 10/m or 5/15m, not {text!r}")
        amount = int(match["amount"] or 1)
        rate = cls(int(match["count"]), amount * UNITS[match["unit"] or "s"])
        if rate.count < 1 or rate.seconds < 1:
            raise ImproperlyConfigured(f"A rate must be positive, not {text!r}")
        return rate


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def hit(scope: str, key: str, rate_name: str) -> Verdict:
    """Count one event for ``key`` under the named rate and judge it.

    ``rate_name`` indexes ``settings.TALKPAGE_RATE_LIMITS``; the rate is read
    on every call so tests and operators can change it without a restart.
    """
    window = _Window(scope, key, rate_name)
    cache = caches["default"]
    # add() then incr(): add is atomic, so concurrent first hits do not both
    # start at one.
    if cache.add(window.cache_key, 1, timeout=window.rate.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(window.cache_key)
        except ValueError:  # expired between add and incr
            cache.add(window.cache_key, 1, timeout=window.rate.seconds + 1)
            count = 1
    return window.verdict(count, limit_exceeded=count > window.rate.count)


def peek(scope: str, key: str, rate_name: str) -> Verdict:
    """Judge without counting: would the next event be refused?"""
    window = _Window(scope, key, rate_name)
    count = caches["default"].get(window.cache_key, 0)
    return window.verdict(count, limit_exceeded=count >= window.rate.count)


def reset(scope: str, key: str, rate_name: str) -> None:
    caches["default"].delete(_Window(scope, key, rate_name).cache_key)


class _Window:
    def __init__(self, scope: str, key: str, rate_name: str):
        self.rate = Rate.parse(settings.TALKPAGE_RATE_LIMITS[rate_name])
        self.now = time.time()
        self.index = int(self.now // self.rate.seconds)
        digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]
        self.cache_key = f"rl:{rate_name}:{digest}:{self.index}"

    def verdict(self, count: int, *, limit_exceeded: bool) -> Verdict:
        if not limit_exceeded:
            return Verdict(allowed=True)
        ends = (self.index + 1) * self.rate.seconds
        return Verdict(allowed=False, retry_after=max(1, math.ceil(ends - self.now)))
