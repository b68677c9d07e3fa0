"""What the benches that measure on both databases share: each database is measured by the
bench script itself in a subprocess (`--worker LABEL`), on a fresh SQLite file or a fresh
PostgreSQL database created on BENCH_DATABASE_URL's server and dropped afterwards; the
worker's last printed line is its JSON result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def run_worker(script: str, label: str, database_url: str, quick: bool) -> dict:
    cmd = [sys.executable, str(Path(script).resolve()), "--worker", label]
    if quick:
        cmd.append("--quick")
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    last = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        print(f"[{label}] {line.rstrip()}", flush=True)
        if line.strip():
            last = line
    if proc.wait() != 0:
        return {"error": f"worker exited with status {proc.returncode}"}
    try:
        return json.loads(last)
    except json.JSONDecodeError:
        return {"error": f"worker printed no result: {last.strip()[:200]}"}


def run_sqlite(script: str, quick: bool, label: str = "sqlite") -> dict:
    with tempfile.TemporaryDirectory(prefix="yishi-bench-") as tmp:
        return run_worker(script, label, f"sqlite:///{tmp}/bench.sqlite3", quick)


def run_postgres(script: str, quick: bool, label: str, prefix: str) -> dict:
    import psycopg

    server = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    name = f"{prefix}_{os.getpid()}"
    parts = urlsplit(server)
    where = f"{parts.hostname}:{parts.port or 5432}"  # no password in the report
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
    except Exception as exc:  # noqa: BLE001 - any connection failure is reported as such
        return {"error": f"PostgreSQL unreachable at {where}: {' '.join(str(exc).split())}"}
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
        return run_worker(script, label, url, quick)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
