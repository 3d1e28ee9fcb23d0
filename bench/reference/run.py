"""Measure the bare Django reference on this machine (see app.py).

    .venv/bin/python bench/reference/run.py [SECONDS]

Starts granian with 2 workers on a free port of 127.0.0.1, measures
``GET /cached`` and ``POST /insert`` with wrk (-t2 -c32, like make bench),
prints both rates and writes them to bench/results/reference.txt.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
RESULTS = ROOT / "bench" / "results" / "reference.txt"
POST_LUA = """wrk.method = "POST"
wrk.body = "A comment of a few words, as a reader would write it."
wrk.headers["Content-Type"] = "text/plain"
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wrk(url: str, seconds: int, script: Path | None = None) -> float:
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "30s", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    subprocess.run([*command[:4], "-d1s", *command[5:]], capture_output=True)
    output = subprocess.run(command, capture_output=True, text=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    (ROOT / "bench" / "var").mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="reference-", dir=ROOT / "bench" / "var"))
    env = {**os.environ, "REFERENCE_DATA_DIR": str(data_dir)}
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run(
        [python, "-c", "import bench.reference.app as a; a.prepare()"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            python,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--workers",
            "2",
            "--blocking-threads",
            "8",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-ws",
            "bench.reference.app:application",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1)
        script = data_dir / "post.lua"
        script.write_text(POST_LUA)
        cached = wrk(f"{base}/cached", seconds)
        inserts = wrk(f"{base}/insert", seconds, script)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)
    report = (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, wrk -t2 -c32 "
        f"-d{seconds}s, granian 2 workers:\n"
        f"bare Django, cached 20 KB JSON: {cached:,.0f} req/s "
        f"(targets set at about 12,500)\n"
        f"bare Django, SQLite WAL insert: {inserts:,.0f} /s "
        f"(targets set at about 2,200)\n"
    )
    print(report, end="")
    RESULTS.write_text(report)


if __name__ == "__main__":
    main()
