"""Apply → accept → route benchmark: complete cycles per second through the HTTP API of a
gunicorn server, on PostgreSQL, as production would run it.

    .venv/bin/python bench/apply_accept.py [--quick] [--workers W] [--clients C]

One cycle is three things a real day at the counter does: an applicant POSTs
/api/v1/applications (theme `newborn`, answers, a valid one-form with synthetic ID numbers,
a unique Idempotency-Key); window staff POST /api/v1/applications/{number}/accept; the
accept answer must say "accepted" with the six sub-cases created and routed to their
departments (the first one started, the rest waiting on their prerequisites).

The run creates its own database on the server BENCH_DATABASE_URL names (default
postgres://postgres@127.0.0.1:5432/test; that database itself is not touched), migrates it,
loads the demo data and N applicant accounts in a subprocess, starts gunicorn (sync workers,
YISHI_DEBUG=false, the default django-tasks database backend) on a free loopback port, logs
every client in over real HTTP (the portal login form for applicants; for staff, the admin
login and then a TOTP code at /workbench/security/verify/, each client its own window clerk
made like the demo's window1 with a TOTP device; CSRF included), warms up, then times the
cycles. While it runs, an ANALYZE every 5 s stands in for autovacuum, which is off on these
machines (see Analyser). gunicorn is stopped and the database dropped at the end, even on
failure. Human lines first, then ONE JSON object as the last line; the exit status is
non-zero when a request failed, the server or PostgreSQL could not be reached, or the target
was missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
TARGET_CYCLES_PER_S = 100.0
THEME = "newborn"
ANSWERS = {"need_card": "yes", "maternity_allowance": "no"}
SUBCASES = 6  # newborn with a card and no maternity allowance: six matters
PASSWORD = "Bench-" + secrets.token_hex(8)  # the demo window account and every applicant
STAFF_USERNAME = "window1"  # demo window staff (梁子湖区政务服务中心)

# --- the setup subprocess: migrate, demo data, applicant accounts -------------------------


def main_setup(n_applicants: int) -> int:
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
    # One hash for every bench account: hashing is the slow part of creating them.
    hashed = make_password(os.environ["YISHI_DEMO_PASSWORD"])
    applicants = bench_applicants(n_applicants, hashed, seed=20261128)
    staff = staff_with_second_factor(n_applicants, hashed)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done on a live database
    print(f"created {len(applicants)} applicant accounts")
    print(f"created {len(staff)} window-staff accounts with a TOTP device (as {STAFF_USERNAME})")
    print(json.dumps({"applicants": applicants, "staff": staff}, ensure_ascii=False))
    return 0


def bench_applicants(n: int, hashed: str, seed: int) -> list[dict]:
    """`n` verified applicant accounts of synthetic persons, all with the password `hashed`;
    their phone, name and ID number for signing in and filling forms."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from yishi.core.fields import blind_index
    from yishi.core.synthetic import iter_persons
    from yishi.people.models import ApplicantAccount
    from yishi.people.services import applicant_username, person_register

    user_model = get_user_model()
    applicants = []
    with transaction.atomic():
        for p in iter_persons(n, seed=seed):
            person = person_register(
                name=str(p["name"]), id_number=str(p["id_number"]), phone=str(p["phone"])
            )
            index = blind_index(person.phone)
            user = user_model.objects.create(
                username=applicant_username(index), password=hashed, is_staff=False
            )
            ApplicantAccount.objects.create(
                user=user,
                person=person,
                phone=person.phone,
                phone_index=index,
                source=ApplicantAccount.Source.LOCAL,
                verified_at=timezone.now(),
            )
            applicants.append(
                {"phone": person.phone, "name": person.name, "id_number": person.id_number}
            )
    return applicants


