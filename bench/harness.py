"""Servers, memory and wrk, for bench/run.py.

Every server runs in a session of its own, so stopping it reaches the
workers it forked, and nothing else. It is also started with a parent-death
signal, so that even a benchmark killed with SIGKILL leaves no server behind.
"""

import contextlib
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
# How often the memory of a server's processes is summed up.
MEMORY_SAMPLE_SECONDS = 0.2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Servers are idle when they use less than this, over a window this long.
IDLE_CORES = 0.1
IDLE_WINDOW_SECONDS = 0.3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def session_pids(session_id: int) -> list[int]:
    """Every process of a session: a server and all it forked."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # it exited meanwhile
            continue
        # Fields after the command name, which may itself hold spaces and ")".
        after_name = stat[stat.rindex(")") + 2 :].split()
        if int(after_name[3]) == session_id:
            pids.append(int(entry))
    return pids


def memory_kib(pid: int) -> tuple[int, int]:
    """RSS and PSS of a process. RSS counts the pages forked workers share
    with their parent once per process; PSS splits them between them, so
    the PSS of a process tree adds up to the memory it really takes."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    rss = re.search(r"^Rss:\s+(\d+) kB", rollup, re.MULTILINE)
    pss = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
    return (int(rss[1]) if rss else 0), (int(pss[1]) if pss else 0)


def processes_named(names: set[str], *, serving: str) -> list[int]:
    """Processes called one of ``names``, leaving out PostgreSQL's backends
    for other databases: other jobs on the machine use the same server."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            name = Path(f"/proc/{entry}/comm").read_text().strip()
            title = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        # A client backend's title names its database and client address,
        # "postgres: 15/main: USER DATABASE 127.0.0.1(PORT) ..."; background
        # processes (WAL writer, checkpointer) serve every database.
        is_client_backend = name == "postgres" and "(" in title
        if name in names and (not is_client_backend or f" {serving} " in title):
            pids.append(int(entry))
    return pids


def ticks_used(before: dict[int, int], after: dict[int, int]) -> int:
    """CPU ticks used between two snapshots by the processes alive at the
    second (one that exited meanwhile would otherwise count negative)."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items())


def cpu_snapshot(pids: list[int]) -> dict[int, int]:
    return {pid: cpu_ticks(pid) for pid in pids}


def cpu_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    after_name = stat[stat.rindex(")") + 2 :].split()
    return int(after_name[11]) + int(after_name[12])  # utime + stime


def machine_busy_ticks() -> int:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return user + nice + system + irq + softirq + steal


