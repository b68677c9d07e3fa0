"""Sustained mixed load: bench/locustfile.py at a fixed rate against the production set-up.

    .venv/bin/python bench/soak.py [--quick] [--rate N] [--minutes M] [--history H]

Creates its own database `<name>_soak` on the server BENCH_DATABASE_URL names (default
postgres://postgres@127.0.0.1:5432/test, so `test_soak`; dropped first if left over, and at
the end unless --keep), migrates it, loads the 梁子湖区 demo data and a generated history
(`generate_history`, --history applications, default 3000), and the accounts the profile
signs in with: applicants (phone and password), window clerks and one reviewer per
department per simulated user (password and a TOTP device, as staff sign in in production,
see bench/apply_accept.py), and a partner system's API key (scoped to the 办件 and 事项目录
operations, on a reviewer's account).

Then starts the production set-up: gunicorn with sync workers sized for the cores (2 × cores
+ 1) and --preload (the app and every view imported once before the fork, yishi/wsgi.py),
YISHI_DEBUG=false, the django-tasks database worker (`db_worker`) and the event and outbox
loops, all on PostgreSQL, with the cache on Redis (--cache-url, default
redis://127.0.0.1:6379/13, emptied first; it holds the public pages kept for anonymous
visitors, yishi.core.page_cache); and runs locust headless in a subprocess with
rate / SOAK_USER_RPS users, each pacing itself to SOAK_USER_RPS requests a second
(constant_throughput), for --minutes (default 10, --quick 2). The users start over SPAWN_S
seconds, each signing in first; locust's statistics start again once all have (--reset-stats)
and so does the CPU per request, so the latencies are those of the steady run, while errors
count over the whole run, sign-ins included (the locustfile's totals). Every 5 s it samples
the RSS of the server's processes (gunicorn's master and workers, the task worker, the loops;
/proc), and an ANALYZE of the tables autovacuum would analyse stands in for it (off on these
machines, see Autoanalyse).

rss_growth = total RSS at the end over the total after the warm-up (the first minute; --quick:
30 s) minus 1. The latency figures and counts are locust's, after the start (above). Human lines
first, then ONE JSON object as the last line:
{"requests", "rps", "errors", "p50_ms", "p95_ms", "p99_ms", "rss_growth", "rate", "minutes", …}.
The exit status is non-zero when the target is missed: rps ≥ 95 % of the rate asked, 0
errors, p99 < 500 ms, rss_growth ≤ 10 % (the issue asks for it at ≥ 150 requests/s).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from apply_accept import (  # noqa: E402 - bench/ is not a package
    PASSWORD,
    bench_applicants,
    cpu_seconds,
    free_port,
    server_env,
    staff_with_second_factor,
    wait_until_up,
)

# Requests a second each simulated user makes (locustfile.Pacing): slow enough that a user
# keeps its pace while answers take up to a second or two, so the rate stays the one asked.
USER_RPS = 0.5
TARGET_RATE = 150
TARGET_P99_MS = 500
TARGET_RSS_GROWTH = 0.10
SAMPLE_EVERY_S = 5.0
# Seconds over which the simulated users start (and sign in): the latencies and the CPU per
# request are those of the run after it; errors count over the whole run.
SPAWN_S = 20.0

# --- the setup subprocess ------------------------------------------------------------------


def main_setup(out: str, users: int, history: int) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"migrated and loaded the demo data in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    call_command(
        "generate_history",
        applications=history,
        days=365,
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    print(f"generated a history of {history} applications in {time.perf_counter() - started:.1f} s")
    # The parent's password (apply_accept draws one per process), one hash for every account.
    hashed = make_password(os.environ["YISHI_DEMO_PASSWORD"])
    accounts = {
        "applicants": bench_applicants(users, hashed, seed=20261207),
        "window": staff_with_second_factor(users, hashed, "window1", prefix="soak"),
        "reviewers": _reviewer_clones(users, hashed),
    }
    accounts["api_key"] = _partner_key(accounts["reviewers"][0]["username"])
    accounts |= _codes()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done on a live database
    Path(out).write_text(json.dumps(accounts, ensure_ascii=False), "utf-8")
    print(
        f"{len(accounts['applicants'])} applicants, {len(accounts['window'])} window clerks, "
        f"{len(accounts['reviewers'])} reviewers, {len(accounts['matters'])} matters, "
        f"{len(accounts['themes'])} themes, {len(accounts['outlets'])} outlets"
    )
    return 0


def _reviewer_clones(n: int, hashed: str) -> list[dict]:
    """Reviewers of every department the demo has one for, interleaved (user i reviews for
    department i mod d), so any number of simulated reviewers covers the departments."""
    from django.contrib.auth import get_user_model

    names = sorted(
        get_user_model()
        .objects.filter(username__startswith="reviewer_")
        .values_list("username", flat=True)
    )
    per = -(-n // len(names))
    clones = [staff_with_second_factor(per, hashed, name, prefix="soak") for name in names]
    return [c[i] for i in range(per) for c in clones][: max(n, len(names))]


def _partner_key(username: str) -> str:
    from django.contrib.auth import get_user_model

    from yishi.people.tokens import api_key_create

    _, secret = api_key_create(
        name="压测：部门业务系统",
        user=get_user_model().objects.get(username=username),
        scopes=["办件", "事项目录"],
    )
    return secret


def _codes() -> dict[str, list[str]]:
    from yishi.catalog.models import Matter, Topic
    from yishi.hall.models import Outlet
    from yishi.themes.models import Theme

    return {
        "matters": list(
            Matter.objects.filter(status=Matter.Status.PUBLISHED)
            .order_by("code")
            .values_list("code", flat=True)
        ),
        "themes": list(
            Theme.objects.filter(status=Theme.Status.PUBLISHED)
            .order_by("code")
            .values_list("code", flat=True)
        ),
        "topics": list(Topic.objects.order_by("code").values_list("code", flat=True)),
        "outlets": list(
            Outlet.objects.filter(queues__letter="A")
            .distinct()
            .order_by("code")
            .values_list("code", flat=True)
        ),
    }


# --- the parent ------------------------------------------------------------------------------


def rss_bytes(pids: list[int]) -> int:
    """Resident set size of these processes (Linux /proc; 0 for one that is gone)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (gunicorn's workers, a command's children)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def _cpu_sample(
    cpu: dict[str, dict[int, float]], server: dict[str, list[int]], database_url: str, locust: int
) -> None:
    """Cumulative CPU seconds of each process seen so far (a process that ends keeps its last
    figure): gunicorn's, the task worker's and loops', the bench database's PostgreSQL
    backends', locust's."""
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(database_url, autocommit=True) as conn:
        backends = [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
        ]
    kinds = {**server, "postgres": backends, "locust": [locust]}
    for kind, pids in kinds.items():
        for pid in pids:
            seconds = cpu_seconds([pid])
            if seconds:
                cpu[kind][pid] = max(cpu[kind].get(pid, 0.0), seconds)


