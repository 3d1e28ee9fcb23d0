"""Open-loop load: requests start on a fixed schedule whether or not earlier
ones were answered, as independent visitors arrive. (A closed loop such as
wrk's waits for each answer before sending the next request, so it can never
push a server past saturation: it only measures a longer queue.)

One asyncio loop in its own thread speaks plain HTTP/1.1 over keep-alive
connections; it is cheap enough to offer several hundred requests a second
from the same two cores the server uses.
"""

import asyncio
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Outcome:
    started: float  # seconds since the run began
    status: int  # 0: no answer within the timeout, or the connection failed
    seconds: float
    retry_after: str | None
    error: str = ""


@dataclass
class OpenLoopResult:
    rate: float
    seconds: float
    timeout: float
    outcomes: list[Outcome] = field(default_factory=list)
    # How late the generator itself started requests (its own saturation).
    worst_start_lag: float = 0.0
    # Requests the generator started more than LATE seconds after their time.
    late_starts: int = 0

    @property
    def late_share(self) -> float:
        return self.late_starts / max(1, len(self.outcomes))

    @property
    def statuses(self) -> Counter:
        return Counter(outcome.status for outcome in self.outcomes)

    def latencies(self, status: int) -> list[float]:
        return [o.seconds for o in self.outcomes if o.status == status]

    def served_per_second(self) -> float:
        return len(self.latencies(200)) / self.seconds


LATE = 0.25


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class _Connections:
    def __init__(self, port: int):
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def take(self, *, fresh: bool = False):
        if self.idle and not fresh:
            return self.idle.pop(), True
        return await asyncio.open_connection("127.0.0.1", self.port), False

    def give_back(self, connection) -> None:
        self.idle.append(connection)

    def close_all(self) -> None:
        for _reader, writer in self.idle:
            writer.close()
        self.idle.clear()


async def _fetch(connections: _Connections, request: bytes) -> tuple[int, str | None]:
    try:
        return await _fetch_once(connections, request, fresh=False)
    except (ConnectionError, asyncio.IncompleteReadError):
        # A kept-alive connection the server had closed meanwhile.
        return await _fetch_once(connections, request, fresh=True)


async def _fetch_once(
    connections: _Connections, request: bytes, *, fresh: bool
) -> tuple[int, str | None]:
    (reader, writer), reused = await connections.take(fresh=fresh)
    try:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            await _skip_chunks(reader)
        else:
            await reader.readexactly(int(headers.get("content-length", "0")))
    except (ConnectionError, asyncio.IncompleteReadError):
        writer.close()
        if reused:
            raise
        raise OSError("the connection failed") from None
    except BaseException:
        writer.close()
        raise
    if headers.get("connection", "").lower() == "close":
        writer.close()
    else:
        connections.give_back((reader, writer))
    return status, headers.get("retry-after")


async def _open_loop(port: int, path: str, rate: float, seconds: float, timeout: float):
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "User-Agent: talkpage-soak\r\n\r\n"
    ).encode()
    connections = _Connections(port)
    result = OpenLoopResult(rate=rate, seconds=seconds, timeout=timeout)
    begin = time.monotonic()

    async def one(started: float) -> None:
        try:
            status, retry_after = await asyncio.wait_for(
                _fetch(connections, request), timeout
            )
            error = ""
        except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as e:
            status, retry_after, error = 0, None, type(e).__name__
        result.outcomes.append(
            Outcome(
                started,
                status,
                time.monotonic() - begin - started,
                retry_after,
                error,
            )
        )

    tasks = []
    total = int(rate * seconds)
    for number in range(total):
        due = number / rate
        delay = due - (time.monotonic() - begin)
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            result.worst_start_lag = max(result.worst_start_lag, -delay)
            result.late_starts += -delay > LATE
        tasks.append(asyncio.create_task(one(time.monotonic() - begin)))
    await asyncio.gather(*tasks)
    connections.close_all()
    return result


async def _skip_chunks(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return


def open_loop(
    port: int, path: str, *, rate: float, seconds: float, timeout: float = 10
) -> OpenLoopResult:
    return asyncio.run(_open_loop(port, path, rate, seconds, timeout))


@dataclass
class WrkResult:
    connections: int
    seconds: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: str
    output: str


def wrk(url: str, *, connections: int, seconds: int, threads: int = 2) -> WrkResult:
    """A closed-loop run of wrk (throughput and latency at a fixed number of
    keep-alive clients). ``--timeout 10s``: wrk leaves slower answers out of
    its latency figures, so its default of 2 s would hide the tail."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        url,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    return WrkResult(
        connections=connections,
        seconds=seconds,
        requests_per_second=float(_after(output, "Requests/sec:")),
        p50_ms=_milliseconds(_after(output, "50%")),
        p99_ms=_milliseconds(_after(output, "99%")),
        non_2xx=int(_after(output, "Non-2xx or 3xx responses:") or 0),
        socket_errors=_after(output, "Socket errors:") or "none",
        output=output,
    )


def _after(output: str, label: str) -> str:
    for line in output.splitlines():
        if line.strip().startswith(label):
            return line.strip()[len(label) :].strip()
    return ""


def _milliseconds(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float("nan")
