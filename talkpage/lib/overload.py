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
from collections import deque

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
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