class Autoanalyse:
    """ANALYZE of the tables autovacuum would analyse now (it is off on these machines, see
    apply_accept.Analyser): those changed by more than 50 rows plus 10 % since their last
    analysis (autovacuum_analyze_threshold, autovacuum_analyze_scale_factor), checked every
    15 s. An ANALYZE of the whole database every few seconds, as the shorter benches do, cost
    more PostgreSQL CPU than the requests themselves over 10 minutes. Its connection is one of
    the database's, so its CPU counts in the figures."""

    def __init__(self, database_url: str, every: float = 15.0) -> None:
        import psycopg

        self._conn = psycopg.connect(database_url, autocommit=True, connect_timeout=5)
        self._stop = threading.Event()
        self._every = every
        self.analysed = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            due = self._conn.execute(
                "SELECT schemaname, relname FROM pg_stat_user_tables "
                "WHERE n_mod_since_analyze > 50 + 0.1 * n_live_tup"
            ).fetchall()
            for schema, table in due:
                self._conn.execute(f'ANALYZE "{schema}"."{table}"')
                self.analysed += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()


def _empty_cache(url: str) -> None:
    """Nothing kept from an earlier run (pages of another database)."""
    import redis

    redis.Redis.from_url(url).flushdb()


CPU_KINDS = ("gunicorn", "tasks", "postgres", "locust")


def _server_pids(running: dict[str, subprocess.Popen]) -> dict[str, list[int]]:
    return {
        "gunicorn": descendants(running["gunicorn"].pid),
        "tasks": [
            pid for name, p in running.items() if name != "gunicorn" for pid in descendants(p.pid)
        ],
    }


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def aggregated(prefix: str) -> tuple[dict, list[dict]]:
    """locust's --csv statistics: the Aggregated row and the per-endpoint rows."""
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return total, [r for r in rows if r["Name"] != "Aggregated"]


