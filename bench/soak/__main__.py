"""``make soak``: the load and fault tests at full size; writes
docs/reliability.md and bench/soak/results.json.

    python -m bench.soak                 # everything, about 15 minutes
    python -m bench.soak --seconds 20 --kill-rounds 3 --voters 200 \\
        --overload-seconds 10 --report /tmp/reliability.md   # a quick look

Every server binds to 127.0.0.1 and runs in its own process group, which is
killed on the way out whatever happens. The exit status is 1 when any
promise was broken (the report says which).
"""

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.soak import loadgen, report, scenarios, store
from bench.soak.server import Database, Server

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("sqlite", "postgres", "overload", "throughput")
# `talkpage serve` as it was before the gate: 4 Python threads per worker
# and no limit in Django (a limit no request reaches).
BEFORE_COMMAND = (
    "import sys; from talkpage import cli, server; "
    "server.blocking_threads_per_worker = lambda: 4; "
    "sys.exit(cli.main(sys.argv[1:]))"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--seconds", type=float, default=120, help="posting time")
    parser.add_argument("--sqlite-posters", type=int, default=20)
    parser.add_argument("--postgres-posters", type=int, default=100)
    parser.add_argument("--voters", type=int, default=500)
    parser.add_argument("--kill-rounds", type=int, default=20)
    parser.add_argument("--overload-seconds", type=float, default=30)
    parser.add_argument(
        "--overload-paths",
        default=f"/,{scenarios.OVERLOAD_PATH}",
        help="comma-separated: a cheap cached page and an expensive one",
    )
    parser.add_argument("--throughput-seconds", type=int, default=10)
    parser.add_argument(
        "--postgres-url", default="postgres://postgres@127.0.0.1:5432/talkpage_soak"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated")
    parser.add_argument("--report", default=str(ROOT / "docs" / "reliability.md"))
    parser.add_argument(
        "--results", default=str(ROOT / "bench" / "soak" / "results.json")
    )
    parser.add_argument(
        "--rewrite-report",
        action="store_true",
        help="only write the report again from the results file",
    )
    args = parser.parse_args(argv)
    if args.rewrite_report:
        results = json.loads(Path(args.results).read_text())
        Path(args.report).write_text(report.render(results))
        return 0
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")

    scratch = Path(tempfile.mkdtemp(prefix="talkpage-soak-"))
    results: dict = {
        "command": "python -m bench.soak " + " ".join(argv or sys.argv[1:]),
        "parameters": vars(args),
        "machine": machine(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "load_before": os.getloadavg(),
    }
    began = time.monotonic()
    if "sqlite" in parts:
        results["sqlite"] = database_suite(
            Database(), scratch / "sqlite", posters=args.sqlite_posters, args=args
        )
    if "postgres" in parts:
        database = Database(args.postgres_url, args.redis_url)
        store.reset_postgres(database)
        results["postgres"] = database_suite(
            database, scratch / "postgres", posters=args.postgres_posters, args=args
        )
    if "overload" in parts:
        results["overload"] = {
            path: {
                label: overload_run(
                    label, path, scratch / f"overload-{n}-{label}", args
                )
                for label in ("before", "after")
            }
            for n, path in enumerate(args.overload_paths.split(","))
        }
    if "throughput" in parts:
        results["throughput"] = throughput_runs(scratch, args)
    results["load_after"] = os.getloadavg()
    results["minutes"] = round((time.monotonic() - began) / 60, 1)

    Path(args.results).write_text(json.dumps(results, indent=2, default=str) + "\n")
    Path(args.report).write_text(report.render(results))
    problems = report.all_problems(results)
    print(f"Wrote {args.report} ({results['minutes']} min).")
    for problem in problems:
        print("BROKEN:", problem)
    return 1 if problems else 0


def progress(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, flush=True)


def database_suite(database: Database, data_dir: Path, *, posters: int, args) -> dict:
    label = database.label
    with Server(data_dir, database=database) as server:
        progress(f"{label}: {posters} posters for {args.seconds:.0f} s")
        posting = scenarios.posting(
            server, label=label.lower(), posters=posters, seconds=args.seconds
        )
        progress(f"{label}: {args.voters} simultaneous votes")
        votes = scenarios.concurrent_votes(server, voters=args.voters)
        progress(f"{label}: {args.kill_rounds} rounds of kill -9")
        kills = scenarios.kill_rounds(server, rounds=args.kill_rounds, posters=posters)
        locked, errors = scenarios.log_errors(server)
    return {
        "database": label,
        "workers": server.workers,
        "posting": {**posting.summary(), "problems": posting.problems()},
        "votes": {
            "voters": votes.voters,
            "first_answers": dict(sorted(votes.first_answers.items())),
            "final_answers": dict(sorted(votes.final_answers.items())),
            "requests": votes.attempts,
            "stored_votes": votes.stored_votes,
            "upvotes_field": votes.upvotes_field,
            "highest_tally_answered": votes.highest_reported,
            "seconds": round(votes.seconds, 1),
            "problems": votes.problems(),
        },
        "kills": {
            "durability": kills.durability,
            "rounds": [
                {
                    "round": r.number,
                    "killed_after_s": round(r.killed_after, 2),
                    "requests": r.attempts,
                    "acknowledged": r.acknowledged,
                    "unanswered": r.unanswered,
                    "unanswered_but_stored": r.unanswered_but_stored,
                    "integrity": r.integrity,
                    "missing": len(r.check.missing),
                    "duplicated": len(r.check.duplicated),
                    "after_retries_missing": len(r.retry_check.missing),
                    "after_retries_duplicated": len(r.retry_check.duplicated),
                    "retries_refused": dict(r.retries_refused),
                    "restart_s": round(r.restart_seconds, 2),
                    "statuses": dict(sorted(r.statuses.items())),
                }
                for r in kills.rounds
            ],
            "problems": kills.problems(),
        },
        "log": {"database_is_locked": locked, "errors": errors[:20]},
    }


def overload_run(label: str, path: str, data_dir: Path, args) -> dict:
    """One worker on the first CPU, the load generator on the second."""
    two_cpus = len(os.sched_getaffinity(0)) >= 2
    server = Server(data_dir, workers=1, cpus="0" if two_cpus else "")
    if label == "before":
        server.extra_env["TALKPAGE_MAX_CONCURRENT_REQUESTS"] = "100000"
        server.command = [
            *(sys.executable, "-c", BEFORE_COMMAND),
            *("serve", "--host", "127.0.0.1", "--port", str(server.port)),
            *("--workers", "1"),
        ]
    progress(f"overload of {path} ({label}): {args.overload_seconds:.0f} s at 3x")
    with server:
        result = scenarios.overload(
            server,
            label=label,
            path=path,
            seed_comments=100,
            seconds=args.overload_seconds,
            generator_cpus={1} if two_cpus else None,
        )
        refusals_logged = [
            line for line in server.log_text().splitlines() if "Overloaded:" in line
        ]
    return {
        **result.summary(),
        "problems": result.problems(),
        "recovery_samples": result.recovery_samples[:20],
        "post_after_recovery": result.post_after_recovery,
        "log": refusals_logged[:5],
    }


def throughput_runs(scratch: Path, args) -> list[dict]:
    """The article page at normal load (wrk, 16 and 64 keep-alive clients),
    before and after the gate, alternated to spread the machine's noise."""
    path = f"/articles/{scenarios.ARTICLE}/"
    runs = []
    for round_number in (1, 2):
        for label in ("before", "after"):
            server = Server(scratch / f"throughput-{label}-{round_number}")
            if label == "before":
                server.extra_env["TALKPAGE_MAX_CONCURRENT_REQUESTS"] = "100000"
                server.command = [
                    *(sys.executable, "-c", BEFORE_COMMAND),
                    *("serve", "--host", "127.0.0.1", "--port", str(server.port)),
                    *("--workers", "2"),
                ]
            with server:
                for connections in (16, 64):
                    progress(
                        f"throughput ({label}, round {round_number}): -c{connections}"
                    )
                    loadgen.wrk(server.url + path, connections=connections, seconds=3)
                    result = loadgen.wrk(
                        server.url + path,
                        connections=connections,
                        seconds=args.throughput_seconds,
                    )
                    runs.append(
                        {
                            "label": label,
                            "round": round_number,
                            "connections": connections,
                            "requests_per_second": result.requests_per_second,
                            "p50_ms": result.p50_ms,
                            "p99_ms": result.p99_ms,
                            "non_2xx": result.non_2xx,
                            "socket_errors": result.socket_errors,
                            "load": round(os.getloadavg()[0], 2),
                        }
                    )
    return runs


def machine() -> dict:
    import django
    import granian

    facts = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "granian": granian.__version__,
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }
    try:
        import psycopg

        with psycopg.connect(
            "postgres://postgres@127.0.0.1:5432/postgres", connect_timeout=3
        ) as connection:
            facts["postgresql"] = connection.execute("SHOW server_version").fetchone()[
                0
            ]
    except Exception as error:  # noqa: BLE001 (a fact, not a failure)
        facts["postgresql"] = f"not reachable ({type(error).__name__})"
    return facts


if __name__ == "__main__":
    sys.exit(main())
