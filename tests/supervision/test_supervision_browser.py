"""In Chromium: a supervisor works a supervision task (countdown, non-compliant result with
findings), and the approving department's reviewer reads it on 监管反馈."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import staff_log_in
from yishi.core.events import events_dispatch
from yishi.supervision.models import SupervisionTask

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_records_a_finding_and_the_approving_reviewer_sees_it(
    page, approved, supervisor, reviewer_a
):
    subcase = approved("a")
    events_dispatch()
    task = SupervisionTask.objects.get()
    number = subcase.application.number

    staff_log_in(page, supervisor, "/workbench/supervision/")
    row = page.locator("table[data-list=supervision-tasks] tbody tr", has_text=number)
    expect(row.locator("[data-countdown]")).to_contain_text("剩余 ")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 800})
    row.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_contain_text("链路事项A")
    page.get_by_role("radio", name="不合规", exact=True).check()
    page.locator("#sv-findings").fill("经营场所与申报地址不符")
    page.locator('button[data-action="record-result"]').click()
    expect(page.get_by_role("status")).to_contain_text("核查结果已登记")
    expect(page.locator("[data-findings]")).to_have_text("经营场所与申报地址不符")
    task.refresh_from_db()
    assert task.status == SupervisionTask.Status.NON_COMPLIANT

    staff_log_in(page, reviewer_a, "/workbench/supervision/feedback/")
    row = page.locator("table[data-list=supervision-feedback] tbody tr", has_text=number)
    expect(row.locator("[data-status]")).to_have_text("不合规")
    expect(row).to_contain_text("经营场所与申报地址不符")
