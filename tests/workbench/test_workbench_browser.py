"""In Chromium: window staff accept an application at the workbench, then the department's
reviewer approves the first matter and the dependent one starts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import staff_log_in
from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from yishi.cases.models import Application, SubCase
from yishi.cases.services import application_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_window_staff_accept_and_a_reviewer_approves_in_the_browser(page):
    chain = make_chain_theme()
    application = application_submit(
        user=ApplicantFactory().user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    window = StaffFactory(user__last_name="李", user__first_name="四")

    staff_log_in(page, window, "/workbench/applications/")
    row = page.locator("table[data-list=applications] tbody tr", has_text=application.number)
    expect(row).to_contain_text("链路测试一件事")
    row.get_by_role("link", name=application.number).click()
    expect(page.locator("[data-status]")).to_have_text("已提交")
    page.locator('button[data-action="accept"]').click()
    expect(page.get_by_role("status")).to_contain_text(f"申请 {application.number} 已受理")
    expect(page.locator("[data-status]")).to_have_text("已受理")
    expect(page.locator("[data-first-owner]")).to_have_text("李四")
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED

    reviewer = StaffFactory(reviewer=True, department=chain["departments"]["a"])
    staff_log_in(page, reviewer, "/workbench/subcases/")
    rows = page.locator("table[data-list=subcases] tbody tr")
    expect(rows).to_have_count(1)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 800})
    rows.get_by_role("link", name=application.number).click()
    expect(page.locator("h1")).to_contain_text("链路事项A")
    page.locator("#wb-result").fill("A类许可证")
    page.locator('button[data-action="approve"]').click()
    expect(page.get_by_role("status")).to_contain_text("「链路事项A」已准予。")
    statuses = dict(application.subcases.values_list("matter__name", "status"))
    assert statuses["链路事项A"] == SubCase.Status.APPROVED
    assert statuses["链路事项B"] == SubCase.Status.PENDING
