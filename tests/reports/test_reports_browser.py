"""In Chromium: a resident files a report from the QR form, the duty leader answers and
resolves it, the resident rates it closed. Screenshots at 1280 and 375 px go to
YISHI_SCREENSHOTS (default: none)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_support import staff_log_in
from tests.catalog.factories import MatterFactory
from tests.hall.factories import OutletFactory
from tests.reports.factories import duty_leader
from yishi.reports.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    folder = os.environ.get("YISHI_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/reports_{name}_{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_report_from_qr_answered_resolved_and_rated(page, browser, live_server):
    outlet = OutletFactory(name="梁子湖区政务服务中心大厅")
    matter = MatterFactory(name="个体工商户设立登记")
    leader = duty_leader()
    page.goto(f"{page.base_url}/reports/poster/?outlet={outlet.code}")
    shoot(page, "poster")
    page.goto(f"{page.base_url}/reports/new/?outlet={outlet.code}")
    page.locator("#f-matter").fill(matter.name)
    page.get_by_label("多次跑动").check()
    page.locator("#f-description").fill("为了营业执照跑了三趟还没办成")
    page.locator("#f-phone").fill("13900002222")
    shoot(page, "new")
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator("[data-status]")).to_have_text("待答复")
    link = page.url
    report = Report.objects.get()
    assert report.channel == "qr" and report.outlet_id == outlet.pk

    staff = browser.new_context(locale="zh-CN").new_page()
    staff.base_url = live_server.url
    staff_log_in(staff, leader, "/workbench/reports/")
    shoot(staff, "staff_list")
    staff.goto(f"{live_server.url}/workbench/reports/{report.pk}/")
    staff.locator("#f-answer").fill("已联系市场监管局，明天给您答复。")
    staff.get_by_role("button", name="答复", exact=True).click()
    expect(staff.locator("[data-answer]")).to_contain_text("已联系市场监管局")
    staff.locator("#f-resolution").fill("已为您一次办结，执照已寄出。")
    staff.get_by_role("button", name="办结并请反映人评价").click()
    expect(staff.locator("[data-resolution]")).to_contain_text("一次办结")
    shoot(staff, "staff_report")

    page.goto(link)
    expect(page.locator("[data-resolution]")).to_contain_text("一次办结")
    page.get_by_label("非常满意").check()
    shoot(page, "rate")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("[data-status]")).to_have_text("已评价办结")
    report.refresh_from_db()
    assert (report.status, report.satisfaction) == ("closed", 5)
