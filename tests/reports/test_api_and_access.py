"""API: 201, 404, 422 with Chinese labels; access: a stranger gets 404, a department lead
sees only their department's items."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.cases.factories import ApplicantFactory
from tests.reports.factories import department_lead
from yishi.reports import services

pytestmark = pytest.mark.django_db
A = "/api/v1"


def client_for(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_anonymous_report_is_created(matter):
    r = client_for().post(
        f"{A}/reports",
        {
            "obstacle": "where",
            "matter": matter.code,
            "description": "不知道去哪办",
            "phone": "13900001234",
            "channel": "qr",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"].startswith("BCS") and body["link"].startswith("/reports/r/")
    assert "phone" not in body


def test_bad_input_answers_422_with_chinese_labels(matter):
    r = client_for().post(f"{A}/reports", {"description": "x"}, content_type="application/json")
    assert r.status_code == 422
    assert r["Content-Type"].startswith("application/problem+json")
    assert "卡在哪里" in r.content.decode()
    r = client_for().post(
        f"{A}/reports",
        {"obstacle": "where", "matter": matter.code, "description": "x"},
        content_type="application/json",
    )
    assert r.status_code == 422 and "手机号" in r.json()["detail"]


def test_own_report_is_readable_and_a_strangers_is_not(report, resident):
    mine = client_for(resident.user).get(f"{A}/reports/{report.pk}")
    assert mine.status_code == 200 and mine.json()["description"] == "材料要求前后不一致"
    stranger = client_for(ApplicantFactory().user)
    assert stranger.get(f"{A}/reports/{report.pk}").status_code == 404
    assert stranger.get(f"{A}/reports").json() == []
    assert client_for().get(f"{A}/reports/{report.pk}").status_code == 401


def test_leader_answers_and_the_reporter_rates_through_the_api(report, resident, leader):
    c = client_for(leader.user)
    listed = c.get(f"{A}/reports").json()
    assert [r["id"] for r in listed] == [report.pk]
    assert re.fullmatch(r"\d{3}\*{4}\d{4}", listed[0]["phone"])
    assert (
        c.post(
            f"{A}/reports/{report.pk}/resolve",
            {"resolution": "已办好"},
            content_type="application/json",
        ).status_code
        == 200
    )
    assert (
        c.post(
            f"{A}/reports/{report.pk}/rating", {"satisfaction": 5}, content_type="application/json"
        ).status_code
        == 404
    )
    r = client_for(resident.user).post(
        f"{A}/reports/{report.pk}/rating", {"satisfaction": 9}, content_type="application/json"
    )
    assert r.status_code == 422 and "满意度" in r.content.decode()
    r = client_for(resident.user).post(
        f"{A}/reports/{report.pk}/rating", {"satisfaction": 5}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert (
        client_for(resident.user)
        .post(
            f"{A}/reports/{report.pk}/rating", {"satisfaction": 5}, content_type="application/json"
        )
        .status_code
        == 409
    )


def test_department_lead_sees_only_their_departments_items(report, leader, lead):
    mine = services.report_to_improvement(
        report=report,
        staff=leader.user,
        kind="process",
        change="减少材料",
        department=lead.department,
    )
    other_lead = department_lead()
    theirs = services.report_to_improvement(
        report=report,
        staff=leader.user,
        kind="process",
        change="优化流程",
        department=other_lead.department,
    )
    c = client_for(lead.user)
    assert [i["id"] for i in c.get(f"{A}/report-improvements").json()] == [mine.pk]
    r = c.post(
        f"{A}/report-improvements/{theirs.pk}/progress",
        {"status": "done", "action_taken": "x"},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = c.post(
        f"{A}/report-improvements/{mine.pk}/progress",
        {"status": "done", "action_taken": "已精简"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "done"
    # The lead sees their department's report, not another's.
    assert c.get(f"{A}/reports/{report.pk}").status_code == 200
    assert client_for(other_lead.user).get(f"{A}/reports/{report.pk}").status_code == 404


def test_walk_api_creates_items(lead, matter):
    r = client_for(lead.user).post(
        f"{A}/walks",
        {
            "kind": "accompany",
            "walked_on": "2026-03-02",
            "matter": matter.code,
            "steps": "陪群众走完",
            "minutes": 30,
            "problems": [{"problem": "窗口指引不清"}],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["improvements"][0]["department"] == matter.department.code
    r = client_for(ApplicantFactory().user).post(
        f"{A}/walks",
        {
            "kind": "experience",
            "walked_on": "2026-03-02",
            "matter": matter.code,
            "steps": "x",
            "minutes": 3,
        },
        content_type="application/json",
    )
    assert r.status_code == 403
