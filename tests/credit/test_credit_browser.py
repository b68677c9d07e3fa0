"""In Chromium: window staff accept an application on a commitment with one material missing,
see it on the commitment list with its countdown, and register the material when it arrives."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import staff_log_in
from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.credit.factories import make_commitment_theme, submit
from yishi.cases.models import Application
from yishi.credit.models import Commitment, CreditRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_window_staff_accept_on_a_commitment_and_register_the_material(page):
    chain = make_commitment_theme()
    applicant = ApplicantFactory()
    application = submit(chain, applicant)
    window = StaffFactory()

    path = f"/workbench/credit/applications/{application.number}/accept/"
    staff_log_in(page, window, path)
    page.get_by_label(re.compile("经营场所证明")).check()
    page.get_by_label(re.compile("确认签署")).check()
    page.locator('button[data-action="accept-commitment"]').click()
    expect(page.get_by_role("status")).to_contain_text(f"申请 {application.number} 已按承诺受理")
    expect(page.locator("[data-verify]")).to_contain_text("签名有效")
    commitment = Commitment.objects.get()
    assert commitment.status == Commitment.Status.ACTIVE
    assert Application.objects.get(pk=application.pk).status == Application.Status.ACCEPTED

    page.goto(f"{page.base_url}/workbench/credit/")
    row = page.locator("table[data-list=commitment-items] tbody tr", has_text=application.number)
    expect(row).to_contain_text("剩 5 个工作日")
    row.locator('button[data-action="fulfil"]').click()
    expect(page.get_by_role("status")).to_contain_text("已登记补交「经营场所证明」")
    expect(page.locator("[data-status]").first).to_have_text("已履行")
    assert CreditRecord.objects.get().kind == CreditRecord.Kind.KEPT
