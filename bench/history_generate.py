"""generate_history on PostgreSQL: how long N applications (with sub-cases, events, audit
entries, pauses, tickets and ratings) take to write, and whether the audit chain verifies.

    .venv/bin/python bench/history_generate.py [--applications 100000] [--keep] [--no-verify]

Creates its own database (default name h_stats_bench) on the server BENCH_DATABASE_URL names
(default postgres://postgres@127.0.0.1:5432/test; that database itself is not touched),
migrates it and loads the demo catalog, then times `python -m yishi generate_history` and
`python -m yishi verify_audit` in subprocesses, and one summary query. The database is
dropped at the end unless --keep. Human lines first, then ONE JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def _db_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _psql(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql)


def _run(args: list[str], env: dict[str, str], *, quiet: bool = False) -> tuple[float, str]:
    started = time.monotonic()
    proc = subprocess.run(
        [PY, "-m", "yishi", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode})")
    if not quiet:
        for line in proc.stdout.strip().splitlines()[-3:]:
            print(line)
    return elapsed, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--database", default="h_stats_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args()
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    url = _db_url(base, args.database)
    env = os.environ | {
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "yishi.settings",
    }
    _psql(base, f'DROP DATABASE IF EXISTS "{args.database}"')
    _psql(base, f'CREATE DATABASE "{args.database}"')
    result: dict = {"bench": "history_generate", "applications": args.applications}
    try:
        print(f"database {args.database}: migrate and load the demo catalog …")
        _run(["migrate", "-v", "0"], env, quiet=True)
        _run(["load_demo"], env, quiet=True)
        print(f"generate_history --applications {args.applications} …")
        seconds, out = _run(
            [
                "generate_history",
                "--applications",
                str(args.applications),
                "--days",
                str(args.days),
            ],
            env,
        )
        result["generate_seconds"] = round(seconds, 1)
        result["rows"] = json.loads(out.strip().splitlines()[-1])
        result["applications_per_second"] = round(args.applications / seconds, 1)
        if not args.no_verify:
            print("verify_audit …")
            seconds, out = _run(["verify_audit"], env)
            result["verify_seconds"] = round(seconds, 1)
            result["audit_ok"] = "intact" in out
        probe = (
            "import time, datetime as dt;from yishi.stats import measures;"
            "f = measures.make_filters();t = time.monotonic();measures.summary(f);"
            "print(round(time.monotonic() - t, 2))"
        )
        proc = subprocess.run(
            [PY, "-c", f"import django;django.setup();{probe}"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        result["summary_month_seconds"] = float(proc.stdout.strip().splitlines()[-1])
        result["ok"] = result.get("audit_ok", True)
    finally:
        if not args.keep:
            _psql(base, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
