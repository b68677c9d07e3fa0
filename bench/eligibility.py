"""Eligibility benchmark: 10 benefit policies over a synthetic person registry in PostgreSQL,
evaluated three ways in one run:

  compiled      policies.rules.eligible_queryset(rule).count()  (our rule → one SQL query)
  hand-written  one SQL query per policy written by hand (the floor)
  per-row       load every person and run policies.rules.evaluate() on each (the naive way)

    .venv/bin/python bench/eligibility.py [--persons N | --quick] [--fresh] [--python-sample K]

The registry is loaded (generate_registry, COPY) into the database `yishi_bench_elig` on the
server BENCH_DATABASE_URL names (default postgres://postgres@127.0.0.1:5432/test; that database
itself is not touched). The database is kept, and reused by the next run when it holds exactly
N persons of the same seed (--fresh drops and reloads it). Per-row Python over more than
--python-sample persons (default 200,000) is measured on the first K persons and extrapolated
linearly (said so in the JSON). The three ways must give the same counts (asserted; per-row on
its sample is compared with the compiled query restricted to the same persons). Targets:
compiled ≤ 1.5 × hand-written SQL, ≥ 50 × faster than per-row Python. The last line printed is
one JSON object; the exit status is non-zero when a count differs or a target is missed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DB_NAME = "yishi_bench_elig"
SEED = 20261128
ON = datetime.date(2026, 11, 28)
REPEAT = 5
TARGET_RATIO_VS_SQL = 1.5
TARGET_SPEEDUP_VS_PYTHON = 50.0

ALIVE = {"field": "alive", "op": "eq", "value": True}
HERE = {"field": "region_code", "op": "startswith", "value": "420702"}


def _age(lo: int, hi: int | None) -> dict:
    if hi is None:
        return {"field": "age", "op": "ge", "value": lo}
    return {"field": "age", "op": "between", "value": [lo, hi]}


# (key, name, rule, hand-written SQL; %(on)s is the reference date)
ALIVE_SQL = "(deceased_on IS NULL OR deceased_on > %(on)s)"
POLICIES = [
    (
        "elderly_80_89",
        "高龄津贴（80–89岁）",
        {"all": [ALIVE, _age(80, 89), HERE]},
        f"""SELECT count(*) FROM people_person WHERE {ALIVE_SQL}
            AND birth_date <= %(on)s::date - interval '80 years'
            AND birth_date > %(on)s::date - interval '90 years'
            AND region_code LIKE '420702%%'""",
    ),
    (
        "elderly_90_99",
        "高龄津贴（90–99岁）",
        {"all": [ALIVE, _age(90, 99), HERE]},
        f"""SELECT count(*) FROM people_person WHERE {ALIVE_SQL}
            AND birth_date <= %(on)s::date - interval '90 years'
            AND birth_date > %(on)s::date - interval '100 years'
            AND region_code LIKE '420702%%'""",
    ),
    (
        "elderly_100",
        "高龄津贴（100岁及以上）",
        {"all": [ALIVE, _age(100, None), HERE]},
        f"""SELECT count(*) FROM people_person WHERE {ALIVE_SQL}
            AND birth_date <= %(on)s::date - interval '100 years'
            AND region_code LIKE '420702%%'""",
    ),
    (
        "disability_living",
        "困难残疾人生活补贴",
        {
            "all": [
                ALIVE,
                {"field": "disability_type", "op": "not_null"},
                {"field": "low_income_household", "op": "eq", "value": True},
            ]
        },
        f"""SELECT count(*) FROM people_person WHERE {ALIVE_SQL}
            AND disability_type <> '' AND low_income_household""",
    ),
    (
        "disability_care",
        "重度残疾人护理补贴",
        {
            "all": [
                ALIVE,
                {
                    "any": [
                        {"field": "disability_grade", "op": "in", "value": [1, 2]},
                        {
                            "all": [
                                {
                                    "field": "disability_type",
                                    "op": "in",
                                    "value": ["intellectual", "mental"],
                                },
                                {"field": "disability_grade", "op": "eq", "value": 3},
                            ]
                        },
                    ]
                },
                {"field": "needs_long_term_care", "op": "eq", "value": True},
            ]
        },
        f"""SELECT count(*) FROM people_person WHERE {ALIVE_SQL}
            AND (disability_grade IN (1, 2)
                 OR (disability_type IN ('intellectual', 'mental') AND disability_grade = 3))
            AND needs_long_term_care""",
    ),
    (
        "unemployment_benefit",
        "失业保险金",
        {
            "all": [
                ALIVE,
                {"field": "employment_status", "op": "eq", "value": "unemployed"},
                {"field": "unemployment_registered", "op": "eq", "value": True},
                {"field": "left_job_involuntarily", "op": "eq", "value": True},
                {"field": "unemployment_insured_months", "op": "ge", "value": 12},
            ]
        },
        f"""SELECT count(*) FROM people_person WHERE {ALIVE_SQL}
            AND employment_status = 'unemployed' AND unemployment_registered
            AND left_job_involuntarily AND unemployment_insured_months >= 12""",
    ),
    (
        "employment_difficulty",
        "就业困难人员社保补贴（“4050”人员）",
        {
            "all": [
                ALIVE,
                {"field": "employment_status", "op": "eq", "value": "unemployed"},
                {"field": "unemployment_registered", "op": "eq", "value": True},
                {
                    "any": [
                        {"all": [{"field": "sex", "op": "eq", "value": "F"}, _age(40, None)]},
                        {"all": [{"field": "sex", "op": "eq", "value": "M"}, _age(50, None)]},
                    ]
                },
                {"field": "age", "op": "lt", "value": 60},
            ]
        },
        f"""SELECT count(*) FROM people_person WHERE {ALIVE_SQL}
            AND employment_status = 'unemployed' AND unemployment_registered
            AND ((sex = 'F' AND birth_date <= %(on)s::date - interval '40 years')
              OR (sex = 'M' AND birth_date <= %(on)s::date - interval '50 years'))
            AND birth_date > %(on)s::date - interval '60 years'""",
    ),
    (
        "low_income_elderly",
        "低保家庭老年人护理补贴",
        {
            "all": [
                ALIVE,
                {"field": "low_income_household", "op": "eq", "value": True},
                _age(60, None),
            ]
        },
        f"""SELECT count(*) FROM people_person WHERE {ALIVE_SQL}
            AND low_income_household AND birth_date <= %(on)s::date - interval '60 years'""",
    ),
    (
        "child_rehabilitation",
        "残疾儿童康复救助",
        {
            "all": [
                ALIVE,
                {"field": "age", "op": "le", "value": 6},
                {"field": "disability_type", "op": "not_null"},
            ]
        },  # fmt: skip
        f"""SELECT count(*) FROM people_person WHERE {ALIVE_SQL}
            AND birth_date > %(on)s::date - interval '7 years' AND disability_type <> ''""",
    ),
    (
        "pension_reminder",
        "城乡居民基础养老金（未参保老年人）",
        {
            "all": [ALIVE, _age(60, None), {"field": "pension_status", "op": "eq", "value": "none"}]
        },  # fmt: skip
        f"""SELECT count(*) FROM people_person WHERE {ALIVE_SQL}
            AND birth_date <= %(on)s::date - interval '60 years' AND pension_status = 'none'""",
    ),
]


def log(msg: str) -> None:
    print(msg, flush=True)


def prepare_database(server: str, fresh: bool) -> str:
    import psycopg

    parts = urlsplit(server)
    admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
    try:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and fresh:
            admin.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        admin.close()
    return urlunsplit((parts.scheme, parts.netloc, f"/{DB_NAME}", parts.query, ""))


def timed(fn, repeat: int = REPEAT) -> tuple[float, object]:
    """Median wall time of `repeat` runs after one warm-up, and the (last) result."""
    result = fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=None, help="default persons / 10")
    parser.add_argument("--quick", action="store_true", help="100,000 persons")
    parser.add_argument("--fresh", action="store_true", help="drop and reload the registry")
    parser.add_argument("--python-sample", type=int, default=200_000)
    args = parser.parse_args()
    persons = 100_000 if args.quick else args.persons
    companies = args.companies if args.companies is not None else persons // 10

    server = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    url = prepare_database(server, args.fresh)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from yishi.people.models import Company, Person
    from yishi.people.registry import generate_registry
    from yishi.policies.rules import SUBJECT_PERSON, eligible_queryset, evaluate, validate_rule

    call_command("migrate", verbosity=0)
    load_s = None
    have = (Person.objects.count(), Company.objects.count())
    marker = f"seed={SEED} on={ON} persons={persons} companies={companies}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database "  # noqa: S608
                       f"WHERE datname = '{DB_NAME}'")  # fmt: skip
        stored_marker = cursor.fetchone()[0]
    if have != (persons, companies) or stored_marker != marker:
        if any(have):
            log(f"registry holds {have}, reloading")
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE people_person, people_company CASCADE")
        log(f"loading {persons:,} persons and {companies:,} companies (COPY) …")
        started = time.perf_counter()
        result = generate_registry(persons=persons, companies=companies, seed=SEED, today=ON)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE people_person")
            cursor.execute("VACUUM ANALYZE people_company")
            cursor.execute(f"COMMENT ON DATABASE \"{DB_NAME}\" IS '{marker}'")
        load_s = round(time.perf_counter() - started, 2)
        log(f"loaded in {load_s} s ({result.persons:,} persons, {result.companies:,} companies)")
    else:
        log(f"reusing {DB_NAME}: {persons:,} persons, {companies:,} companies already loaded")

    # 1. compiled rules and 2. hand-written SQL, per policy
    rows = []
    for key, name, rule, sql in POLICIES:
        validate_rule(rule, SUBJECT_PERSON)

        def compiled(rule=rule):
            return eligible_queryset(rule, SUBJECT_PERSON, ON).count()

        def handwritten(sql=sql):
            with connection.cursor() as cursor:
                cursor.execute(sql, {"on": ON})
                return cursor.fetchone()[0]

        compiled_s, compiled_n = timed(compiled)
        hand_s, hand_n = timed(handwritten)
        rows.append({"key": key, "name": name, "count": compiled_n, "handwritten_count": hand_n,
                     "compiled_s": compiled_s, "handwritten_s": hand_s})  # fmt: skip

    # 3. per-row Python: load persons (only the columns the rules read) and evaluate each rule
    columns = ["id", "birth_date", "sex", "region_code", "deceased_on", "low_income_household",
               "disability_type", "disability_grade", "needs_long_term_care",
               "employment_status", "unemployment_registered", "unemployment_insured_months",
               "left_job_involuntarily", "pension_status"]  # fmt: skip
    sample = min(persons, args.python_sample)
    extrapolated = sample < persons
    limit_pk = Person.objects.order_by("pk").values_list("pk", flat=True)[sample - 1]
    log(f"per-row Python over {sample:,} persons{' (sample)' if extrapolated else ''} …")
    python_counts = {key: 0 for key, *_ in POLICIES}
    rules = [(key, rule) for key, _, rule, _ in POLICIES]
    started = time.perf_counter()
    qs = Person.objects.filter(pk__lte=limit_pk).only(*columns).order_by()
    for person in qs.iterator(chunk_size=10_000):
        for key, rule in rules:
            if evaluate(rule, person, ON, explain=False).eligible:
                python_counts[key] += 1
    python_sample_s = time.perf_counter() - started
    python_rows_s = python_sample_s * persons / sample

    mismatches = []
    for row, (key, _, rule, _) in zip(rows, POLICIES, strict=True):
        if extrapolated:
            expected = eligible_queryset(rule, SUBJECT_PERSON, ON).filter(pk__lte=limit_pk).count()
        else:
            expected = row["count"]
        row["python_count"] = python_counts[key]
        if not (row["count"] == row["handwritten_count"] and python_counts[key] == expected):
            mismatches.append(key)

    compiled_s = sum(r["compiled_s"] for r in rows)
    handwritten_s = sum(r["handwritten_s"] for r in rows)
    ratio = compiled_s / handwritten_s
    speedup = python_rows_s / compiled_s

    log("")
    log(f"{'policy':<34}{'eligible':>10}{'compiled ms':>13}{'hand SQL ms':>13}{'ratio':>7}")
    for r in rows:
        log(f"{r['name']:<28}{r['count']:>10,}{r['compiled_s'] * 1000:>13.1f}"
            f"{r['handwritten_s'] * 1000:>13.1f}{r['compiled_s'] / r['handwritten_s']:>7.2f}")  # fmt: skip
    log(
        f"{'total':<30}{'':>10}{compiled_s * 1000:>13.1f}{handwritten_s * 1000:>13.1f}{ratio:>7.2f}"
    )
    log(f"per-row Python: {python_rows_s:.1f} s for {persons:,} persons"
        f"{f' (extrapolated from {sample:,} in {python_sample_s:.1f} s)' if extrapolated else ''};"
        f" compiled is {speedup:.0f}× faster")  # fmt: skip
    if mismatches:
        log(f"COUNT MISMATCH: {', '.join(mismatches)}")

    ok = not mismatches and ratio <= TARGET_RATIO_VS_SQL and speedup >= TARGET_SPEEDUP_VS_PYTHON
    result = {
        "bench": "eligibility",
        "persons": persons,
        "companies": companies,
        "policies": len(POLICIES),
        "on": ON.isoformat(),
        "load_s": load_s,
        "compiled_s": round(compiled_s, 4),
        "handwritten_sql_s": round(handwritten_s, 4),
        "python_rows_s": round(python_rows_s, 2),
        "python_extrapolated": extrapolated,
        "python_sample_persons": sample,
        "python_sample_s": round(python_sample_s, 2),
        "ratio_vs_sql": round(ratio, 3),
        "speedup_vs_python": round(speedup, 1),
        "target_ratio_vs_sql": TARGET_RATIO_VS_SQL,
        "target_speedup_vs_python": TARGET_SPEEDUP_VS_PYTHON,
        "timing": f"median of {REPEAT} runs after a warm-up, summed over the policies",
        "counts_agree": not mismatches,
        "counts": {r["key"]: r["count"] for r in rows},
        "per_policy_ms": {
            r["key"]: {
                "compiled": round(r["compiled_s"] * 1000, 2),
                "handwritten": round(r["handwritten_s"] * 1000, 2),
            }
            for r in rows
        },  # fmt: skip
        "ok": ok,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
