"""Done-when journey in a real Chromium: a window clerk handling a case clicks 报告数据问题 on
the company's registry record; a finding opens linked to the record and the case, and the
company's data officer sees it (the case number shown) on the governance page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from playwright.sync_api import expect

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.governance.support import governance_world
from tests.people.factories import CompanyAgentFactory, CompanyFactory
from tests.ratings.factories import submitted
from yishi.governance.models import Finding

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
SHOTS = os.environ.get("YISHI_SHOTS", "")


def _as(browser, base: str, user, width: int = 1280):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": 900}
    )
    login = Client()
    login.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": login.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _shoot(page, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (375, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@override_settings(STAFF_SECOND_FACTOR_REQUIRED=False)
def test_a_clerk_reports_wrong_company_data_in_one_click_and_the_data_officer_sees_it(
    browser, live_server
):
    w = governance_world(planted=False)
    applicant = ApplicantFactory()
    company = CompanyFactory()
    CompanyAgentFactory(company=company, person=applicant.person, verified=True)
    app = submitted(applicant, company=company)
    clerk = StaffFactory().user
    base = live_server.url

    ctx, page = _as(browser, base, clerk)
    page.goto(f"{base}/workbench/applications/{app.number}/")
    _shoot(page, "governance-case-report")
    page.locator('[data-report="company"]').click()
    page.wait_for_url(re.compile(rf"/workbench/applications/{app.number}/"))
    expect(page.locator("body")).to_contain_text("已报告数据问题")
    ctx.close()

    finding = Finding.objects.get()
    assert (finding.record_type, finding.record_id) == ("people.company", str(company.pk))
    assert finding.application_id == app.pk
    assert finding.owner == w.officer

    ctx, page = _as(browser, base, w.officer)
    page.goto(f"{base}/workbench/governance/")
    row = page.locator(f'[data-finding="{finding.pk}"]')
    expect(row).to_contain_text(app.number)
    row.get_by_role("link").click()
    expect(page.locator("[data-application]")).to_have_text(app.number)
    _shoot(page, "governance-finding")
    page.locator('[data-action="verify"]').click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "verified")
    ctx.close()
