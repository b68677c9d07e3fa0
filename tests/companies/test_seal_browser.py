"""The journey in a real Chromium: the legal representative scans the company's code, sees
the company page with its sections, applies for the e-seal, confirms it, signs a contract and
downloads the signed PDF, which verifies offline against the published keys (gmssl). The
pages fit a 375 px phone without sideways scrolling."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser_support import signed_in
from tests.companies.support import company_world, gmssl_verify, signature_of
from yishi.companies.models import SealedDocument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_legal_representative_signs_a_contract_that_verifies_offline(
    page, live_server, tmp_path
):
    w = company_world()
    signed_in(page, live_server, w.rep.user)
    page.goto(f"{live_server.url}/companies/{w.company.uscc}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(w.company.name)
    expect(page.locator('[data-field="uscc"]')).to_have_text(w.company.uscc)
    expect(page.locator('[data-section="grants"]')).to_be_visible()
    for width in (1280, 375):
        _fits(page, width)
        page.screenshot(path=str(tmp_path / f"company-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator("[data-seal-link]").click()
    page.locator('[data-action="apply"]').click()
    expect(page.get_by_role("status").first).to_contain_text("待法定代表人确认")
    page.locator('[data-action="confirm"]').click()
    expect(page.locator("[data-seal-state]")).to_have_attribute("data-seal-state", "active")
    page.get_by_label("文书类别").select_option("contract")
    page.get_by_label("标题").fill("场地租赁合同")
    page.get_by_label("正文").fill("甲方将场地租予乙方，租期一年。")
    page.locator('[data-action="sign"]').click()
    expect(page.locator('[data-list="documents"]')).to_contain_text("场地租赁合同")
    for width in (1280, 375):
        _fits(page, width)
        page.screenshot(path=str(tmp_path / f"seal-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as info:
        page.get_by_role("link", name="下载签章 PDF").click()
    info.value.save_as(tmp_path / "signed.pdf")
    pdf = (tmp_path / "signed.pdf").read_bytes()
    sig = signature_of(pdf)
    seals = page.request.get(f"{live_server.url}/api/v1/seals").json()["items"]
    key = next(s for s in seals if s["id"] == sig["seal_id"])
    assert key["kind"] == "company" and not key["revoked"]
    assert gmssl_verify(key["public_key"], sig["signature"], sig["data"].encode("utf-8"))
    assert json.loads(sig["data"])["title"] == "场地租赁合同"
    assert SealedDocument.objects.get().company == w.company
