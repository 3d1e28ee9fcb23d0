"""The load and fault scenarios. Each returns a result whose ``problems()``
lists every broken promise in words (empty: all kept), so ``make soak`` and
the CI tests judge runs the same way.

The promises are SECURITY.md's items 27-30: every acknowledged comment is
stored exactly once (also across a client's retry and a ``kill -9``), no 5xx
and no "database is locked", every vote counted, a database that passes its
integrity check after each crash, and under overload a quick 429/503 with
``Retry-After`` and a server that recovers by itself.
"""

import os
import random
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from bench.soak import loadgen, store
from bench.soak.client import Client, Reply, post_comment, vote
from bench.soak.loadgen import median, percentile
from bench.soak.server import Server

ARTICLE = "fibromyalgia-and-magnesium"
ACKNOWLEDGED = (201, 202)
# Beyond this share of requests started late, the open-loop generator
# could not keep its schedule: the run measured the generator.
GENERATOR_LATE_LIMIT = 0.05
# After an overload, a request this fast (or 3 times the quiet latency, if
# that is more) counts as normal again.
NORMAL_LATENCY_FLOOR = 0.5
LOCKED = "database is locked"


# --- Posting --------------------------------------------------------------


@dataclass
class Attempt:
    key: str
    text: str
    status: int
    comment_id: int | None
    seconds: float
    detail: str = ""  # the body of an error answer, or the client's error

    @property
    def acknowledged(self) -> bool:
        return self.status in ACKNOWLEDGED


@dataclass
class PostingLog:
    prefix: str
    attempts: list[Attempt] = field(default_factory=list)
    # A client's retry of an acknowledged post (same key, same text), and
    # the comment id each answer named.
    retries: list[tuple[Attempt, Attempt]] = field(default_factory=list)
    seconds: float = 0.0

    def record(self, key: str, text: str, reply: Reply) -> Attempt:
        comment_id = None
        if reply.status in ACKNOWLEDGED:
            comment_id = reply.json().get("comment", {}).get("id")
        detail = reply.error or (
            ""
            if reply.status in ACKNOWLEDGED
            else reply.body[:300].decode(errors="replace")
        )
        attempt = Attempt(key, text, reply.status, comment_id, reply.seconds, detail)
        self.attempts.append(attempt)  # list.append is atomic under the GIL
        return attempt

    @property
    def statuses(self) -> Counter:
        return Counter(attempt.status for attempt in self.attempts)

    @property
    def acknowledged(self) -> list[Attempt]:
        return [attempt for attempt in self.attempts if attempt.acknowledged]


def new_prefix(label: str) -> str:
    return f"soak-{label}-{uuid.uuid4().hex[:8]}"


def post_burst(
    server: Server,
    *,
    posters: int,
    seconds: float,
    prefix: str,
    stop: threading.Event | None = None,
    retry_every: int = 10,
    slug: str = ARTICLE,
    log: PostingLog | None = None,
) -> PostingLog:
    """``posters`` people posting as fast as the server answers, each on a
    keep-alive connection, for ``seconds`` or until ``stop`` is set. Every
    text is unique; every ``retry_every``-th acknowledged post is sent again
    with the same Idempotency-Key, as a client that lost the answer would."""
    log = log or PostingLog(prefix)
    stop = stop or threading.Event()
    deadline = time.monotonic() + seconds

    def person(number: int) -> None:
        client = Client(server.port, timeout=30)
        count = 0
        while time.monotonic() < deadline and not stop.is_set():
            count += 1
            text = f"{prefix} poster {number} comment {count} {uuid.uuid4().hex}"
            key = uuid.uuid4().hex
            attempt = log.record(
                key, text, post_comment(client, slug, text=text, key=key)
            )
            if attempt.status == 0:
                time.sleep(0.05)  # the server is down: do not spin
            elif attempt.acknowledged and retry_every and count % retry_every == 0:
                again = post_comment(client, slug, text=text, key=key)
                log.retries.append((attempt, _as_attempt(key, text, again)))
        client.close()

    started = time.monotonic()
    _run_all([lambda n=n: person(n) for n in range(posters)])
    log.seconds = time.monotonic() - started
    return log


def _as_attempt(key: str, text: str, reply: Reply) -> Attempt:
    comment_id = reply.json().get("comment", {}).get("id") if reply.body else None
    return Attempt(key, text, reply.status, comment_id, reply.seconds)


