"""An agent of a demo company logs in in a real Chromium and opens the company space: it shows
the policies the company qualifies for and those it nearly qualifies for, with the missing
conditions named."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.people.accounts_support import PASSWORD, ApplicantAccountFactory
from tests.people.factories import CompanyAgentFactory
from tests.policies.factories import CompanyFactory, seed_demo_policies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_company_space_shows_matched_and_nearly_matched_policies(page):
    seed_demo_policies()
    company = CompanyFactory(
        name="鄂州市梁子湖区示范农产品有限公司",
        size_class="micro",
        employees=2,
        tax_credit_grade="B",
        registration_date=timezone.localdate() - dt.timedelta(days=400),
    )
    account = ApplicantAccountFactory()
    CompanyAgentFactory(company=company, person=account.person, legal_rep=True, verified=True)

    page.goto(page.base_url + "/account/policies/company/")
    page.wait_for_url(re.compile(r"/account/login/\?next="))
    page.get_by_label("手机号码").fill(account.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(re.compile(r"/account/policies/company/$"))

    expect(page.get_by_role("heading", level=1)).to_contain_text(company.name)
    eligible = page.locator('[data-list="eligible"]')
    expect(eligible.locator("[data-policy]")).to_have_count(2)
    expect(eligible.locator('[data-policy="job-stabilisation-refund"]')).to_contain_text("稳岗返还")
    expect(eligible.locator('[data-policy="key-groups-tax-relief"]')).to_contain_text(
        "招用重点群体税费减免"
    )

    near = page.locator('[data-list="near"] [data-policy="micro-startup-subsidy"]')
    expect(near).to_contain_text("小微企业创业补贴")
    expect(near).to_contain_text("还差 1 项条件")
    expect(near.locator("[data-missing] li")).to_have_text(
        ["尚不满足：从业人数需达到 3（目前为 2）"]
    )

    # The explanation of a match opens on demand.
    eligible.locator('[data-policy="job-stabilisation-refund"] summary').click()
    expect(
        eligible.locator('[data-policy="job-stabilisation-refund"] details li').first
    ).to_contain_text("✓")
