"""Past saturation, refuse at once what cannot be served soon.

granian hands each request to one of a fixed number of Python threads per
worker process (talkpage/server.py). A request that finds every thread busy
waits in granian's own queue, where Python can neither see it nor refuse it,
and past saturation that queue only grows: every page gets slower, clients
time out and retry, and the server ends up rendering pages nobody is waiting
for any more.

So the server runs many more threads than it lets into Django. The gate
below admits ``TALKPAGE_MAX_CONCURRENT_REQUESTS`` requests per process; up to
``MAX_WAITING`` more wait their turn, first come first served, for at most
``MAX_WAIT_SECONDS``; everything else gets ``503 Service Unavailable`` with
``Retry-After: 1`` at once. The spare threads are what make that refusal
fast: it costs a fraction of a millisecond, and granian's queue stays empty.
The waiting room is deliberately large: a burst (a hundred people posting at
the same moment) is served a little later, not refused.

Static files never reach the gate (WhiteNoise answers them earlier in the
middleware list). docs/reliability.md has the measurements.
"""

import logging
import threading
import time
import weakref
from collections import deque

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("talkpage.overload")

# Requests that may wait for a turn, per process, and for how long. With the
# default limit, the article page is served at about 80 per second per
# process, so a full waiting room drains in a little over a second.
MAX_WAITING = 96
MAX_WAIT_SECONDS = 2.0
# Threads left over to answer the rest with a 503 straight away.
SPARE_THREADS = 24
RETRY_AFTER_SECONDS = 1
# Under overload, one log line per this many seconds, not one per request.
LOG_EVERY_SECONDS = 10.0


def blocking_threads_for(limit: int) -> int:
    """Python threads a worker needs: the admitted requests, the waiting
    ones, and spare ones to refuse the rest quickly."""
    if limit < 1:
        raise ImproperlyConfigured(
            f"TALKPAGE_MAX_CONCURRENT_REQUESTS must be at least 1, not {limit}"
        )
    return limit + MAX_WAITING + SPARE_THREADS


class AdmissionGate:
    """At most ``limit`` holders at once; up to ``max_waiting`` callers wait,
    in order of arrival, for at most ``max_wait`` seconds. A leaving holder
    hands its place straight to the longest waiter, so a newcomer never
    overtakes someone who is already waiting."""

    def __init__(self, *, limit: int, max_waiting: int, max_wait: float):
        self.max_waiting = max_waiting
        self.max_wait = max_wait
        self._free = limit
        self._queue: deque[threading.Event] = deque()
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self._free > 0:
                self._free -= 1
                return True
            if len(self._queue) >= self.max_waiting:
                return False
            turn = threading.Event()
            self._queue.append(turn)
        if turn.wait(self.max_wait):
            return True
        with self._lock:
            if turn.is_set():  # handed a place just as the wait ran out
                return True
            self._queue.remove(turn)
            return False

    def leave(self) -> None:
        with self._lock:
            if self._queue:
                self._queue.popleft().set()
            else:
                self._free += 1


class ConnectionKeepers:
    """The threads allowed to keep their database connections open between
    requests: as many as the gate admits at once.

    Django keeps one connection per thread, and granian's threads take turns
    at the gate, so without this every one of them would end up holding a
    PostgreSQL connection (128 threads per worker would exhaust PostgreSQL's
    default of 100). With it, a process holds at most twice ``size``: the
    keepers' connections and those of the other admitted requests, which
    close theirs when they finish. A keeper that granian retires after 30 s
    of idleness frees its place (and its connection) with its thread.
    """

    def __init__(self, size: int):
        self._free = size
        self._badges = threading.local()
        self._lock = threading.Lock()

    def keeps_connections(self) -> bool:
        """Whether this thread keeps its connections, joining if there is room."""
        if getattr(self._badges, "badge", None) is not None:
            return True
        with self._lock:
            if self._free == 0:
                return False
            self._free -= 1
        badge = _Badge()
        weakref.finalize(badge, self._give_back)
        self._badges.badge = badge
        return True

    def _give_back(self) -> None:
        with self._lock:
            self._free += 1


class _Badge:
    """Lives in a keeper thread's locals and dies with the thread."""


class ConcurrencyLimitMiddleware:
    """Admits ``TALKPAGE_MAX_CONCURRENT_REQUESTS`` requests per process into
    Django at once and answers the excess with a quick 503 (see the module
    docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response
        limit = settings.TALKPAGE_MAX_CONCURRENT_REQUESTS
        blocking_threads_for(limit)  # checks the limit
        self.gate = AdmissionGate(
            limit=limit, max_waiting=MAX_WAITING, max_wait=MAX_WAIT_SECONDS
        )
        self.keepers = ConnectionKeepers(limit)
        self._refused = 0
        self._last_log = time.monotonic() - LOG_EVERY_SECONDS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.gate.enter():
            self._note_refusal()
            return service_unavailable(request)
        try:
            return self.get_response(request)
        finally:
            if not self.keepers.keeps_connections():
                close_thread_connections()
            self.gate.leave()

    def _note_refusal(self) -> None:
        # Counted without a lock: the log line is a hint, not an audit.
        self._refused += 1
        now = time.monotonic()
        if now - self._last_log >= LOG_EVERY_SECONDS:
            logger.warning(
                "Overloaded: refused %d requests with 503 in the last %.0f s.",
                self._refused,
                now - self._last_log,
            )
            self._refused = 0
            self._last_log = now


def close_thread_connections() -> None:
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The refusal: cheap to make (no template, no database), never cached."""
    message = "The server is busy. Please try again in a moment."
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": message, "detail": f"Retry after {RETRY_AFTER_SECONDS} s."},
            status=503,
        )
    else:
        response = HttpResponse(
            message + "\n", status=503, content_type="text/plain; charset=utf-8"
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Set here because CommonMiddleware, which would, comes after the gate.
    response["Content-Length"] = str(len(response.content))
    return response