def run(args: argparse.Namespace, database_url: str) -> dict:
    minutes = args.minutes if args.minutes else (2.0 if args.quick else 10.0)
    warmup_s = 30.0 if args.quick else 60.0
    users = max(10, round(args.rate / USER_RPS))
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    with tempfile.TemporaryDirectory(prefix="yishi-bench-soak-") as var_dir:
        env = server_env(database_url, var_dir) | {
            # Every simulated phone comes from 127.0.0.1: the per-address ticket limit (200
            # open tickets an outlet a day) is for one real caller, not for a whole bench.
            "YISHI_HALL_TICKETS_PER_API_CLIENT": "1000000",
            # The cache shared by the app processes, as on several app machines.
            "YISHI_CACHE_URL": args.cache_url,
        }
        _empty_cache(args.cache_url)
        accounts_file = Path(var_dir) / "accounts.json"
        started = time.perf_counter()
        setup = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--setup",
                str(accounts_file),
                "--history",
                str(args.history),
                "--users",
                str(users),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        for line in setup.stdout.splitlines():
            print(f"[setup] {line}")
        if setup.returncode != 0:
            raise RuntimeError(f"setup failed: {setup.stderr.strip()[-1500:]}")
        print(f"set up in {time.perf_counter() - started:.0f} s")
        port = free_port()
        bin_dir = Path(sys.executable).parent
        logs = {name: open(Path(var_dir) / f"{name}.log", "w+") for name in ("web", "tasks")}  # noqa: SIM115
        procs = {
            "gunicorn": [
                str(bin_dir / "gunicorn"), "yishi.wsgi",
                "--workers", str(workers),
                "--bind", f"127.0.0.1:{port}",
                "--backlog", "1024",
                "--preload",  # the app imported once, before the fork (yishi/wsgi.py)
                "--log-level", "warning",
            ],
            "db_worker": [sys.executable, "-m", "yishi", "db_worker", "--queue-name", "*", "--no-reload"],
            "dispatch_events": [sys.executable, "-m", "yishi", "dispatch_events", "--loop", "5"],
            "deliver_outbox": [sys.executable, "-m", "yishi", "deliver_outbox", "--loop", "30"],
        }  # fmt: skip
        running: dict[str, subprocess.Popen] = {}
        analyser = None
        try:
            for name, cmd in procs.items():
                log = logs["web" if name == "gunicorn" else "tasks"]
                running[name] = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=log)
            wait_until_up(port, running["gunicorn"])
            print(
                f"gunicorn sync x{workers} on 127.0.0.1:{port} (YISHI_DEBUG=false), db_worker, "
                f"dispatch_events, deliver_outbox; PostgreSQL; {users} locust users × "
                f"{USER_RPS:g} requests/s = {users * USER_RPS:g} requests/s for {minutes:g} min"
            )
            analyser = Autoanalyse(database_url)
            prefix = str(Path(var_dir) / "locust")
            totals_file = Path(var_dir) / "totals.json"
            # CPU the processes had used before the run (start-up, the first page) is not
            # the run's.
            before: dict[str, dict[int, float]] = {k: {} for k in CPU_KINDS}
            _cpu_sample(before, _server_pids(running), database_url, os.getpid())
            before["locust"] = {}
            locust = subprocess.Popen(
                [
                    str(bin_dir / "locust"),
                    "-f", str(ROOT / "bench" / "locustfile.py"),
                    "--headless",
                    "--host", f"http://127.0.0.1:{port}",
                    "--users", str(users),
                    # Users start over SPAWN_S seconds, each signing in first (a password
                    # hash is ~0.4 s of CPU); the statistics start again once all have.
                    "--spawn-rate", f"{users / SPAWN_S:.2f}",
                    "--reset-stats",
                    "--run-time", f"{int(minutes * 60)}s",
                    "--stop-timeout", "10",
                    "--csv", prefix,
                    "--only-summary",
                    "--loglevel", "WARNING",
                ],
                env=os.environ | {
                    "SOAK_ACCOUNTS": str(accounts_file),
                    "SOAK_PASSWORD": PASSWORD,
                    "SOAK_USER_RPS": str(USER_RPS),
                    "SOAK_TOTALS": str(totals_file),
                    "PYTHONPATH": str(ROOT / "src"),
                },
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
            t0 = time.monotonic()
            samples: list[tuple[float, int]] = []
            cpu: dict[str, dict[int, float]] = {k: {} for k in CPU_KINDS}
            spawned = False
            while locust.poll() is None:
                server = _server_pids(running)
                pids = server["gunicorn"] + server["tasks"]
                samples.append((time.monotonic() - t0, rss_bytes(pids)))
                _cpu_sample(cpu, server, database_url, locust.pid)
                if not spawned and samples[-1][0] >= SPAWN_S:
                    # The statistics start again here: so does the CPU per request.
                    before = {kind: dict(seen) for kind, seen in cpu.items()}
                    spawned = True
                time.sleep(SAMPLE_EVERY_S)
            output = locust.stdout.read() if locust.stdout else ""
            wall = time.monotonic() - t0
            total, rows = aggregated(prefix)
            whole_run = json.loads(totals_file.read_text("utf-8"))
        finally:
            if analyser is not None:
                analyser.stop()
            for proc in running.values():
                stop(proc)
            logs["web"].seek(0)
            web_tail = logs["web"].read()[-3000:]
            for log in logs.values():
                log.close()
    errors = max(int(total["Failure Count"]), whole_run["failures"] + whole_run["user_errors"])
    if errors:
        print("\n".join(output.splitlines()[-40:]))
        if web_tail.strip():
            print(f"gunicorn log tail:\n{web_tail}")
    print("by endpoint, busiest first (requests, failures, p50 / p95 / p99 ms):")
    for row in sorted(rows, key=lambda r: -int(r["Request Count"])):
        print(
            f"  {row['Type']:<4} {row['Name']:<42} {row['Request Count']:>6} "
            f"{row['Failure Count']:>4}  {row['50%']:>5} / {row['95%']:>5} / {row['99%']:>6}"
        )
    after_warmup = next((rss for t, rss in samples if t >= warmup_s), samples[-1][1])
    end = samples[-1][1]
    print(
        "RSS of the server processes (MB): "
        + ", ".join(
            f"{t:.0f}s {rss / 2**20:.0f}" for t, rss in samples[:: max(1, len(samples) // 12)]
        )
        + f", end {end / 2**20:.0f}"
    )
    requests = int(total["Request Count"])
    used = {
        kind: sum(s - before[kind].get(pid, 0.0) for pid, s in seen.items())
        for kind, seen in cpu.items()
    }
    cpu_ms = {k: round(v * 1000 / max(requests, 1), 2) for k, v in used.items()}
    ceiling = (os.cpu_count() or 1) * 1000 / max(sum(cpu_ms.values()), 0.01)
    print(
        f"CPU per request: gunicorn {cpu_ms['gunicorn']} ms, task worker and loops "
        f"{cpu_ms['tasks']} ms, PostgreSQL {cpu_ms['postgres']} ms, "
        f"locust {cpu_ms['locust']} ms: at most ~{ceiling:.0f} requests/s on "
        f"{os.cpu_count()} idle cores"
    )
    return {
        "requests": requests,
        "rps": round(float(total["Requests/s"]), 1),
        "errors": errors,  # over the whole run, sign-ins included
        "requests_whole_run": whole_run["requests"],
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "rss_growth": round(end / after_warmup - 1, 3),
        "rate": args.rate,
        "minutes": minutes,
        "users": users,
        "workers": workers,
        "history": args.history,
        "cpu_ms_per_request": cpu_ms,
        "idle_ceiling_rps": round(ceiling),
        "rss_mb_after_warmup": round(after_warmup / 2**20, 1),
        "rss_mb_end": round(end / 2**20, 1),
        "seconds": round(wall, 1),
        "started_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }


def main_parent(args: argparse.Namespace) -> int:
    import psycopg

    server = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    parts = urlsplit(server)
    name = f"{parts.path.lstrip('/') or 'yishi'}_soak"
    where = f"{parts.hostname}:{parts.port or 5432}"  # no password in the report
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
    except Exception as exc:  # noqa: BLE001 - any connection failure is reported as such
        message = f"PostgreSQL unreachable at {where}: {' '.join(str(exc).split())}"
        print(message)
        print(json.dumps({"error": message}))
        return 2
    started = dt.datetime.now(dt.UTC)
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
        try:
            result = run(args, url)
        except Exception as exc:  # noqa: BLE001 - reported, then the exit status says it
            message = f"{type(exc).__name__}: {exc}"
            print(f"ERROR {message}")
            print(json.dumps({"error": message}, ensure_ascii=False))
            return 1
    finally:
        if not args.keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    result["started_utc"] = started.replace(microsecond=0).isoformat()
    ok = (
        result["errors"] == 0
        and result["rps"] >= 0.95 * args.rate
        and result["p99_ms"] < TARGET_P99_MS
        and result["rss_growth"] <= TARGET_RSS_GROWTH
    )
    result["target_met"] = ok and args.rate >= TARGET_RATE
    print(
        f"{result['requests']} requests in {result['minutes']:g} min at a fixed {args.rate} "
        f"requests/s: {result['rps']} requests/s, {result['errors']} errors, p50 "
        f"{result['p50_ms']:g} ms, p95 {result['p95_ms']:g} ms, p99 {result['p99_ms']:g} ms, "
        f"RSS growth {result['rss_growth']:.1%}; {'holds' if ok else 'does NOT hold'}"
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0 if ok else 1


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # progress lines show as they come
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 minutes instead of 10")
    parser.add_argument("--rate", type=int, default=TARGET_RATE, help="requests/s (default 150)")
    parser.add_argument("--minutes", type=float, default=0, help="run time (default 10, quick 2)")
    parser.add_argument("--history", type=int, default=3000, help="generated applications")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (2*cores+1)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("SOAK_CACHE_URL", "redis://127.0.0.1:6379/13"),
        help="the shared cache (YISHI_CACHE_URL), emptied first",
    )
    parser.add_argument("--setup", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        return main_setup(args.setup, args.users, args.history)
    return main_parent(args)


if __name__ == "__main__":
    sys.exit(main())
