"""Done-when journey in a real Chromium: a company's agent goes from its company space to
企业一类事, ticks the modules it needs (the single matter left out, the bank offer added),
reads the one notice, fills the one form (the shared phone asked once, refused until it is a
mobile number), starts the package and follows everything it started in one view; then it
shares its data with the bank for the offer, which the bank's account then sees."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser_support import context_as, shoot
from tests.enterprise.support import package_world
from yishi.enterprise.models import PackageRun

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@override_settings(STAFF_SECOND_FACTOR_REQUIRED=False)
def test_a_company_picks_modules_starts_a_package_and_tracks_it(browser, live_server):
    w = package_world()
    base = live_server.url
    ctx, page = context_as(browser, base, w.agent.user)
    page.goto(f"{base}/account/policies/company/?company={w.company.uscc}")
    page.locator("[data-enterprise-links]").get_by_role("link", name="企业一类事").click()
    page.wait_for_url(re.compile(r"/enterprise/"))
    page.get_by_role("link", name=w.package.name).click()
    page.wait_for_url(re.compile(r"/enterprise/p/"))
    # Tick: leave the single matter out, add the bank's offer.
    page.get_by_label("首次申领发票").uncheck()
    page.get_by_label("开户预约").check()
    page.get_by_role("button", name="更新告知单").click()
    notice = page.locator('[data-list="notice"]')
    expect(notice.locator("[data-notice-module]")).to_have_count(3)
    expect(notice).not_to_contain_text("首次申领发票")
    expect(notice).to_contain_text("符合申报条件")
    expect(page.locator('[data-material="business_licence"]')).to_have_count(1)
    expect(page.locator('[data-field="contact_phone"]')).to_have_count(1)
    expect(page.locator('[data-field="contact_phone"]')).to_contain_text("共用，只填一次")
    expect(page.get_by_label("企业名称")).to_have_value(w.company.name)
    shoot(page, "enterprise-package")
    page.get_by_label("联系电话").fill("12345")
    page.get_by_label("招用人数（人）").fill("3")
    page.get_by_label("经营场所").fill("太和镇示范街 1 号")
    page.get_by_label("补贴拨付银行账号").fill("6222020200112233445")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator('[data-field="contact_phone"] [role="alert"]')).to_contain_text("联系电话")
    assert PackageRun.objects.count() == 0
    page.get_by_label("联系电话").fill("13800138000")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/enterprise/runs/\d+/$"))
    track = page.locator('[data-list="track"]')
    expect(track.locator("[data-track]")).to_have_count(3)
    expect(track.locator('[data-track="theme"] [data-state]')).to_have_text("已提交")
    expect(track.locator('[data-track="policy"] [data-state]')).to_have_text("待受理")
    expect(track.locator('[data-track="offer"] [data-state]')).to_contain_text("待共享企业信息")
    shoot(page, "enterprise-run")
    run = PackageRun.objects.get()
    assert {i.module_id for i in run.items.all()} == {w.m_theme.pk, w.m_policy.pk, w.m_offer.pk}

    # Share with the bank for the offer: the bank's account then sees the company's request.
    track.locator('[data-track="offer"]').get_by_role("link").click()
    page.get_by_label("经办人及联系电话").check()
    page.get_by_role("button", name="授权共享").click()
    expect(page.locator("[data-consent]")).to_have_attribute("data-consent", "granted")
    bctx, bank = context_as(browser, base, w.provider_user)
    bank.goto(f"{base}/providers/")
    expect(bank.locator('[data-list="provider-requests"]')).to_contain_text(w.company.name)
    shoot(bank, "enterprise-provider-inbox")
    for c in (ctx, bctx):
        c.close()