def staff_with_second_factor(
    n: int, hashed: str, model_username: str = STAFF_USERNAME, prefix: str = "bench"
) -> list[dict]:
    """`n` staff accounts like `model_username` (same groups, department and centre), each
    with a confirmed TOTP device of its own: their usernames and TOTP keys."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from yishi.catalog.models import StaffProfile

    user_model = get_user_model()
    model = user_model.objects.get(username=model_username)
    profile = StaffProfile.objects.get(user=model)
    groups = list(model.groups.all())
    staff = []
    with transaction.atomic():
        for i in range(n):
            user = user_model.objects.create(
                username=f"{prefix}-{model_username}-{i}", password=hashed, is_staff=True
            )
            user.groups.set(groups)
            clone = StaffProfile.objects.get(pk=profile.pk)
            clone.pk = None
            clone.user = user
            clone.save()
            key = secrets.token_hex(20)
            TOTPDevice.objects.create(user=user, name=prefix, key=key, confirmed=True)
            staff.append({"username": user.username, "key": key})
    return staff


def totp_now(key_hex: str, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (HMAC-SHA1), what an authenticator app shows now."""
    import hashlib
    import hmac

    digest = hmac.new(
        bytes.fromhex(key_hex), (int(time.time()) // step).to_bytes(8, "big"), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


# --- the load generator: plain http.client, one connection per client ---------------------


class Client:
    """One browser-like client: a keep-alive connection when the server keeps it, cookies
    (session, CSRF) held by hand, a reconnect when the server closed the connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        hdrs = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection; nothing was processed.
                self.conn.close()
                if attempt:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                self.cookies[key.strip()] = val.strip().strip('"')
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, dict(response.getheaders()), data

    def form_login(self, path: str, fields: dict[str, str]) -> None:
        status, _, page = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if match is None:
            raise RuntimeError(f"{path} has no CSRF token")
        body = urlencode({"csrfmiddlewaretoken": match.group(1).decode(), **fields}).encode()
        status, headers, page = self.request(
            "POST",
            path,
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            snippet = re.sub(rb"\s+", b" ", page)[:300].decode(errors="replace")
            raise RuntimeError(f"login at {path} failed: {status} {snippet}")

    def api_post(self, path: str, payload: dict | None, **headers: str) -> tuple[int, dict]:
        body = json.dumps(payload or {}, ensure_ascii=False).encode()
        status, _, data = self.request(
            "POST",
            path,
            body,
            {
                "Content-Type": "application/json",
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
                **headers,
            },
        )
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = {"raw": data[:300].decode(errors="replace")}
        return status, parsed


def form_data(applicant: dict, n: int) -> dict:
    from yishi.core.synthetic import make_name, make_ric

    born = dt.date.today() - dt.timedelta(days=3 + n % 20)
    # The applicant is the parent of their sex (the form checks the mother's ID is a woman's).
    other = {
        "name": make_name(n + 7),
        "id_number": make_ric(birth=dt.date(1988, 5, 17), seq=n % 499 + 1, sex="M"),
    }
    if int(applicant["id_number"][16]) % 2:  # the applicant is a man: the father
        mother = {
            "name": make_name(n + 11),
            "id_number": make_ric(birth=dt.date(1990, 3, 9), seq=n % 499 + 1, sex="F"),
        }
        father = applicant
    else:
        mother, father = applicant, other
    return {
        "baby_name": "李" + make_name(n)[1:],
        "baby_sex": "male" if n % 2 else "female",
        "birth_date": born.isoformat(),
        "birth_time": "08:30",
        "birth_place": "梁子湖区人民医院",
        "birth_weight": 3200 + n % 500,
        "mother_name": mother["name"],
        "mother_id": mother["id_number"],
        "father_name": father["name"],
        "father_id": father["id_number"],
        "phone": applicant["phone"],
        "hukou_follow": "mother" if mother is applicant else "father",
        "hukou_address": "湖北省鄂州市梁子湖区太和镇太和村1号",
        "card_bank": "rcb",
    }


class Failure(Exception):
    pass


def one_cycle(applicant_client: Client, staff: Client, applicant: dict, n: int) -> float:
    """One cycle; returns the submit's share of it in ms (the rest is the accept)."""
    t0 = time.perf_counter()
    status, body = applicant_client.api_post(
        "/api/v1/applications",
        {"theme": THEME, "answers": ANSWERS, "form_data": form_data(applicant, n)},
        **{"Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
    )
    if status != 201 or body.get("status") != "submitted":
        raise Failure(f"submit answered {status}: {str(body)[:300]}")
    number = body["number"]
    submit_ms = (time.perf_counter() - t0) * 1000
    status, body = staff.api_post(f"/api/v1/applications/{number}/accept", None)
    if status != 200:
        raise Failure(f"accept {number} answered {status}: {str(body)[:300]}")
    subcases = body.get("subcases", [])
    started = [s for s in subcases if s["status"] == "pending"]
    waiting = [s for s in subcases if s["status"] == "waiting" and s["depends_on"]]
    if (
        body.get("status") != "accepted"
        or len(subcases) != SUBCASES
        or not all(s["department"] for s in subcases)
        or len(started) != 1
        or len(started) + len(waiting) != SUBCASES
        or not body.get("promised_due")
    ):
        raise Failure(f"accept {number} did not route its sub-cases: {str(body)[:400]}")
    return submit_ms


def drive(
    port: int,
    applicants: list[dict],
    clients: int,
    cycles: int,
    seconds: float,
    start_n: int,
) -> tuple[list[tuple[float, float]], list[str], float]:
    """`clients` threads, each its own applicant and its own staff session, until `cycles`
    cycles were started or `seconds` passed. Returns (cycle, submit) latencies in ms, the
    errors and the wall time."""
    pairs = []
    for i in range(clients):
        applicant = applicants[i % len(applicants)]
        pairs.append((LOGGED_IN[("a", i)], LOGGED_IN[("s", i)], applicant))
    lock = threading.Lock()
    counter = {"next": 0}
    latencies: list[tuple[float, float]] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    def worker(app_client: Client, staff: Client, applicant: dict) -> None:
        while True:
            with lock:
                if counter["next"] >= cycles or time.perf_counter() > deadline:
                    return
                n = start_n + counter["next"]
                counter["next"] += 1
            t0 = time.perf_counter()
            try:
                submit_ms = one_cycle(app_client, staff, applicant, n)
            except Exception as exc:  # noqa: BLE001 - every failure counts as an error
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append((elapsed, submit_ms))

    threads = [threading.Thread(target=worker, args=pair, daemon=True) for pair in pairs]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - t0


LOGGED_IN: dict[tuple[str, int], Client] = {}
ADMIN = None  # the autocommit connection to the PostgreSQL server (CPU of its backends)


def login_all(port: int, applicants: list[dict], staff_accounts: list[dict], clients: int) -> None:
    def login(i: int) -> None:
        applicant = Client(port)
        applicant.form_login(
            "/account/login/",
            {"phone": applicants[i % len(applicants)]["phone"], "password": PASSWORD,
             "action": "password"},
        )  # fmt: skip
        staff = Client(port)
        account = staff_accounts[i % len(staff_accounts)]
        staff.form_login(
            "/admin/login/?next=/admin/", {"username": account["username"], "password": PASSWORD}
        )
        # The second factor, as staff pass it after the password (/workbench/security/verify/).
        staff.form_login(
            "/workbench/security/verify/?next=/workbench/", {"token": totp_now(account["key"])}
        )
        LOGGED_IN[("a", i)] = applicant
        LOGGED_IN[("s", i)] = staff

    failures: list[str] = []

    def guarded(i: int) -> None:
        try:
            login(i)
        except Exception as exc:  # noqa: BLE001
            failures.append(str(exc))

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(failures[0])


# --- the parent ---------------------------------------------------------------------------


class Analyser:
    """ANALYZE of the bench database every few seconds, standing in for autovacuum, which is
    off on these machines' PostgreSQL (`autovacuum = off`). A live database's autovacuum
    analyses a table once a tenth of it has changed; without fresh statistics the tables,
    analysed empty after set-up, keep plans made for no rows, and the run slows down as
    they fill (30 s runs: ~45 cycles/s and twice the database CPU). Its connection is one of
    the database's, so its CPU counts in the figures."""

    def __init__(self, database_url: str, every: float = 5.0) -> None:
        import psycopg

        self._conn = psycopg.connect(database_url, autocommit=True, connect_timeout=5)
        self._stop = threading.Event()
        self._every = every
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self._conn.execute("ANALYZE")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/account/login/", headers={"Host": f"127.0.0.1:{port}"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {timeout:.0f} s")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (Linux /proc; 0 for one that is gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def server_env(database_url: str, var_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "yishi.settings",
        "DATABASE_URL": database_url,
        "YISHI_DEBUG": "false",
        "YISHI_SECRET_KEY": secrets.token_hex(32),
        "YISHI_FIELD_KEYS": f"k1:{secrets.token_hex(16)}",
        "YISHI_INDEX_KEY": secrets.token_hex(32),
        "YISHI_ALLOWED_HOSTS": "127.0.0.1",
        # Demo mode: plain HTTP on loopback (no HTTPS redirect, cookies not `Secure`, or no
        # client would send them back), staff sign in without a second factor, SMS to the log.
        # Everything measured is as in production.
        "YISHI_DEMO": "true",
        "YISHI_VAR_DIR": var_dir,
        "YISHI_LOG_LEVEL": "WARNING",
        "YISHI_DEMO_PASSWORD": PASSWORD,
    }


def run(args: argparse.Namespace, database_url: str) -> dict:
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    clients = args.clients or 2 * workers
    cycles = 200 if args.quick else args.cycles
    seconds = 1e9 if args.quick else args.seconds
    warmup = 4 * clients if args.quick else 10 * clients
    with tempfile.TemporaryDirectory(prefix="yishi-bench-apply-") as var_dir:
        env = server_env(database_url, var_dir)
        setup = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--setup", str(clients)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        lines = [line for line in setup.stdout.splitlines() if line.strip()]
        for line in lines[:-1]:
            print(f"[setup] {line}")
        if setup.returncode != 0:
            raise RuntimeError(f"setup failed: {setup.stderr.strip()[-1500:]}")
        accounts = json.loads(lines[-1])
        applicants = accounts["applicants"]
        port = free_port()
        cmd = [
            str(Path(sys.executable).parent / "gunicorn"),
            "yishi.wsgi",
            "--workers", str(workers),
            "--worker-class", args.worker_class,
            "--bind", f"127.0.0.1:{port}",
            "--backlog", "512",
            "--log-level", "warning",
        ]  # fmt: skip
        if args.worker_class == "gthread":
            cmd += ["--threads", str(args.threads)]
        log = open(Path(var_dir) / "gunicorn.log", "w+")  # noqa: SIM115
        server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=log)
        try:
            wait_until_up(port, server)
            print(
                f"gunicorn {args.worker_class} x{workers} on 127.0.0.1:{port} "
                f"(YISHI_DEBUG=false, tasks: django_tasks_db.DatabaseBackend); "
                f"{clients} clients"
            )
            started = time.perf_counter()
            login_all(port, applicants, accounts["staff"], clients)
            print(
                f"logged in {clients} applicants and {clients} window-staff sessions (password "
                f"and TOTP code) over HTTP "
                f"in {time.perf_counter() - started:.1f} s"
            )
            analyser = Analyser(database_url)
            warm, warm_errors, _ = drive(port, applicants, clients, warmup, 120, 0)
            if not warm:
                raise RuntimeError(f"warm-up failed: {warm_errors[0]}")
            print(f"warm-up: {len(warm)} cycles, {len(warm_errors)} errors")
            # CPU per cycle, split by process, when PostgreSQL runs on this machine too: a
            # figure that other load on the machine does not distort the way wall time is.
            app_pids = children(server.pid)
            db_pids = [pid for (pid,) in ADMIN.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s",
                [urlsplit(database_url).path.lstrip("/")],
            ).fetchall()]  # fmt: skip
            before = (cpu_seconds(app_pids), cpu_seconds(db_pids), time.process_time())
            timings, errors, wall = drive(port, applicants, clients, cycles, seconds, warmup)
            after = (cpu_seconds(app_pids), cpu_seconds(db_pids), time.process_time())
            cpu = [b - a for a, b in zip(before, after, strict=True)]
        finally:
            if "analyser" in locals():
                analyser.stop()
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.seek(0)
            tail = "\n".join(log.read()[-2000:].splitlines()[1:][-10:])
            log.close()
    for error in sorted(set(errors))[:5]:
        print(f"  error: {error}")
    if errors and tail.strip():
        print(f"gunicorn log tail:\n{tail}")
    latencies = [cycle for cycle, _ in timings]
    if timings:
        submits = [submit for _, submit in timings]
        accepts = [cycle - submit for cycle, submit in timings]
        print(
            f"  submit: p50 {statistics.median(submits):.1f} ms, p95 {percentile(submits, 95):.1f} ms;"
            f" accept: p50 {statistics.median(accepts):.1f} ms, p95 {percentile(accepts, 95):.1f} ms"
        )
    done = len(latencies)
    rate = done / wall if wall else 0.0
    per_cycle = [round(c * 1000 / max(done + len(errors), 1), 1) for c in cpu]
    if done:
        ceiling = (os.cpu_count() or 1) * 1000 / sum(per_cycle)
        print(
            f"  CPU per cycle: gunicorn {per_cycle[0]} ms, PostgreSQL {per_cycle[1]} ms, "
            f"load generator {per_cycle[2]} ms: at most ~{ceiling:.0f} cycles/s on "
            f"{os.cpu_count()} idle cores"
        )
    return {
        "cycles": done,
        "cycles_per_s": round(rate, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "errors": len(errors),
        "seconds": round(wall, 1),
        "server": "gunicorn",
        "worker_class": args.worker_class,
        "workers": workers,
        "clients": clients,
        "cpu_ms_per_cycle": {
            "gunicorn": per_cycle[0],
            "postgres": per_cycle[1],
            "load_generator": per_cycle[2],
        },
        "target_cycles_per_s": TARGET_CYCLES_PER_S,
    }


def main_parent(args: argparse.Namespace) -> int:
    import psycopg

    sys.path.insert(0, str(ROOT / "src"))  # yishi.core.synthetic for the form data

    server = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    name = f"yishi_bench_apply_{os.getpid()}"
    parts = urlsplit(server)
    where = f"{parts.hostname}:{parts.port or 5432}"  # no password in the report
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
    except Exception as exc:  # noqa: BLE001 - any connection failure is reported as such
        message = f"PostgreSQL unreachable at {where}: {' '.join(str(exc).split())}"
        print(message)
        print(json.dumps({"error": message, "target_cycles_per_s": TARGET_CYCLES_PER_S}))
        return 2
    global ADMIN
    ADMIN = admin
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
        try:
            result = run(args, url)
        except Exception as exc:  # noqa: BLE001 - reported, then the exit status says it
            message = f"{type(exc).__name__}: {exc}"
            print(f"ERROR {message}")
            print(json.dumps({"error": message, "target_cycles_per_s": TARGET_CYCLES_PER_S}))
            return 1
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    print(
        f"{result['cycles']} apply→accept→route cycles in {result['seconds']} s: "
        f"{result['cycles_per_s']} cycles/s (target ≥ {TARGET_CYCLES_PER_S:.0f}); "
        f"per cycle p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"max {result['max_ms']} ms; errors {result['errors']}"
    )
    print(json.dumps(result, ensure_ascii=False))
    ok = result["errors"] == 0 and result["cycles_per_s"] >= TARGET_CYCLES_PER_S
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 timed cycles")
    parser.add_argument("--cycles", type=int, default=2000, help="timed cycles (default 2000)")
    parser.add_argument("--seconds", type=float, default=30, help="time cap (default 30 s)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (2*cores+1)")
    parser.add_argument("--clients", type=int, default=0, help="concurrent clients (2*workers)")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--setup", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup is not None:
        return main_setup(args.setup)
    return main_parent(args)


if __name__ == "__main__":
    sys.exit(main())