def _run_all(jobs) -> None:
    threads = [threading.Thread(target=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@dataclass
class StoreCheck:
    """What the database holds against what the server acknowledged."""

    acknowledged: int
    stored: int
    missing: list[str] = field(default_factory=list)
    duplicated: set[str] = field(default_factory=set)
    wrong: list[str] = field(default_factory=list)
    # Stored although the client never heard back (a kill -9 between the
    # commit and the answer): allowed, and a retry must find it.
    unanswered_but_stored: int = 0
    # Stored although the server answered with an error: never allowed.
    refused_but_stored: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        problems = []
        if self.missing:
            problems.append(f"{len(self.missing)} acknowledged comments are missing")
        if self.duplicated:
            problems.append(f"{len(self.duplicated)} comments are stored twice")
        if self.wrong:
            problems.append(
                f"{len(self.wrong)} stored comments differ: {self.wrong[:3]}"
            )
        if self.refused_but_stored:
            problems.append(
                f"{len(self.refused_but_stored)} refused comments were stored anyway"
            )
        return problems


def check_store(server: Server, log: PostingLog) -> StoreCheck:
    rows = store.comments_with_prefix(server, log.prefix)
    by_key = defaultdict(list)
    for row in rows:
        by_key[(row.submission_key or "").removeprefix("api:")].append(row)
    texts = Counter(row.body for row in rows)
    check = StoreCheck(acknowledged=0, stored=len(rows))
    check.duplicated = {text for text, count in texts.items() if count > 1}
    answered_keys = set()
    for attempt in log.attempts:
        found = by_key.get(attempt.key, [])
        if attempt.acknowledged:
            check.acknowledged += 1
            answered_keys.add(attempt.key)
            if not found:
                check.missing.append(attempt.key)
            elif len(found) == 1 and (
                found[0].body != attempt.text or found[0].id != attempt.comment_id
            ):
                check.wrong.append(attempt.key)
        elif attempt.status == 0:
            check.unanswered_but_stored += bool(found)
        elif found and attempt.key not in answered_keys:
            check.refused_but_stored.append(f"{attempt.status}: {attempt.key}")
    for found in by_key.values():
        if len(found) > 1:
            check.duplicated.add(found[0].body)
    return check


@dataclass
class PostingResult:
    label: str
    posters: int
    log: PostingLog
    check: StoreCheck
    locked_in_log: int
    errors_in_log: list[str]

    @property
    def server_errors(self) -> list[Attempt]:
        return [a for a in self.log.attempts if a.status >= 500]

    def retry_mismatches(self) -> list[str]:
        return [
            f"{first.key}: {first.status}/{first.comment_id} then "
            f"{again.status}/{again.comment_id}"
            for first, again in self.log.retries
            if again.status not in ACKNOWLEDGED or again.comment_id != first.comment_id
        ]

    def problems(self) -> list[str]:
        problems = list(self.check.problems())
        statuses = self.log.statuses
        if not self.log.acknowledged:
            problems.append("no comment was acknowledged at all")
        if self.server_errors:
            sample = self.server_errors[0]
            problems.append(
                f"{len(self.server_errors)} answers were 5xx "
                f"(first: {sample.status} {sample.detail[:120]!r})"
            )
        unexpected = {
            status: count
            for status, count in statuses.items()
            if status not in ACKNOWLEDGED and status < 500
        }
        if unexpected:
            problems.append(f"unexpected answers: {unexpected}")
        locked = sum(LOCKED in a.detail for a in self.log.attempts)
        if locked or self.locked_in_log:
            problems.append(
                f'"{LOCKED}": {locked} answers, {self.locked_in_log} log lines'
            )
        if self.retry_mismatches():
            problems.append(
                f"retries answered differently: {self.retry_mismatches()[:3]}"
            )
        if self.errors_in_log:
            problems.append(f"server log errors: {self.errors_in_log[:3]}")
        return problems

    def summary(self) -> dict:
        latencies = [a.seconds for a in self.log.acknowledged]
        return {
            "posters": self.posters,
            "seconds": round(self.log.seconds, 1),
            "requests": len(self.log.attempts),
            "acknowledged": len(self.log.acknowledged),
            "per_second": round(len(self.log.acknowledged) / self.log.seconds, 1),
            "statuses": dict(sorted(self.log.statuses.items())),
            "p50_ms": round(median(latencies) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "max_ms": round(max(latencies, default=0) * 1000, 1),
            "retries": len(self.log.retries),
            "stored": self.check.stored,
        }


def log_errors(server: Server, since: int = 0) -> tuple[int, list[str]]:
    """("database is locked" lines, error lines) in the server's log after
    character ``since``."""
    text = server.log_text()[since:]
    lines = text.splitlines()
    locked = sum(LOCKED in line for line in lines)
    errors = [
        line
        for line in lines
        if " ERROR " in line
        or "[ERROR]" in line
        or re.match(r"^[\w.]+(Error|Exception): ", line)
    ]
    return locked, errors


def posting(
    server: Server, *, label: str, posters: int, seconds: float
) -> PostingResult:
    log_start = len(server.log_text())
    log = post_burst(server, posters=posters, seconds=seconds, prefix=new_prefix(label))
    locked, errors = log_errors(server, log_start)
    return PostingResult(label, posters, log, check_store(server, log), locked, errors)


# --- Votes ------------------------------------------------------------------


@dataclass
class VoteResult:
    voters: int
    comment_id: int
    first_answers: Counter
    final_answers: Counter
    attempts: int
    stored_votes: int
    upvotes_field: int
    highest_reported: int
    seconds: float

    def problems(self) -> list[str]:
        problems = []
        if self.final_answers.get(200, 0) != self.voters:
            problems.append(f"not every vote was accepted: {dict(self.final_answers)}")
        if self.stored_votes != self.voters:
            problems.append(
                f"{self.stored_votes} votes stored for {self.voters} voters"
            )
        if self.upvotes_field != self.voters:
            problems.append(f"upvotes says {self.upvotes_field}, not {self.voters}")
        if self.highest_reported != self.voters:
            problems.append(f"the highest tally answered was {self.highest_reported}")
        bad = {s: n for s, n in self.first_answers.items() if s not in (200, 429, 503)}
        if bad:
            problems.append(f"unexpected answers: {bad}")
        return problems


def concurrent_votes(server: Server, *, voters: int, slug: str = ARTICLE) -> VoteResult:
    """``voters`` distinct visitors vote +1 on one new comment, released at
    the same instant. A voter answered 429/503 waits ``Retry-After`` and
    tries again, as the widget would; a vote is idempotent per voter, so a
    retry can never count twice."""
    author = Client(server.port)
    text = f"{new_prefix('votes')} the comment everyone votes for"
    posted = post_comment(author, slug, text=text, key=uuid.uuid4().hex)
    assert posted.status == 201, (posted.status, posted.body[:300])
    comment_id = posted.json()["comment"]["id"]
    start = threading.Barrier(voters)
    first, final, tallies = Counter(), Counter(), []
    attempts = []
    counting = threading.Lock()

    def voter() -> None:
        client = Client(server.port, timeout=60)
        voter_id = uuid.uuid4().hex
        start.wait()
        for attempt in range(30):
            reply = vote(client, comment_id, voter=voter_id)
            attempts.append(1)
            if attempt == 0:
                with counting:
                    first[reply.status] += 1
            if reply.status == 200:
                tallies.append(reply.json().get("upvotes", 0))
                break
            if reply.status not in (0, 429, 503):
                break
            wait = float(reply.headers.get("retry-after", 1))
            time.sleep(wait + random.random())  # noqa: S311
        with counting:
            final[reply.status] += 1
        client.close()

    started = time.monotonic()
    _run_all([voter] * voters)
    seconds = time.monotonic() - started
    stored, upvotes = store.vote_count(server, comment_id)
    return VoteResult(
        voters=voters,
        comment_id=comment_id,
        first_answers=first,
        final_answers=final,
        attempts=len(attempts),
        stored_votes=stored,
        upvotes_field=upvotes,
        highest_reported=max(tallies, default=0),
        seconds=seconds,
    )


# --- kill -9 ------------------------------------------------------------------


@dataclass
class KillRound:
    number: int
    killed_after: float
    attempts: int
    acknowledged: int
    unanswered: int
    unanswered_but_stored: int
    integrity: str
    check: StoreCheck
    retries_refused: Counter
    retry_check: StoreCheck
    statuses: Counter
    restart_seconds: float

    def problems(self) -> list[str]:
        problems = [f"round {self.number}: {p}" for p in self.check.problems()]
        problems += [
            f"round {self.number}, after retries: {p}"
            for p in self.retry_check.problems()
        ]
        errors = {s: n for s, n in self.statuses.items() if s >= 500}
        if errors:
            problems.append(f"round {self.number}: 5xx answers: {errors}")
        if self.retries_refused:
            problems.append(
                f"round {self.number}: retries refused: {dict(self.retries_refused)}"
            )
        if self.integrity not in ("ok", "n/a (PostgreSQL)"):
            problems.append(
                f"round {self.number}: integrity_check says {self.integrity}"
            )
        return problems


@dataclass
class KillResult:
    rounds: list[KillRound]
    durability: str
    locked_in_log: int
    errors_in_log: list[str]

    def problems(self) -> list[str]:
        problems = [p for kill_round in self.rounds for p in kill_round.problems()]
        if self.locked_in_log:
            problems.append(f'"{LOCKED}" in {self.locked_in_log} log lines')
        if self.errors_in_log:
            problems.append(f"server log errors: {self.errors_in_log[:2]}")
        return problems


def kill_rounds(
    server: Server, *, rounds: int, posters: int, burst_seconds: float = 2.0
) -> KillResult:
    """``kill -9`` of the whole server during a posting burst, ``rounds``
    times. After each restart: the integrity check, every acknowledged
    comment, and a retry of every unanswered post with its Idempotency-Key,
    which must leave exactly one copy each."""
    log_start = len(server.log_text())
    results = []
    for number in range(1, rounds + 1):
        stop = threading.Event()
        prefix = new_prefix(f"kill{number}")
        log = PostingLog(prefix)
        with ThreadPoolExecutor(1) as executor:
            burst = executor.submit(
                post_burst,
                server,
                posters=posters,
                seconds=3600,
                prefix=prefix,
                stop=stop,
                log=log,
            )
            # Killed while posts are being acknowledged: on a busy machine
            # the first answers after a restart can take a while.
            deadline = time.monotonic() + 30
            while not log.acknowledged and time.monotonic() < deadline:
                time.sleep(0.05)
            killed_after = random.uniform(0.3, burst_seconds)  # noqa: S311
            time.sleep(killed_after)
            server.kill()
            stop.set()
            log = burst.result()
        restarted = time.monotonic()
        server.start()
        restart_seconds = time.monotonic() - restarted
        integrity = store.integrity_check(server)
        check = check_store(server, log)
        unanswered = [a for a in log.attempts if a.status == 0]
        retry_log = PostingLog(log.prefix)
        client = Client(server.port)
        retried = [
            retry_log.record(
                attempt.key,
                attempt.text,
                post_comment(client, ARTICLE, text=attempt.text, key=attempt.key),
            )
            for attempt in unanswered
        ]
        client.close()
        retry_log.attempts = [
            a for a in log.attempts if a.status != 0
        ] + retry_log.attempts
        results.append(
            KillRound(
                number=number,
                killed_after=killed_after,
                attempts=len(log.attempts),
                acknowledged=len(log.acknowledged),
                unanswered=len(unanswered),
                unanswered_but_stored=check.unanswered_but_stored,
                integrity=integrity,
                check=check,
                retries_refused=Counter(
                    a.status for a in retried if not a.acknowledged
                ),
                retry_check=check_store(server, retry_log),
                statuses=log.statuses,
                restart_seconds=restart_seconds,
            )
        )
    locked, errors = log_errors(server, log_start)
    return KillResult(results, store.durability(server), locked, errors)


# --- Overload -----------------------------------------------------------------


@contextmanager
def pinned(cpus: set[int] | None):
    """Runs the calling thread (and the programs it starts) on ``cpus``."""
    if not cpus:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@dataclass
class OverloadResult:
    label: str
    path: str
    capacity: loadgen.WrkResult
    quiet_p50: float
    load: loadgen.OpenLoopResult
    recovery_seconds: float | None
    recovery_samples: list[tuple[float, int, float]]
    post_after_recovery: int

    def generator_kept_up(self) -> bool:
        return self.load.late_share <= GENERATOR_LATE_LIMIT

    def refusals(self) -> list[loadgen.Outcome]:
        return [o for o in self.load.outcomes if o.status in (429, 503)]

    def problems(self) -> list[str]:
        problems = []
        statuses = self.load.statuses
        if statuses.get(0):
            problems.append(
                f"{statuses[0]} requests got no answer within {self.load.timeout:.0f} s"
            )
        other = {s: n for s, n in statuses.items() if s not in (0, 200, 429, 503)}
        if other:
            problems.append(f"answers other than 200/429/503: {other}")
        without = sum(1 for o in self.refusals() if not o.retry_after)
        if without:
            problems.append(f"{without} refusals without Retry-After")
        if not self.refusals():
            problems.append("nothing was refused: the load did not overload")
        if not self.generator_kept_up():
            problems.append(
                f"the load generator started {self.load.late_share:.0%} of its "
                "requests late (the machine is too busy): this run measured the "
                "generator, not the server"
            )
        if self.recovery_seconds is None:
            problems.append("no recovery within 60 s of the end of the overload")
        if self.post_after_recovery not in ACKNOWLEDGED:
            problems.append(f"a comment after recovery got {self.post_after_recovery}")
        return problems

    def summary(self) -> dict:
        served = self.load.latencies(200)
        refused = [o.seconds for o in self.refusals()]
        return {
            "capacity_per_second": self.capacity.requests_per_second,
            "offered_per_second": round(self.load.rate),
            "seconds": self.load.seconds,
            "statuses": dict(sorted(self.load.statuses.items())),
            "served_per_second": round(self.load.served_per_second(), 1),
            "served_p50_ms": round(median(served) * 1000, 1),
            "served_p99_ms": round(percentile(served, 0.99) * 1000, 1),
            "refused_p50_ms": round(median(refused) * 1000, 1),
            "refused_p99_ms": round(percentile(refused, 0.99) * 1000, 1),
            "quiet_p50_ms": round(self.quiet_p50 * 1000, 1),
            "recovery_seconds": self.recovery_seconds,
            "generator_lag_s": round(self.load.worst_start_lag, 2),
            "generator_late_share": round(self.load.late_share, 3),
        }


# The most expensive public page once a discussion has a hundred comments
# (about 20 ms of CPU, not cached), so the one that overloads a server first.
OVERLOAD_PATH = "/comments.atom"


def overload(
    server: Server,
    *,
    label: str,
    path: str = OVERLOAD_PATH,
    seed_comments: int = 100,
    multiple: float = 3.0,
    seconds: float = 30,
    capacity_seconds: int = 10,
    generator_cpus: set[int] | None = None,
) -> OverloadResult:
    """Measures the server's capacity on ``path`` (wrk, 16 keep-alive
    clients), then offers ``multiple`` times that, open loop, for
    ``seconds``; then checks that plain requests are back to their quiet
    latency within a minute, and that a comment can be posted. First,
    ``seed_comments`` comments give the pages something to show."""
    client = Client(server.port, timeout=10)
    for number in range(seed_comments):
        text = (
            f"{new_prefix('seed')} comment {number} with *emphasis*, a "
            "[link](https://example.org/) and a list:\n\n- one\n- two"
        )
        seeded = post_comment(client, ARTICLE, text=text, key=uuid.uuid4().hex)
        assert seeded.status in ACKNOWLEDGED, (seeded.status, seeded.body[:300])
    quiet = []
    for _ in range(20):
        quiet.append(client.request("GET", path).seconds)
    quiet_p50 = median(quiet)
    with pinned(generator_cpus):
        capacity = loadgen.wrk(
            server.url + path, connections=16, seconds=capacity_seconds, threads=1
        )
        load = loadgen.open_loop(
            server.port,
            path,
            rate=capacity.requests_per_second * multiple,
            seconds=seconds,
            timeout=10,
        )
    ended = time.monotonic()
    samples: list[tuple[float, int, float]] = []
    recovered_at = None
    # Quiet latency, with room for a machine busy with other work.
    normal = max(3 * quiet_p50, NORMAL_LATENCY_FLOOR)
    while time.monotonic() - ended < 60:
        reply = client.request("GET", path)
        samples.append(
            (round(time.monotonic() - ended, 2), reply.status, reply.seconds)
        )
        recent = samples[-10:]
        if len(recent) == 10 and all(s == 200 and t <= normal for _, s, t in recent):
            recovered_at = recent[0][0]
            break
        time.sleep(0.1)
    text = f"{new_prefix('overload')} posted after the overload"
    posted = post_comment(client, ARTICLE, text=text, key=uuid.uuid4().hex)
    client.close()
    return OverloadResult(
        label=label,
        path=path,
        capacity=capacity,
        quiet_p50=quiet_p50,
        load=load,
        recovery_seconds=recovered_at,
        recovery_samples=samples,
        post_after_recovery=posted.status,
    )
