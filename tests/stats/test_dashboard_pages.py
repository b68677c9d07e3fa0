"""The dashboard pages: drill-down district → department → matter → cases, the xlsx export,
the lobby screens, and who may open them."""

from __future__ import annotations

import io

import pytest
from django.test import Client, RequestFactory
from openpyxl import load_workbook

from tests.cases.factories import ApplicantFactory, StaffFactory
from yishi.cases.models import Application
from yishi.stats import views

Q = "from=2026-01-01&to=2026-03-31"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(history):
    return _client(StaffFactory(administrator=True).user)


def test_drill_down_from_district_to_the_cases(admin_client, history):
    dept = history["chain"]["departments"]["a"]
    page = admin_client.get(f"/workbench/stats/?{Q}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-chart="monthly"' in html and 'data-chart="departments"' in html
    assert f"/workbench/stats/departments/{dept.code}/" in html
    page = admin_client.get(f"/workbench/stats/departments/{dept.code}/?{Q}")
    assert page.status_code == 200
    html = page.content.decode()
    matter = history["matters"]["long"]
    assert f"/workbench/stats/matters/{matter.code}/" in html
    # only the department's own matters, not the other matters of its theme applications
    assert history["chain"]["matters"]["b"].name not in html
    page = admin_client.get(f"/workbench/stats/matters/{matter.code}/?{Q}&department={dept.code}")
    assert page.status_code == 200
    html = page.content.decode()
    app = (
        Application.objects.filter(matter=matter, accepted_on__gte="2026-01-01")
        .order_by("-accepted_on", "-id")
        .first()
    )
    assert f"/workbench/applications/{app.number}/" in html


def test_export_is_a_workbook_with_the_figures(admin_client):
    response = admin_client.get(f"/workbench/stats/export.xlsx?{Q}")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["概要", "按部门", "按事项", "按渠道", "按主题", "按月", "办件清单"]
    summary = {row[1]: row[2] for row in wb["概要"].iter_rows(min_row=2, values_only=True)}
    api = admin_client.get("/api/v1/stats/summary?from=2026-01-01&to=2026-03-31").json()
    assert summary["受理量"] == api["accepted"]
    assert summary["按时办结率"] == api["on_time_rate"]
    assert (
        wb["办件清单"].max_row - 1
        == Application.objects.filter(
            accepted_on__gte="2026-01-01", accepted_on__lte="2026-03-31"
        ).count()
        + Application.objects.filter(
            accepted_on__lt="2026-01-01",
            completed_at__gte="2025-12-31T16:00:00Z",
            completed_at__lt="2026-03-31T16:00:00Z",
        ).count()
    )


def test_screens_show_todays_figures(admin_client):
    page = admin_client.get("/workbench/stats/screen/")
    assert page.status_code == 200
    assert "今日办件" in page.content.decode()
    public = views.public_screen(RequestFactory().get("/stats/screen/"))
    assert public.status_code == 200
    assert 'data-kpi="accepted"' in public.content.decode()


def test_others_are_refused_and_a_lead_sees_only_their_department(history):
    applicant = _client(ApplicantFactory().user)
    for url in ("/workbench/stats/", "/workbench/stats/screen/", "/workbench/stats/export.xlsx"):
        assert applicant.get(url).status_code in (302, 403, 404)
    clerk = _client(history["clerk"].user)
    assert clerk.get("/workbench/stats/").status_code == 403
    lead = StaffFactory(role="department_lead", department=history["health"])
    client = _client(lead.user)
    page = client.get(f"/workbench/stats/?{Q}")
    assert page.status_code == 200
    other = history["chain"]["departments"]["b"]
    assert f"/workbench/stats/departments/{other.code}/" not in page.content.decode()
    assert client.get(f"/workbench/stats/departments/{other.code}/").status_code == 404
    assert client.get(f"/workbench/stats/departments/{history['health'].code}/").status_code == 200
    assert client.get("/workbench/stats/screen/").status_code == 403
