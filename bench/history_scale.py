"""Lists over a grown history: p50/p95 of every list a person opens, at 10k, 100k and 1M
applications on PostgreSQL (--quick: 10k and 100k), and how much the slowest grows.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/history_scale.py [--quick]

For each size a database named after BENCH_DATABASE_URL's (test → test_10k, test_100k,
test_1m) is created beside it, migrated, loaded with the demo catalog and grown with
`generate_history`; it is reused when a previous run generated the same size (a marker
table records it), and migrated again so new indexes apply. Each size is measured in a
subprocess (`--worker SIZE`): Django's test Client opens each list as the role that opens
it (a clerk of the busiest centre, a reviewer of the busiest department, a supervisor, the
applicant with most applications, an administrator), REPEAT times after a warm-up.
Human lines first; the LAST line is one JSON object:
{"sizes": [...], "lists": {name: {"p50_ms": [...], "p95_ms": [...]}},
 "worst_growth": {"list": name, "ratio": p95 at the largest size / p95 at the smallest}}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
MARKER = "yishi_bench_history"
REPEAT = 30


def _db_url(base: str, name: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def _admin_conn(base: str):
    import psycopg

    return psycopg.connect(_db_url(base, "postgres"), autocommit=True)


def _generated_size(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(f"SELECT max(applications) FROM {MARKER}").fetchone()  # noqa: S608
            return row[0] if row else None
    except psycopg.Error:
        return None


def _yishi(args: list[str], url: str) -> None:
    env = os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [PY, "-m", "yishi", *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"yishi {' '.join(args)} failed ({proc.returncode})")


def ensure_database(base: str, label: str, size: int) -> str:
    """The database for `size` applications: reused when already generated, else made."""
    name = f"{urlsplit(base).path.lstrip('/') or 'test'}_{label}"
    url = _db_url(base, name)
    if _generated_size(url) == size:
        print(f"{name}: reusing {size} applications; migrate …", flush=True)
        _yishi(["migrate", "-v", "0"], url)
        return url
    print(f"{name}: create, migrate, load_demo, generate_history {size} …", flush=True)
    with _admin_conn(base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    _yishi(["migrate", "-v", "0"], url)
    _yishi(["load_demo"], url)
    _yishi(["generate_history", "--applications", str(size)], url)
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {MARKER} (applications integer)")
        conn.execute(f"INSERT INTO {MARKER} VALUES (%s)", [size])  # noqa: S608
        conn.execute("VACUUM ANALYZE")
    print(f"{name}: generated in {time.monotonic() - started:.0f} s", flush=True)
    return url


def _production_env(url: str, var_dir: str) -> dict[str, str]:
    """Production settings (YISHI_DEBUG=false: no query log, cached templates) with the
    development keys generate_history wrote the personal fields with, so they decrypt."""
    return os.environ | {
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT / "src"),
        "YISHI_DEBUG": "false",
        "YISHI_DEMO": "true",
        "YISHI_SECRET_KEY": "bench-history-scale-secret-key-0123456789",
        "YISHI_FIELD_KEYS": "k1:00112233445566778899aabbccddeeff",
        "YISHI_INDEX_KEY": "dev-index-key-0123456789abcdef",
        "YISHI_LOG_LEVEL": "WARNING",
        "YISHI_VAR_DIR": var_dir,
    }


def run_worker(url: str, label: str, repeat: int) -> dict:
    import tempfile

    cmd = [PY, str(Path(__file__).resolve()), "--worker", label, "--repeat", str(repeat)]
    env = _production_env(url, tempfile.mkdtemp(prefix="yishi-history-"))
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    last = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        print(f"[{label}] {line.rstrip()}", flush=True)
        if line.strip():
            last = line
    if proc.wait() != 0:
        raise SystemExit(f"worker {label} exited with {proc.returncode}")
    return json.loads(last)


# ---------------------------------------------------------------- worker (inside Django)


def _staff(username: str, *, department, centre=None, roles=(), superuser=False):
    from django.contrib.auth import get_user_model

    from yishi.catalog.models import StaffProfile
    from yishi.core.roles import forget_roles, grant_roles

    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": superuser}
    )
    StaffProfile.objects.update_or_create(
        user=user, defaults={"department": department, "service_centre": centre}
    )
    grant_roles(user, *roles)
    forget_roles(user)
    return user


def _cursor_at(depth: float, qs, keys, scope: str, prefix: str = "") -> str:
    """A cursor `depth` of the way down a list (what a client following Link headers holds
    after paging that far)."""
    from yishi.core import keyset

    total = qs.count()
    row = qs.order_by(*keys)[max(int(total * depth) - 1, 0)]
    return prefix + keyset.encode(row, keys, scope=scope)


def _lists() -> dict[str, tuple[object, str]]:
    """name -> (user, url): each list as the person who opens it."""
    from django.db.models import Count

    from yishi.cases.models import Application, SubCase
    from yishi.catalog.models import Department
    from yishi.core.roles import Role
    from yishi.workbench import queries as wb

    centre_id = (
        Application.objects.exclude(service_centre=None)
        .values("service_centre")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("service_centre", flat=True)
        .first()
    )
    dept_id = (
        SubCase.objects.values("department")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("department", flat=True)
        .first()
    )
    centre = Department.objects.get(pk=centre_id)
    dept = Department.objects.get(pk=dept_id)
    applicant_id = (
        Application.objects.values("applicant")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("applicant", flat=True)
        .first()
    )
    from django.contrib.auth import get_user_model

    applicant = get_user_model().objects.get(pk=applicant_id)
    window = _staff("bench_window", department=centre, centre=centre, roles=[Role.WINDOW])
    reviewer = _staff("bench_reviewer", department=dept, roles=[Role.REVIEWER])
    supervisor = _staff("bench_supervisor", department=dept, roles=[Role.SUPERVISOR])
    admin = _staff(
        "bench_admin", department=centre, centre=centre, roles=[Role.ADMINISTRATOR], superuser=True
    )
    decided = wb.department_segments(dept_id)[3][1]
    deep_subcases = _cursor_at(
        0.9, decided, ("-id",), f"workbench.subcases.{dept_id}:decided", prefix="3."
    )
    deep_api = _cursor_at(0.9, Application.objects.all(), ("-id",), "api.applications")
    deep_offset = min(int(Application.objects.count() * 0.9), 10_000)
    return {
        "window_queue": (window, "/workbench/applications/"),
        "reviewer_subcases": (reviewer, "/workbench/subcases/"),
        "reviewer_subcases_deep": (reviewer, f"/workbench/subcases/?cursor={deep_subcases}"),
        "deadlines": (supervisor, "/workbench/deadlines/"),
        "deadlines_department": (supervisor, f"/workbench/deadlines/?department={dept_id}"),
        "workbench_home_admin": (admin, "/workbench/"),
        "workbench_home_reviewer": (reviewer, "/workbench/"),
        "portal_my_applications": (applicant, "/apply/my/"),
        "admin_audit_log": (admin, "/admin/core/auditentry/"),
        "admin_audit_log_filtered": (
            admin,
            "/admin/core/auditentry/?action=cases.application.accept",
        ),
        "admin_applications": (admin, "/admin/cases/application/"),
        "api_applications": (admin, "/api/v1/applications"),
        "api_applications_deep_cursor": (admin, f"/api/v1/applications?cursor={deep_api}"),
        "api_applications_max_offset": (admin, f"/api/v1/applications?offset={deep_offset}"),
        "api_applications_window": (window, "/api/v1/applications"),
        "api_subcases": (reviewer, "/api/v1/subcases?limit=50"),
    }


def worker(label: str, repeat: int) -> None:
    from urllib.parse import quote

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    with override_settings(
        STAFF_SECOND_FACTOR_REQUIRED=False, ALLOWED_HOSTS=["testserver", "localhost"]
    ):
        result = {}
        for name, (user, url) in _lists().items():
            if "cursor=" in url:
                head, _, cur = url.partition("cursor=")
                url = head + "cursor=" + quote(cur)
            client = Client()
            client.force_login(user)
            times = []
            for i in range(repeat + 3):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{name}: {url} answered {response.status_code}")
                if i >= 3:  # warm-up: connections, template and role caches
                    times.append(elapsed)
            # One more request with the queries captured: the database's share, which other
            # work on a shared machine disturbs far less than the wall clock.
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            result[name] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(p95, 1),
                "bytes": len(response.content),
                "queries": len(captured.captured_queries),
                "sql_ms": round(sql_ms, 1),
            }
            print(
                f"{name:30s} p50 {result[name]['p50_ms']:7.1f} ms  p95 {p95:7.1f} ms  "
                f"sql {sql_ms:6.1f} ms in {len(captured.captured_queries)} queries",
                flush=True,
            )
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10k and 100k only")
    parser.add_argument("--sizes", help="comma-separated labels, e.g. 10k,100k,1m")
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.repeat)
        return
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    labels = (
        args.sizes.split(",") if args.sizes else ["10k", "100k"] + ([] if args.quick else ["1m"])
    )
    per_size = {}
    for label in labels:
        url = ensure_database(base, label, SIZES[label])
        per_size[label] = run_worker(url, label, args.repeat)
    names = list(per_size[labels[0]])
    lists = {
        name: {
            "p50_ms": [per_size[label][name]["p50_ms"] for label in labels],
            "p95_ms": [per_size[label][name]["p95_ms"] for label in labels],
            "sql_ms": [per_size[label][name]["sql_ms"] for label in labels],
        }
        for name in names
    }

    def worst(stat: str) -> dict[str, object]:
        growth = {name: v[stat][-1] / max(v[stat][0], 0.1) for name, v in lists.items()}
        name = max(growth, key=growth.get)
        return {"list": name, "ratio": round(growth[name], 2)}

    print(
        json.dumps(
            {
                "sizes": [SIZES[label] for label in labels],
                "lists": lists,
                "worst_growth": worst("p95_ms"),
                # The median is far less disturbed by other work on a shared machine.
                "worst_growth_p50": worst("p50_ms"),
                "worst_growth_sql": worst("sql_ms"),
                "slowest_p95_ms": max(v["p95_ms"][-1] for v in lists.values()),
                "load_average": [round(x, 1) for x in os.getloadavg()],
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
