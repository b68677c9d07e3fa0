"""A private PostgreSQL cluster and live yishi processes on it, for the fault tests.

The suite's own server (5432) is never restarted: each run starts its cluster with `initdb`
and `pg_ctl` (as the `postgres` user when run as root: initdb refuses root) on a free port,
with its socket in the cluster's own folder, and stops it at the end."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("YISHI_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


class PrivateCluster:
    """initdb, start, restart and stop a throw-away PostgreSQL cluster."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="yishi_faults_pg_"))
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "postgres.log"

    def _pg(self, tool: str, *args: str, timeout: int = 120) -> None:
        done = subprocess.run(
            [*_as_postgres(), str(PG_BIN / tool), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.dir,
        )
        assert done.returncode == 0, f"{tool}: {done.stdout[-2000:]}{done.stderr[-2000:]}"

    def _ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=60"
        )
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                 *extra, action)  # fmt: skip

    def start(self) -> None:
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")  # fmt: skip
        self._ctl("start")

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every session is cut, in-flight transactions roll back."""
        self._ctl("restart", "-m", "fast")

    def stop_server(self) -> None:
        """The first half of `restart -m fast`, for a test that watches the time between."""
        self._ctl("stop", "-m", "fast")

    def start_server(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def copy_from(self, source: dict, database: str) -> None:
        """Copy a migrated database (Django's settings dict of it) into `database` here."""
        dump = self.dir / "schema.dump"
        env = {**os.environ, "PGPASSWORD": str(source.get("PASSWORD") or "")}
        with dump.open("wb") as out:
            subprocess.run(
                [str(PG_BIN / "pg_dump"), "-Fc", "--no-owner", "-h", source.get("HOST") or
                 "127.0.0.1", "-p", str(source.get("PORT") or 5432), "-U",
                 source.get("USER") or "postgres", source["NAME"]],
                stdout=out, check=True, env=env, timeout=120,
            )  # fmt: skip
        subprocess.run(
            [str(PG_BIN / "pg_restore"), "--no-owner", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", "postgres", "-d", database, str(dump)],
            check=True, timeout=120, capture_output=True,
        )  # fmt: skip

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cur = conn.execute(sql)
            if cur.description is None:
                return ""
            return "\n".join("|".join(str(v) for v in row) for row in cur.fetchall())


class YishiEnv:
    """The environment of the yishi processes on one database of the private cluster:
    production settings in demo mode (DEBUG off, loopback only), their own var and key
    folders, and the outbox endpoints the test gives."""

    def __init__(self, cluster: PrivateCluster, database: str, directory: Path) -> None:
        self.cluster = cluster
        self.database = database
        self.dir = directory
        (directory / "var").mkdir(parents=True, exist_ok=True)
        (directory / "keys").mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("YISHI_", "DATABASE_"))}
        env.update(
            {
                "DATABASE_URL": cluster.url(database),
                "YISHI_VAR_DIR": str(directory / "var"),
                "YISHI_KEY_DIR": str(directory / "keys"),
                "YISHI_DEBUG": "false",
                "YISHI_DEMO": "true",
                "DJANGO_SETTINGS_MODULE": "yishi.settings",
                "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
                "PYTHONUNBUFFERED": "1",
            }
        )
        for key in ("YISHI_TASK_BACKEND", "YISHI_RQ_URL"):
            if os.environ.get(key):
                env[key] = os.environ[key]
        self.env = env
        self.world: dict = {}

    def run(self, *args: str, timeout: int = 300) -> str:
        done = subprocess.run(
            [sys.executable, *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
        return done.stdout.strip()

    def manage(self, *args: str, timeout: int = 300) -> str:
        return self.run("-m", "yishi", *args, timeout=timeout)

    def call(self, function: str, **kwargs: object) -> object:
        """Run `module:function(**kwargs)` in a fresh process on this database and return its
        JSON result (the test process itself stays on the suite's own database)."""
        module, _, name = function.partition(":")
        code = (
            "import json, sys, django; django.setup(); "
            f"from {module} import {name} as f; "
            f"print(json.dumps(f(**json.loads(sys.argv[1]))))"
        )
        out = self.run("-c", code, json.dumps(kwargs))
        return json.loads(out.splitlines()[-1])

    def popen(self, *args: str, log: Path) -> subprocess.Popen:
        with log.open("ab") as fh:
            return subprocess.Popen(  # noqa: S603 - our interpreter, our modules
                [sys.executable, *args], env=self.env, cwd=ROOT, stdout=fh,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip


class LiveServer:
    """One uvicorn process serving yishi.asgi:application on the private cluster."""

    def __init__(self, env: YishiEnv, name: str) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = env.dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = self.env.popen(
            "-m", "uvicorn", "yishi.asgi:application", "--host", "127.0.0.1",
            "--port", str(self.port), "--workers", "1", "--no-access-log",
            log=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/openapi.json", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"server did not start: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


def stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


CSRF = "faultsfaultsfaultsfaultsfaults01"  # any 32 letters and digits: cookie and header agree


def http(
    method: str, url: str, *, session: str = "", body: dict | None = None, timeout: float = 20
) -> tuple[int, str, dict[str, str]]:
    """One request as a signed-in browser would send it (session cookie, CSRF cookie and
    header); returns (status, body text, headers by lower-case name). Connection failures raise OSError."""
    data = json.dumps(body or {}).encode() if method != "GET" else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    cookies = [f"csrftoken={CSRF}"]
    if session:
        cookies.append(f"sessionid={session}")
    request.add_header("Cookie", "; ".join(cookies))
    request.add_header("X-CSRFToken", CSRF)
    request.add_header("Accept", "application/json, text/html")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return (
                response.status,
                response.read().decode("utf-8", "replace"),
                dict(response.headers),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), dict(exc.headers)
