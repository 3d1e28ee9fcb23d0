"""Past saturation, refuse at once what cannot be served soon.

granian hands each request to one of a fixed number of Python threads per
worker process (talkpage/server.py). A request that finds every thread busy
waits in granian's own queue, where Python can neither see it nor refuse it,
and past saturation that queue only grows: every page gets slower, clients
time out and retry, and the server ends up rendering pages nobody is waiting
for any more. (granian's ``backpressure`` setting does not help: it limits
connections, not requests, and leaves the excess waiting in the kernel.)

So the server runs many more threads than it lets into Django. The gate
below admits ``TALKPAGE_MAX_CONCURRENT_REQUESTS`` requests per process; up to
``MAX_WAITING`` more wait their turn, first come first served, for at most
``MAX_WAIT_SECONDS``; everything else gets ``503 Service Unavailable`` with
``Retry-After: 1`` at once. The spare threads are what make that refusal
fast: it costs about 0.1 ms of Python, and granian's queue stays empty.
The waiting room is deliberately large: a burst (a hundred people posting at
the same moment) is served a little later, not refused.

Static files never reach the gate (WhiteNoise answers them earlier in the
middleware list).

The limit of this design: a refusal runs in Python, so it needs the GIL,
and waits for it behind the admitted requests. When those are cheap (pages
from the cache) refusals take milliseconds; when each holds the GIL for
many milliseconds (an uncached feed), refusals queue too, and past 3 times
capacity some clients still wait seconds. docs/reliability.md has the
measurements of both.
"""

import json
import logging
import threading
import time
import weakref
from collections import deque

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("talkpage.overload")

# Requests that may wait for a turn, per process, and for how long. A full
# waiting room of cached pages drains in a fraction of a second, so under
# overload the wait is short and the refusals are immediate. The longest
# wait matters when every request is slow: a hundred people posting to one
# discussion at once queue on its row in the database, and are better
# served a few seconds late than refused.
MAX_WAITING = 64
MAX_WAIT_SECONDS = 5.0
# Threads left over to answer the rest with a 503 straight away. Each needs
# the GIL for a moment, and waits for it behind the admitted requests: more
# of them keep the refusals quick when many arrive at once.
SPARE_THREADS = 32
# Threads that keep a database server connection open (ConnectionKeepers).
KEEPERS_PER_ADMITTED = 2
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
    """The threads allowed to keep a connection to a database server open
    between requests: ``KEEPERS_PER_ADMITTED`` times as many as the gate
    admits at once.

    Django keeps one connection per thread, and granian's threads take turns
    at the gate, so without this every thread that ever served a request
    would hold a PostgreSQL connection: about 100 per worker, against
    PostgreSQL's default limit of 100 in all. With it, a process holds at
    most ``size`` plus the admitted requests' own (those close theirs when
    they finish). Keepers are the threads that happened to serve first; a
    keeper that granian retires after 30 s of idleness gives its place (and
    its connection) back with its thread. SQLite connections are kept by
    every thread (see ``close_thread_connections``).

    Two keepers per admitted request were as fast as keeping every
    connection with 16 keep-alive clients on the article page; one per
    admitted request was 3-6 times slower (a new connection per request).
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
        self.keepers = ConnectionKeepers(limit * KEEPERS_PER_ADMITTED)
        self._refused = 0
        self._last_log = time.monotonic() - LOG_EVERY_SECONDS
        self._log_lock = threading.Lock()

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
        if now - self._last_log < LOG_EVERY_SECONDS:
            return
        with self._log_lock:
            if now - self._last_log < LOG_EVERY_SECONDS:
                return
            logger.warning(
                "Overloaded: %d refused with 503 in the last %.0f s.",
                self._refused,
                now - self._last_log,
            )
            self._refused = 0
            self._last_log = now


def close_thread_connections() -> None:
    for connection in connections.all(initialized_only=True):
        # SQLite connections are files, with no server counting them, and
        # reopening one costs more than most of our pages: keep them.
        if connection.vendor != "sqlite" and not connection.in_atomic_block:
            connection.close()


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The refusal: cheap to make (no template, no database), never cached."""
    if request.path.startswith("/api/"):
        response = HttpResponse(BUSY_JSON, status=503, content_type="application/json")
    else:
        response = HttpResponse(
            BUSY_TEXT, status=503, content_type="text/plain; charset=utf-8"
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Django would log every one as a server error; under overload that is
    # thousands of lines, so the gate logs a count instead.
    response._has_been_logged = True
    # Set here because CommonMiddleware, which would, comes after the gate.
    response["Content-Length"] = str(len(response.content))
    return response


BUSY_MESSAGE = "The server is busy. Please try again in a moment."
BUSY_TEXT = (BUSY_MESSAGE + "\n").encode()
# The API's error shape: {"error": ..., "detail": ...}.
BUSY_JSON = json.dumps(
    {"error": BUSY_MESSAGE, "detail": f"Retry after {RETRY_AFTER_SECONDS} s."}
).encode()
