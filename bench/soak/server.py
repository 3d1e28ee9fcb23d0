"""Real ``talkpage serve`` processes for the load and fault tests.

Each server runs in a session of its own, so ``kill -9`` can reach granian's
main process and every worker at once (``os.killpg``), and ``stop()`` never
leaves a worker behind. Everything binds to 127.0.0.1.
"""

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

TALKPAGE = str(Path(sys.executable).parent / "talkpage")
START_TIMEOUT = 60
# Process groups still running, killed when this program exits however it
# ends (an interrupted `make soak`, a failed test).
_running: set[int] = set()


@atexit.register
def _kill_leftovers() -> None:
    for pgid in list(_running):
        _signal_group(pgid, signal.SIGKILL)


def free_port() -> int:
    # The port could be taken between closing this socket and the server
    # binding it; on a test machine that race is rare enough to accept.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Database:
    """Where a server keeps its data: SQLite in the data directory, or a
    PostgreSQL database (``url``) plus a Redis database for the cache."""

    url: str = ""
    redis_url: str = ""

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgres://", "postgresql://"))

    @property
    def label(self) -> str:
        return "PostgreSQL" if self.is_postgres else "SQLite"


@dataclass
class Server:
    data_dir: Path
    database: Database = field(default_factory=Database)
    workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    # Another program to run instead of `talkpage serve` (the "before"
    # measurement runs granian the way `talkpage serve` used to).
    command: list[str] | None = None
    # CPUs the server may use (taskset), so a load generator can have its own.
    cpus: str = ""
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "talkpage.sqlite3"

    def env(self) -> dict[str, str]:
        # Start from a clean slate of TALKPAGE_* variables: the test settings
        # and a developer's shell may carry values that must not leak in.
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("TALKPAGE_") and key != "DJANGO_SETTINGS_MODULE"
        }
        env.update(
            {
                "TALKPAGE_DATA_DIR": str(self.data_dir),
                "TALKPAGE_BASE_URL": self.url,
                # The load generator posts as many client networks through
                # X-Forwarded-For, as a proxy would pass them on.
                "TALKPAGE_TRUSTED_PROXIES": "127.0.0.1/32",
                "TALKPAGE_LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.database.url:
            env["TALKPAGE_DATABASE_URL"] = self.database.url
        if self.database.redis_url:
            env["TALKPAGE_REDIS_URL"] = self.database.redis_url
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = self.command or [
            TALKPAGE,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        if self.cpus:
            command = ["taskset", "-c", self.cpus, *command]
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start {self.starts + 1} ===\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.data_dir,
                start_new_session=True,
            )
        _running.add(self.process.pid)
        self.starts += 1
        self.wait_until_serving()

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"talkpage serve exited with {self.process.returncode}:\n"
                    + self.log_tail()
                )
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"talkpage serve did not answer:\n{self.log_tail()}")

    def kill(self) -> None:
        """``kill -9`` of the whole process group: granian and its workers."""
        if self.process is None:
            return
        _signal_group(self.process.pid, signal.SIGKILL)
        self.process.wait()
        _wait_until_group_is_gone(self.process.pid)
        _running.discard(self.process.pid)

    def stop(self) -> None:
        if self.process is None or _group_is_gone(self.process.pid):
            return
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
            _wait_until_group_is_gone(self.process.pid, timeout=10)
        except (subprocess.TimeoutExpired, TimeoutError):
            self.kill()
        _running.discard(self.process.pid)

    def log_text(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces): state, ppid,
        # pgrp, ...; a zombie has been killed already.
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def _group_is_gone(pgid: int) -> bool:
    return not _group_members(pgid)


def _wait_until_group_is_gone(pgid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while _group_members(pgid):
        if time.monotonic() > deadline:
            _signal_group(pgid, signal.SIGKILL)
            if time.monotonic() > deadline + 5:
                raise TimeoutError(f"processes of group {pgid} survived SIGKILL")
        time.sleep(0.05)
