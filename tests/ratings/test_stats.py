"""GET /api/v1/ratings/stats: rows built with factories, the figures recomputed here in plain
Python over the rows, compared with the API for each filter."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from tests.catalog.factories import DepartmentFactory
from tests.hall.factories import OutletFactory
from tests.ratings.factories import RatingFactory, followup_for
from yishi.ratings.models import FollowUp

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def build_rows(seed: int = 7) -> list[dict]:
    """60 ratings over 2 departments, 2 outlets and 10 days; poor ones with follow-ups in
    every state: not visited, visited, rectified on time, late, explained, excluded."""
    rnd = random.Random(seed)
    departments = [DepartmentFactory(code="STAT-A"), DepartmentFactory(code="STAT-B")]
    outlets = [OutletFactory(code="stat-hall-1"), OutletFactory(code="stat-hall-2"), None]
    rows = []
    for n in range(60):
        day = dt.date(2026, 11, 1) + dt.timedelta(days=n % 10)
        at = dt.datetime.combine(day, dt.time(rnd.choice([0, 9, 23]), 30), tzinfo=TZ)
        level = rnd.choice([1, 2, 3, 4, 5, 5])
        excluded = level <= 2 and n % 7 == 0
        rating = RatingFactory(
            level=level,
            department=rnd.choice(departments),
            outlet=rnd.choice(outlets),
            created_at=at,
            excluded=excluded,
            failed_indicators=["服务效率"] if level <= 2 else [],
        )
        row = {"r": rating, "day": day, "visited": False, "on_time": False}
        if level <= 2:
            kind = n % 5
            handled_on = None
            status = None
            if kind in (2, 3, 4):
                handled_on = day + dt.timedelta(days=10 if kind != 3 else 40)
                status = FollowUp.Status.EXPLAINED if kind == 4 else FollowUp.Status.RECTIFIED
            f = followup_for(rating, visited=kind >= 1, handled_on=handled_on, status=status)
            row["visited"] = f.visited_at is not None
            row["on_time"] = status is not None and handled_on <= f.due_on
        rows.append(row)
    return rows


def expected(rows, department=None, outlet=None, start=None, end=None) -> dict:
    chosen = [
        x
        for x in rows
        if not x["r"].excluded
        and (department is None or x["r"].department.code == department)
        and (outlet is None or (x["r"].outlet is not None and x["r"].outlet.code == outlet))
        and (start is None or x["day"] >= start)
        and (end is None or x["day"] <= end)
    ]
    count = len(chosen)
    by_level = {str(n): sum(1 for x in chosen if x["r"].level == n) for n in range(1, 6)}
    poor = [x for x in chosen if x["r"].level <= 2]

    def rate(a, b):
        return round(a / b, 4) if b else 0.0

    return {
        "count": count,
        "by_level": by_level,
        "satisfaction_rate": rate(sum(1 for x in chosen if x["r"].level >= 3), count),
        "poor": len(poor),
        "followed_up_rate": rate(sum(1 for x in poor if x["visited"]), len(poor)),
        "rectified_on_time_rate": rate(sum(1 for x in poor if x["on_time"]), len(poor)),
    }


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"department": "STAT-A"},
        {"department": "STAT-B"},
        {"outlet": "stat-hall-1"},
        {"from": "2026-11-03", "to": "2026-11-06"},
        {"department": "STAT-A", "outlet": "stat-hall-2", "from": "2026-11-05"},
        {"to": "2026-11-01"},
    ],
)
def test_stats_match_an_independent_recount_of_the_rows(client, query):
    rows = build_rows()
    got = client.get("/api/v1/ratings/stats", query)
    assert got.status_code == 200
    want = expected(
        rows,
        department=query.get("department"),
        outlet=query.get("outlet"),
        start=dt.date.fromisoformat(query["from"]) if "from" in query else None,
        end=dt.date.fromisoformat(query["to"]) if "to" in query else None,
    )
    assert got.json() == want
    assert want["count"] > 0


def test_the_public_page_shows_the_same_totals_without_personal_data(client):
    rows = build_rows()
    want = expected(rows)
    page = client.get("/ratings/stats/").content.decode()
    assert f'data-figure="count">{want["count"]}<' in page
    assert f'data-figure="poor">{want["poor"]}<' in page
    assert 'data-row="STAT-A"' in page and 'data-row="stat-hall-1"' in page


def test_an_empty_period_and_a_reversed_one(client):
    assert client.get("/api/v1/ratings/stats?from=2030-01-01").json()["count"] == 0
    r = client.get("/api/v1/ratings/stats?from=2026-02-01&to=2026-01-01")
    assert r.status_code == 422
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"
