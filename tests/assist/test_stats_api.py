"""GET /api/v1/assist/stats: figures a test recomputes from the rows in plain Python, the
period and department filters, 422 for bad dates in Chinese, and who may read them."""

from __future__ import annotations

import datetime as dt
from statistics import median

import pytest
from django.test import Client

from tests.assist.factories import HOURS, MONDAY, at, request_at
from tests.catalog.factories import DepartmentFactory
from yishi.assist import queries
from yishi.assist.models import AssistRequest

pytestmark = pytest.mark.django_db
C, S = AssistRequest.Channel, AssistRequest.Status
URL = "/api/v1/assist/stats"


def _service_seconds(start: dt.datetime, end: dt.datetime) -> int:
    """Independent of yishi.assist.sla: second by minute over a plain week (no holidays
    in 2–6 March 2026), inside HOURS."""
    spans = [(dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in HOURS["1"]]
    t, total = start, 0
    while t < end:
        if t.isoweekday() <= 5 and any(a <= t.time() < b for a, b in spans):
            total += 60
        t += dt.timedelta(minutes=1)
    return total


@pytest.fixture
def rows(w):
    other = DepartmentFactory(name="梁子湖区另一局")
    tue, wed = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)
    plan = [
        # channel, created, first (min after), concluded (min after), status, department
        (C.CHAT, at(MONDAY, 9), 5, 20, S.RESOLVED, w.dept_a),
        (C.CHAT, at(MONDAY, 11, 55), 40 + 150, 240, S.RESOLVED, w.dept_a),  # over lunch: 45 min
        (C.CHAT, at(MONDAY, 11, 58), 150 + 5, 200, S.UNRESOLVED, w.dept_a),  # 7 service min
        (C.CALLBACK, at(tue, 10), 50, 70, S.RESOLVED, w.dept_a),
        (C.CALLBACK, at(tue, 10), 75, None, S.ACTIVE, other),
        (C.CHAT, at(wed, 9), None, None, S.OPEN, other),
        (C.ONSITE, at(wed, 15), 0, 30, S.RESOLVED, other),
        (C.CHAT, at(wed, 16), None, 5, S.CANCELLED, other),  # not counted
    ]
    made = []
    for channel, created, first, done, status, dept in plan:
        made.append(
            request_at(
                channel=channel,
                created=created,
                first=created + dt.timedelta(minutes=first) if first is not None else None,
                concluded=created + dt.timedelta(minutes=done) if done is not None else None,
                status=status,
                department=dept,
                clerk=w.clerk.user,
            )
        )
    return made


def _expected(rows: list[AssistRequest]) -> dict:
    levels = {C.CHAT: 600, C.CALLBACK: 3600, C.ONSITE: 600}
    counted = [r for r in rows if r.status != S.CANCELLED]
    n = len(counted)
    in_time = sum(
        1
        for r in counted
        if r.first_response_at
        and _service_seconds(
            r.created_at.astimezone(at(MONDAY, 0).tzinfo),
            r.first_response_at.astimezone(at(MONDAY, 0).tzinfo),
        )
        <= levels[r.channel]
    )
    firsts = [
        (r.first_response_at - r.created_at).total_seconds() for r in counted if r.first_response_at
    ]
    return {
        "requests": n,
        "response_rate": round(in_time / n, 4) if n else None,
        "resolution_rate": round(sum(r.status == S.RESOLVED for r in counted) / n, 4)
        if n
        else None,
        "median_first_response_s": int(median(firsts)) if firsts else None,
    }


def _get(user, query=""):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(URL + query)


def test_stats_match_the_rows(w, rows):
    body = _get(w.clerk.user, "?from=2026-03-01&to=2026-03-31").json()
    expected = _expected(rows)
    for key, value in expected.items():
        assert body[key] == value, key
    # Exactly: 7 counted; in time: #1 (5), #3 (7 service min), #4 (50 ≤ 60), #7 (0) = 4.
    assert body["requests"] == 7
    assert body["response_rate"] == round(4 / 7, 4)
    assert body["resolution_rate"] == round(4 / 7, 4)


def test_department_and_period_filters(w, rows):
    body = _get(w.clerk.user, f"?department={w.dept_a.code}").json()
    assert body == {**body, **_expected([r for r in rows if r.department_id == w.dept_a.pk])}
    assert body["requests"] == 4
    tuesday = _get(w.clerk.user, "?from=2026-03-03&to=2026-03-03").json()
    assert tuesday["requests"] == 2
    assert _get(w.clerk.user, "?from=2027-01-01").json()["requests"] == 0
    assert _get(w.clerk.user, "?from=2027-01-01").json()["response_rate"] is None


def test_bad_date_is_422_naming_the_field_in_chinese(w):
    response = _get(w.clerk.user, "?from=2026-13-01")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert "起始日期" in response.content.decode()


def test_reversed_period_is_422(w):
    response = _get(w.clerk.user, "?from=2026-03-05&to=2026-03-01")
    assert response.status_code == 422
    assert "截止日期" in response.content.decode()


def test_unknown_department_is_422(w):
    assert _get(w.clerk.user, "?department=NOPE").status_code == 422


def test_who_may_read_the_figures(w):
    assert _get(None).status_code == 401
    assert _get(w.resident.user).status_code == 403
    for staff in (w.clerk, w.reviewer, w.other_reviewer, w.lead):
        assert _get(staff.user).status_code == 200


@pytest.mark.skipif(not queries.has_ratings(), reason="yishi.ratings has no Rating model yet")
def test_satisfaction_counts_ratings_at_levels_3_to_5_leaving_out_excluded(w, rows):
    from django.apps import apps

    rating = apps.get_model("ratings", "Rating")
    field = AssistRequest._meta.get_field("ratings").field.name
    values = [(rows[0], 5, False), (rows[1], 2, False), (rows[2], 3, False), (rows[3], 1, True)]
    indicator_set, _ = apps.get_model("ratings", "IndicatorSet").objects.get_or_create(
        channel="online", version=1
    )
    for request, level, excluded in values:
        rating.objects.create(
            **{field: request, "level": level, "excluded": excluded},
            kind="assist",
            target_key=f"assist:{request.pk}",
            stage="service",
            source="api",
            indicator_set=indicator_set,
        )
    body = _get(w.clerk.user).json()
    assert body["satisfaction_rate"] == round(2 / 3, 4)


def test_figures_per_clerk_and_department(w, rows):
    qs = queries.counted()
    by_dept = dict(queries.breakdown(qs, "department"))
    assert by_dept[w.dept_a].requests == 4
    by_clerk = dict(queries.breakdown(qs, "clerk"))
    assert by_clerk[w.clerk.user].requests == 7
