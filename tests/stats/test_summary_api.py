"""The summary API against hand-written SQL over a generated history (holidays, pauses,
overdue and open cases), its filters, its errors and who may call it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.stats.conftest import UNTIL
from tests.stats.sql_reference import fill_reference_calendar, summary_by_sql
from yishi.cases.models import Application, Pause
from yishi.core.roles import Role

URL = "/api/v1/stats/summary"
PERIODS = [
    (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),  # the Spring Festival month
    (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    (dt.date(2025, 12, 1), dt.date(2026, 3, 31)),
]


def _admin_client() -> Client:
    client = Client()
    client.force_login(StaffFactory(administrator=True).user)
    return client


def _get(client: Client, **params):
    query = {"from" if k == "from_" else k: v for k, v in params.items()}
    return client.get(URL, query)


@pytest.fixture
def reference(history):
    fill_reference_calendar(dt.date(2025, 11, 1), dt.date(2027, 12, 31))
    return history


def test_history_has_what_the_figures_must_handle(reference):
    assert Pause.objects.filter(ended_on__isnull=False).exists()
    assert Pause.objects.filter(ended_on__isnull=True).exists()
    late = summary_by_sql(dt.date(2025, 12, 1), UNTIL, timezone.localdate())
    assert late["overdue"] > 0
    assert Application.objects.filter(status=Application.Status.ACCEPTED).exists()
    assert Application.objects.filter(status=Application.Status.REFUSED).exists()


@pytest.mark.parametrize(("first", "last"), PERIODS)
def test_every_summary_field_matches_independent_sql(reference, first, last):
    response = _get(_admin_client(), from_=first.isoformat(), to=last.isoformat())
    assert response.status_code == 200
    expected = summary_by_sql(first, last, timezone.localdate())
    assert expected["accepted"] > 0 and expected["completed"] > 0
    assert response.json() == expected


def test_filters_match_independent_sql(reference):
    client = _admin_client()
    first, last = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    today = timezone.localdate()
    dept = reference["chain"]["departments"]["a"]
    got = _get(client, from_=first.isoformat(), to=last.isoformat(), department=dept.code).json()
    assert got == summary_by_sql(
        first,
        last,
        today,
        "EXISTS (SELECT 1 FROM cases_subcase s WHERE s.application_id = a.id AND s.department_id = %s)",
        (dept.pk,),
    )
    matter = reference["matters"]["short"]
    got = _get(client, from_=first.isoformat(), to=last.isoformat(), matter=matter.code).json()
    assert got == summary_by_sql(
        first,
        last,
        today,
        "(a.matter_id = %s OR EXISTS (SELECT 1 FROM cases_subcase s WHERE s.application_id = a.id"
        " AND s.matter_id = %s))",
        (matter.pk, matter.pk),
    )
    theme = reference["chain"]["theme"]
    got = _get(client, from_=first.isoformat(), to=last.isoformat(), theme=theme.code).json()
    assert got == summary_by_sql(first, last, today, "a.theme_id = %s", (theme.pk,))
    for channel, stored in (
        ("online", "online"),
        ("window", "counter"),
        ("cross_region", "cross_region"),
    ):
        got = _get(client, from_=first.isoformat(), to=last.isoformat(), channel=channel).json()
        assert got == summary_by_sql(first, last, today, "a.channel = %s", (stored,))
    online = _get(client, from_=first.isoformat(), to=last.isoformat(), channel="online").json()
    assert online["online_rate"] == 1.0
    window = _get(client, from_=first.isoformat(), to=last.isoformat(), channel="window").json()
    assert window["online_rate"] == 0.0
    remote = _get(client, from_=first.isoformat(), to=last.isoformat(), channel="remote").json()
    assert remote["accepted"] == 0 and remote["online_rate"] is None


def test_default_period_is_the_current_month(db):
    got = _get(_admin_client()).json()
    assert got == {
        "accepted": 0,
        "completed": 0,
        "same_day_rate": None,
        "on_time_rate": None,
        "overdue": 0,
        "online_rate": None,
        "visits_per_application": None,
        "avg_working_days": None,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from_": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from_": "2026-03-01", "to": "2026-02-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from_": "0001-01-01"}, "from"),
        ({"department": "NO-SUCH"}, "department"),
        ({"matter": "NO-SUCH"}, "matter"),
        ({"theme": "no-such"}, "theme"),
        ({"channel": "fax"}, "channel"),
        ({"outlet": "no-such"}, "outlet"),
    ],
)
def test_bad_input_gets_problem_json_in_chinese(catalog, params, field):
    response = _get(_admin_client(), **params)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    text = str(body)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
    assert field in text


def test_applicants_and_other_staff_are_refused(catalog):
    anon = Client().get(URL)
    assert anon.status_code in (401, 403)
    applicant = Client()
    applicant.force_login(ApplicantFactory().user)
    assert applicant.get(URL).status_code == 403
    clerk = Client()
    clerk.force_login(catalog["clerk"].user)
    assert clerk.get(URL).status_code == 403


@pytest.mark.parametrize("role", [Role.DUTY_LEADER, Role.CHIEF_DATA_OFFICER, Role.ADMINISTRATOR])
def test_district_roles_see_the_whole_district(reference, role):
    client = Client()
    client.force_login(StaffFactory(role=role).user)
    first, last = PERIODS[1]
    got = _get(client, from_=first.isoformat(), to=last.isoformat()).json()
    assert got == summary_by_sql(first, last, timezone.localdate())


def test_department_lead_sees_only_their_department(reference, lead):
    client = Client()
    client.force_login(lead.user)
    first, last = PERIODS[1]
    got = _get(client, from_=first.isoformat(), to=last.isoformat()).json()
    mine = summary_by_sql(
        first,
        last,
        timezone.localdate(),
        "EXISTS (SELECT 1 FROM cases_subcase s WHERE s.application_id = a.id AND s.department_id = %s)",
        (lead.department_id,),
    )
    assert got == mine
    assert got["accepted"] < summary_by_sql(first, last, timezone.localdate())["accepted"]
    other = reference["health"]
    refused = _get(client, from_=first.isoformat(), to=last.isoformat(), department=other.code)
    assert refused.status_code == 403
