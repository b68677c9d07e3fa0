"""Pages render in Chinese, with no English words; the forms work without script."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.hall.factories import OutletFactory
from yishi.reports import services
from yishi.reports.models import Report

pytestmark = pytest.mark.django_db
ENGLISH = re.compile(r"\b[a-z]{3,}\b")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg|datalist)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return html


def assert_chinese(response):
    assert response.status_code == 200, response.status_code
    text = visible_text(response.content.decode())
    words = [
        w
        for w in ENGLISH.findall(text)
        if w not in {"http", "https", "testserver", "reports", "new", "outlet", "poster"}
    ]
    assert not words, words[:10]
    assert re.search(r"[\u4e00-\u9fff]", text)


def c(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_public_pages_are_chinese(matter):
    outlet = OutletFactory()
    assert_chinese(c().get("/reports/new/"))
    page = c().get(f"/reports/poster/?outlet={outlet.code}")
    assert_chinese(page)
    assert "<svg" in page.content.decode() and f"outlet={outlet.code}" in page.content.decode()


def test_filing_by_qr_form_leads_to_the_signed_page(matter):
    outlet = OutletFactory()
    r = c().post(
        f"/reports/new/?outlet={outlet.code}",
        {
            "matter": matter.name,
            "obstacle": "trips",
            "description": "跑了三趟",
            "phone": "13900001111",
        },
    )
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.channel == Report.Channel.QR and report.outlet == outlet
    assert_chinese(c().get(r["Location"]))


def test_form_errors_show_beside_the_field():
    r = c().post("/reports/new/", {"obstacle": "trips", "tried": "办证", "description": "x"})
    assert r.status_code == 422
    assert "请留下手机号码" in r.content.decode()


def test_reporter_and_staff_pages_are_chinese(report, resident, leader, lead, clerk):
    services.report_to_improvement(
        report=report,
        staff=leader.user,
        kind="process",
        change="减少材料",
        department=lead.department,
    )
    assert_chinese(c(resident.user).get("/reports/mine/"))
    token = services.report_link_token(report)
    assert_chinese(c().get(f"/reports/r/{token}/"))
    for path in (
        "/workbench/reports/",
        f"/workbench/reports/{report.pk}/",
        "/workbench/reports/improvements/",
        "/workbench/reports/walks/",
        "/workbench/reports/walks/new/",
        "/workbench/reports/officers/",
        "/workbench/reports/new/",
        "/workbench/reports/?status=overdue",
    ):
        assert_chinese(c(leader.user).get(path))
    page = c(leader.user).get("/workbench/reports/").content.decode()
    assert "首次答复按时率" in page and resident.phone not in page
    assert_chinese(c(lead.user).get("/workbench/reports/improvements/"))
    assert_chinese(c(clerk.user).get("/workbench/reports/new/"))


def test_a_stranger_gets_404_on_the_staff_page(report, clerk):
    assert c(clerk.user).get(f"/workbench/reports/{report.pk}/").status_code == 404


def test_leader_answers_resolves_and_reporter_rates_by_pages(report, leader):
    staff = c(leader.user)
    assert (
        staff.post(f"/workbench/reports/{report.pk}/answer/", {"answer": "正在办"}).status_code
        == 302
    )
    assert (
        staff.post(f"/workbench/reports/{report.pk}/resolve/", {"resolution": "已办好"}).status_code
        == 302
    )
    token = services.report_link_token(report)
    assert c().post(f"/reports/r/{token}/rate/", {"satisfaction": "4"}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.satisfaction) == ("closed", 4)
