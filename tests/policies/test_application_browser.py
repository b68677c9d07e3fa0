"""Done-when journey in a real Chromium: a company's agent finds the 即申即享 policy in its
company space, reads the eligibility explanation and the FAQ, applies with the prefilled form;
the window clerk accepts it, the department's reviewer approves it (the amount follows the
band), and the policy officer records the payment; the company then sees it paid."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser_support import context_as, shoot
from tests.policies.factories import application_world
from yishi.policies.models import PolicyApplication

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@override_settings(STAFF_SECOND_FACTOR_REQUIRED=False)
def test_a_company_applies_staff_approve_at_the_band_and_the_payment_is_recorded(
    browser, live_server
):
    w = application_world()
    base = live_server.url

    # The company's agent: 可申报 in the company space → the policy page → apply.
    ctx, page = context_as(browser, base, w.agent.user)
    page.goto(f"{base}/account/policies/company/?company={w.company.uscc}")
    row = page.locator(f'[data-list="apply"] [data-policy="{w.policy.code}"]')
    expect(row).to_contain_text("可申报")
    shoot(page, "policy-company-space")
    row.get_by_role("link", name="去申报").click()
    page.wait_for_url(re.compile(r"/account/policies/p/"))
    expect(page.locator("[data-eligibility]")).to_have_attribute("data-eligibility", "eligible")
    expect(page.locator("[data-conditions] li").first).to_contain_text("✓")
    page.get_by_text("哪些人员属于就业困难人员？").click()
    expect(page.locator('[data-list="faq"]')).to_contain_text("认定信息由人社部门共享")
    expect(page.get_by_label("单位名称")).to_have_value(w.company.name)
    expect(page.get_by_label("统一社会信用代码")).to_have_value(w.company.uscc)
    expect(page.locator('[data-list="materials"] [data-how="licence"]')).to_contain_text(
        "已调取电子证照"
    )
    page.get_by_label("招用就业困难人员人数").fill("3")
    page.get_by_label("补贴拨付银行账号").fill("6222020200112233445")
    shoot(page, "policy-apply")
    page.get_by_role("button", name="提交申报").click()
    page.wait_for_url(re.compile(r"/account/policies/applications/\d+/$"))
    expect(page.locator("[data-state]")).to_have_text("待受理")
    pa = PolicyApplication.objects.get()

    # The window accepts, the department's reviewer approves: the band's amount.
    staff_url = f"{base}/workbench/policies/applications/{pa.pk}/"
    cctx, clerk = context_as(browser, base, w.clerk.user)
    clerk.goto(staff_url)
    clerk.get_by_role("button", name="受理").click()
    expect(clerk.locator("[data-state]")).to_have_text("审核中")
    rctx, reviewer = context_as(browser, base, w.reviewer.user)
    reviewer.goto(staff_url)
    reviewer.get_by_role("button", name="准予并按档次核定金额").click()
    expect(reviewer.locator("[data-amount]")).to_have_text("3000.00 元（小微企业）")

    # The policy officer sees the committed amount on the policy and records the payment.
    octx, officer = context_as(browser, base, w.officer.user)
    officer.goto(f"{base}/workbench/policies/{w.policy.code}/")
    expect(officer.locator('[data-figure="committed"]')).to_contain_text("3000.00 元")
    expect(officer.locator('[data-figure="unpaid"]')).to_contain_text("3000.00 元")
    officer.get_by_role("link", name=w.company.name).click()
    officer.get_by_label("支付凭证号").fill("ZF20261207001")
    shoot(officer, "policy-staff-application")
    officer.get_by_role("button", name="登记兑现").click()
    expect(officer.locator("[data-state]")).to_have_text("已兑现")
    officer.goto(f"{base}/workbench/policies/{w.policy.code}/")
    expect(officer.locator('[data-figure="paid"]')).to_contain_text("1 件 · 3000.00 元")
    shoot(officer, "policy-detail-applications")

    # The company sees it paid.
    page.reload()
    expect(page.locator("[data-state]")).to_have_text("已兑现")
    expect(page.locator("[data-paid]")).to_contain_text("ZF20261207001")
    shoot(page, "policy-application-paid")
    for c in (ctx, cctx, rctx, octx):
        c.close()
