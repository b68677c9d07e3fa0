"""The summary figures recomputed by hand-written SQL, independently of yishi.stats.measures:
working days come from a table filled from yishi.core.workdays (the reference calendar), and
each paused day is found by EXISTS over the pauses (no running counts, no ORM)."""

from __future__ import annotations

# The SQL is assembled from fixed fragments and the tests' own `where` text; values are bound.
# ruff: noqa: S608
import datetime as dt

from django.db import connection

from yishi.core.workdays import is_workday


def _local_date(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE 'Asia/Shanghai')::date"
    return f"date({column}, '+8 hours')"


def _d(day: dt.date) -> object:
    return day if connection.vendor == "postgresql" else day.isoformat()


def fill_reference_calendar(first: dt.date, last: dt.date) -> None:
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS t_ref_workday")
        c.execute("CREATE TABLE t_ref_workday (day date PRIMARY KEY, work integer NOT NULL)")
        day, rows = first, []
        while day <= last:
            rows.append((_d(day), 1 if is_workday(day) else 0))
            day += dt.timedelta(days=1)
        c.executemany("INSERT INTO t_ref_workday (day, work) VALUES (%s, %s)", rows)


def summary_by_sql(
    first: dt.date, last: dt.date, today: dt.date, where: str = "1=1", params: tuple = ()
) -> dict:
    """`where` narrows the applications (alias a)."""
    done = _local_date("a.completed_at")
    p_first, p_last, p_today = _d(first), _d(last), _d(today)
    acc = "a.accepted_on BETWEEN %s AND %s"
    comp = f"a.accepted_on IS NOT NULL AND a.completed_at IS NOT NULL AND {done} BETWEEN %s AND %s"
    with connection.cursor() as c:
        c.execute(
            f"SELECT COUNT(*) FROM cases_application a WHERE {acc} AND {where}",
            (p_first, p_last, *params),
        )
        accepted = c.fetchone()[0]
        c.execute(
            f"SELECT COUNT(*) FROM cases_application a WHERE {acc} AND a.channel = 'online' "
            f"AND {where}",
            (p_first, p_last, *params),
        )
        online = c.fetchone()[0]
        c.execute(
            f"SELECT COUNT(*) FROM cases_application a WHERE {acc} AND {where} AND "
            f"a.promised_due IS NOT NULL AND ((a.completed_at IS NULL AND a.promised_due < %s) "
            f"OR (a.completed_at IS NOT NULL AND {done} > a.promised_due))",
            (p_first, p_last, *params, p_today),
        )
        overdue = c.fetchone()[0]
        c.execute(
            f"SELECT COUNT(*) FROM cases_application a WHERE {comp} AND {where}",
            (p_first, p_last, *params),
        )
        completed = c.fetchone()[0]
        c.execute(
            f"SELECT COUNT(*) FROM cases_application a WHERE {comp} AND {where} "
            f"AND {done} = a.accepted_on",
            (p_first, p_last, *params),
        )
        same_day = c.fetchone()[0]
        c.execute(
            f"SELECT COUNT(*) FROM cases_application a WHERE {comp} AND {where} "
            f"AND {done} <= a.promised_due",
            (p_first, p_last, *params),
        )
        on_time = c.fetchone()[0]
        c.execute(
            "SELECT COUNT(*) FROM hall_ticket t JOIN cases_application a "
            f"ON a.id = t.application_id WHERE t.status = 'done' AND {acc} AND {where}",
            (p_first, p_last, *params),
        )
        visits = c.fetchone()[0]
        c.execute(
            "SELECT SUM(wd), COUNT(*) FROM (SELECT "
            "(SELECT COUNT(*) FROM t_ref_workday w WHERE w.work = 1 AND w.day > a.accepted_on "
            f" AND w.day <= {done} AND NOT EXISTS (SELECT 1 FROM cases_pause p "
            "  WHERE p.application_id = a.id AND w.day >= p.started_on "
            "  AND (p.ended_on IS NULL OR w.day < p.ended_on))) AS wd "
            f"FROM cases_application a WHERE {comp} AND {where}) x",
            (p_first, p_last, *params),
        )
        total_days, n = c.fetchone()

    def rate(part, whole):
        return round(part / whole, 4) if whole else None

    return {
        "accepted": accepted,
        "completed": completed,
        "same_day_rate": rate(same_day, completed),
        "on_time_rate": rate(on_time, completed),
        "overdue": overdue,
        "online_rate": rate(online, accepted),
        "visits_per_application": rate(visits, accepted),
        "avg_working_days": round(int(total_days) / n, 2) if n else None,
    }
