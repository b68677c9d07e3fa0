"""Done-when journey in a real Chromium: a window clerk handling a case clicks 报告数据问题 on
the company's registry record; a finding opens linked to the record and the case, and the
company's data officer sees it (the case number shown) on the governance page."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser_support import context_as, shoot
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

    ctx, page = context_as(browser, base, clerk)
    page.goto(f"{base}/workbench/applications/{app.number}/")
    shoot(page, "governance-case-report")
    page.locator('[data-report="company"]').click()
    page.wait_for_url(re.compile(rf"/workbench/applications/{app.number}/"))
    expect(page.locator("body")).to_contain_text("已报告数据问题")
    ctx.close()

    finding = Finding.objects.get()
    assert (finding.record_type, finding.record_id) == ("people.company", str(company.pk))
    assert finding.application_id == app.pk
    assert finding.owner == w.officer

    ctx, page = context_as(browser, base, w.officer)
    page.goto(f"{base}/workbench/governance/")
    row = page.locator(f'[data-finding="{finding.pk}"]')
    expect(row).to_contain_text(app.number)
    row.get_by_role("link").click()
    expect(page.locator("[data-application]")).to_have_text(app.number)
    shoot(page, "governance-finding")
    page.locator('[data-action="verify"]').click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "verified")
    ctx.close()
