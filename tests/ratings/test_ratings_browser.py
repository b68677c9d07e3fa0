"""The 好差评 journey in Chromium: the applicant rates a completed application 非常不满意
with a failed indicator; the department's lead sees the follow-up with 回访 due in 5 and
整改 due in 15 working days, records both; the public statistics count it as handled.
Each page is checked at 1280 and 375 px; YISHI_SCREENSHOTS=<dir> saves screenshots."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser_support import signed_in, staff_log_in
from tests.ratings.factories import completed, lead, served_ticket
from yishi.ratings.models import FollowUp, Rating
from yishi.ratings.services import followup_deadlines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("YISHI_SCREENSHOTS", "")


def shoot(page, name: str) -> None:
    """At 1280 and 375 px: nothing scrolls sideways; saved when YISHI_SCREENSHOTS is set."""
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/ratings_{name}_{width}.png", full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_poor_rating_is_followed_up_by_the_lead_and_counted_as_handled(
    page, live_server, applicant
):
    app = completed(applicant)
    boss = lead(app.matter.department)
    visit_due, due = followup_deadlines(timezone.localdate())

    # The applicant rates from the application's page.
    signed_in(page, live_server, applicant.user)
    page.goto(f"{page.base_url}/apply/my/{app.number}/")
    page.get_by_role("link", name="评价办结服务").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(app.matter.name)
    shoot(page, "rate_form")
    page.get_by_role("radio", name=re.compile("非常不满意")).check()
    page.get_by_role("button", name="提交评价").click()
    # A 差评 without a failed indicator is refused beside the field, nothing saved.
    expect(page.locator('[data-error="indicators"]')).to_contain_text("至少选择一项")
    assert not Rating.objects.exists()
    page.get_by_label("办事效率").check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价")).to_be_visible()
    expect(page.locator("[data-rated]")).to_contain_text("非常不满意")
    shoot(page, "rate_done")
    rating = Rating.objects.get()
    assert (rating.level, rating.failed_indicators, rating.source) == (1, ["办事效率"], "portal")

    # The lead sees the follow-up with its two limits and records both steps.
    staff_log_in(page, boss, "/workbench/ratings/")
    row = page.locator(f'[data-row="followup-{rating.followup.pk}"]')
    expect(row.locator("[data-visit-due]")).to_have_text(visit_due.isoformat())
    expect(row.locator("[data-due]")).to_have_text(due.isoformat())
    shoot(page, "followup_list")
    row.get_by_role("link").click()
    expect(page.locator("[data-visit-due]")).to_contain_text("5 个工作日")
    expect(page.locator("[data-due]")).to_contain_text("15 个工作日")
    page.get_by_label("回访核实情况").fill("已电话回访申请人，核实窗口告知不清。")
    page.get_by_role("button", name="保存回访").click()
    expect(page.locator("[data-status]").first).to_have_text("已回访")
    page.get_by_label("处理方式").select_option("immediate")
    page.get_by_label("整改措施或情况说明").fill("当场修订告知单并培训窗口人员。")
    page.get_by_role("button", name="保存整改").click()
    expect(page.locator("[data-status]").first).to_have_text("已整改")
    shoot(page, "followup_detail")
    f = FollowUp.objects.get()
    assert f.status == "rectified" and f.handled_on <= f.due_on

    # The public page counts it as followed up and rectified on time.
    page.goto(f"{page.base_url}/ratings/stats/")
    expect(page.locator('[data-figure="poor"]')).to_have_text("1")
    expect(page.locator('[data-figure="followed"]')).to_have_text("100%")
    expect(page.locator('[data-figure="on-time"]')).to_have_text("100%")
    dept_row = page.locator(f'[data-row="{app.matter.department.code}"]')
    expect(dept_row.locator('[data-label="已整改"]')).to_have_text("1")
    shoot(page, "stats")


def test_the_window_tablet_rates_the_ticket_without_signing_in(page):
    ticket = served_ticket()
    page.goto(f"{page.base_url}/ratings/tablet/{ticket.token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("请对本次服务作出评价")
    shoot(page, "tablet")
    page.get_by_role("radio", name=re.compile("^5")).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价")).to_be_visible()
    assert Rating.objects.get().source == "tablet"
    page.goto(f"{page.base_url}/hall/ticket/{ticket.token}/")
    expect(page.locator("[data-rate-ticket]")).to_have_attribute(
        "href", re.compile(f"/ratings/ticket/{ticket.token}/")
    )