class Server:
    """One server process tree, its log, and the peak of its memory."""

    def __init__(self, name: str, argv: list[str], *, env: dict, log_path: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.peak_rss_kib = 0
        self.peak_pss_kib = 0
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> "Server":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["setpriv", "--pdeathsig", "TERM", "--", *self.argv],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._sampling.set()
        self._sampler = threading.Thread(target=self._sample_memory, daemon=True)
        self._sampler.start()
        return self

    def wait_until_ready(self, url: str, *, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        log_tail = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(
            f"{self.name} did not answer 200 on {url}; end of its log:\n{log_tail}"
        )

    def pids(self) -> list[int]:
        if self.process is None:
            return []
        return session_pids(self.process.pid)

    def cpu_snapshot(self) -> dict[int, int]:
        return cpu_snapshot(self.pids())

    def restart(self, ready_url: str) -> None:
        """A fresh server, its peak memory so far kept."""
        self.stop()
        self.start()
        self.wait_until_ready(ready_url)

    def stop(self) -> None:
        if self.process is None:
            return
        self._sampling.clear()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        # The leader may be gone while a worker lingers: the session is
        # still there as long as any of its processes is.
        for pid in session_pids(self.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None
        if self._sampler is not None:
            self._sampler.join()

    @property
    def peak_rss_mib(self) -> float:
        return round(self.peak_rss_kib / 1024, 1)

    @property
    def peak_pss_mib(self) -> float:
        return round(self.peak_pss_kib / 1024, 1)

    def _sample_memory(self) -> None:
        while self._sampling.is_set():
            samples = [memory_kib(pid) for pid in self.pids()]
            self.peak_rss_kib = max(self.peak_rss_kib, sum(s[0] for s in samples))
            self.peak_pss_kib = max(self.peak_pss_kib, sum(s[1] for s in samples))
            time.sleep(MEMORY_SAMPLE_SECONDS)


class DatabaseServers:
    """The database servers' processes (PostgreSQL, Redis), already running
    on the machine: their CPU is part of what a request costs."""

    def __init__(self, process_names: set[str], *, database: str) -> None:
        self.process_names = process_names
        self.database = database

    def cpu_snapshot(self) -> dict[int, int]:
        return cpu_snapshot(processes_named(self.process_names, serving=self.database))


@dataclass
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    # Responses with a status of 400 or more, as wrk counts them.
    non_2xx: int
    socket_errors: int
    # Status counts, when the wrk script keeps them (writes do).
    statuses: dict[str, int] = field(default_factory=dict)
    # CPU used meanwhile, in cores: by the servers measured, by their
    # database servers, by wrk, and by everything else on the machine (other
    # jobs make a run noisy).
    server_cores: float = 0.0
    database_cores: float = 0.0
    wrk_cores: float = 0.0
    other_cores: float = 0.0
    # How long the servers took to finish the warm-up's last requests.
    waited_for_idle_seconds: float = 0.0
    output_file: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


class Wrk:
    """Runs wrk with the benchmark's settings and reads its report."""

    def __init__(
        self, *, duration: int, warmup: int, connections: int, threads: int
    ) -> None:
        self.duration = duration
        self.warmup = warmup
        self.connections = connections
        self.threads = threads

    def command(
        self, url: str, seconds: int, script: Path | None, script_args: list[str]
    ) -> list[str]:
        # A slow response is measured, not dropped: wrk leaves responses
        # slower than its timeout (2 s by default) out of the latencies.
        argv = [
            "wrk",
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{seconds}s",
            "--timeout",
            f"{max(30, seconds)}s",
            "--latency",
        ]
        if script is not None:
            argv += ["-s", str(script)]
        argv.append(url)
        if script_args:
            argv += ["--", *script_args]
        return argv

    def measure(
        self,
        url: str,
        output: Path,
        *,
        servers: list[Server],
        database_servers: DatabaseServers | None = None,
        script: Path | None = None,
        warmup_args: list[str] | None = None,
        script_args: list[str] | None = None,
        before_run: Callable[[], None] | None = None,
    ) -> WrkResult:
        """A warm-up that is not recorded, then the measured run. Each starts
        once the servers have finished what came before; ``before_run`` is
        called just before the measured run."""
        wait_until_idle(servers)
        if self.warmup > 0:
            subprocess.run(
                self.command(url, self.warmup, script, warmup_args or []),
                stdout=subprocess.DEVNULL,
                check=True,
                timeout=self.warmup + 60,
            )
        waited = wait_until_idle(servers)
        if before_run is not None:
            before_run()
        argv = self.command(url, self.duration, script, script_args or [])
        helpers = [database_servers] if database_servers else []
        servers_before = all_snapshot(servers)
        databases_before = all_snapshot(helpers)
        machine_before = machine_busy_ticks()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=self.duration + 90
        )
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        machine_ticks = machine_busy_ticks() - machine_before
        server_ticks = ticks_used(servers_before, all_snapshot(servers))
        database_ticks = ticks_used(databases_before, all_snapshot(helpers))
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(f"$ {' '.join(argv)}\n{completed.stdout}{completed.stderr}")
        if completed.returncode != 0:
            raise RuntimeError(f"wrk failed, see {output}")
        result = parse_wrk(completed.stdout)
        wrk_seconds = (children_after.ru_utime - children_before.ru_utime) + (
            children_after.ru_stime - children_before.ru_stime
        )
        result.server_cores = round(server_ticks / CLOCK_TICKS / result.seconds, 2)
        result.database_cores = round(database_ticks / CLOCK_TICKS / result.seconds, 2)
        result.wrk_cores = round(wrk_seconds / result.seconds, 2)
        result.other_cores = round(
            machine_ticks / CLOCK_TICKS / result.seconds
            - result.server_cores
            - result.database_cores
            - result.wrk_cores,
            2,
        )
        result.output_file = str(output)
        result.waited_for_idle_seconds = waited
        return result


def all_snapshot(groups: list) -> dict[int, int]:
    """CPU ticks of every process of several servers, by process id."""
    snapshot: dict[int, int] = {}
    for group in groups:
        snapshot.update(group.cpu_snapshot())
    return snapshot


def wait_until_idle(servers: list[Server], *, limit: float = 30.0) -> float:
    """Wait (at most ``limit`` seconds) until the servers use next to no CPU:
    when wrk stops, the requests it left queued are still served, and they
    would be the next run's load. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = all_snapshot(servers)
        time.sleep(IDLE_WINDOW_SECONDS)
        used = ticks_used(before, all_snapshot(servers))
        if used / CLOCK_TICKS / IDLE_WINDOW_SECONDS < IDLE_CORES:
            break
    return round(time.monotonic() - started, 1)


DURATION_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text: str) -> float:
    """812.33us, 41.20ms, 1.02s or 1.10m, in milliseconds."""
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return round(float(match[1]) * DURATION_UNITS_MS[match[2]], 3)


def parse_wrk(report: str) -> WrkResult:
    totals = re.search(r"(\d+) requests in ([0-9.]+)(us|ms|s|m),", report)
    if totals is None:
        raise ValueError(f"no request count in wrk's report:\n{report}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", report, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report
    )
    seconds = to_ms(totals[2] + totals[3]) / 1000
    requests = int(totals[1])
    return WrkResult(
        requests=requests,
        seconds=seconds,
        requests_per_second=round(requests / seconds, 2),
        p50_ms=to_ms(latency["50"]) if "50" in latency else None,
        p99_ms=to_ms(latency["99"]) if "99" in latency else None,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(map(int, socket_errors.groups())) if socket_errors else 0,
        statuses={
            status: int(count)
            for status, count in re.findall(r"^status (\d+): (\d+)$", report, re.M)
        },
    )


def http_get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def require_tools(apt_packages: dict[str, str]) -> None:
    """Install missing commands from Debian's packages, like .ci/run does for
    Chromium, or say what to install."""
    missing = {
        tool: package
        for tool, package in apt_packages.items()
        if shutil.which(tool) is None
    }
    if not missing:
        return
    packages = sorted(set(missing.values()))
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit(
            f"{', '.join(missing)} missing: apt-get install -y {' '.join(packages)}"
        )
    print(f"Installing {' '.join(packages)} from Debian's packages...", flush=True)
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=apt_env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages],
        check=True,
        env=apt_env,
        stdout=subprocess.DEVNULL,
    )
