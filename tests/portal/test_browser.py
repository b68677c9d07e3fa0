"""Applicant journeys in a real Chromium against the live server."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pdf_text(data: bytes) -> str:
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return "".join(text.replace("\x00", "").split())


def test_guide_journey(page, birth_matters):
    page.goto(page.base_url + "/")
    box = page.get_by_role("searchbox", name="搜索一件事、事项和政策")
    box.fill("xsecs")
    box.press("Enter")

    page.wait_for_url(re.compile(r"/matters/\?q=xsecs"))
    expect(page.get_by_role("heading", name=re.compile("共找到"))).to_contain_text(
        "共找到 2 个事项"
    )
    results = page.locator(".matter-card__link")
    expect(results).to_have_count(2)
    page.get_by_role("link", name="出生登记", exact=True).click()

    page.wait_for_url(re.compile(r"/matters/QR00102000-420702-LZH-GAJ/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("出生登记")
    rows = page.locator("table.materials tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("出生医学证明")
    expect(rows.nth(0)).to_contain_text("免提交（电子证照/部门共享获取）")
    expect(rows.nth(1)).to_contain_text("监护人居民户口簿")
    expect(rows.nth(1)).to_contain_text("原件和复印件")
    limits = page.locator("#limits")
    expect(limits).to_contain_text("承诺办结时限")
    expect(limits).to_contain_text("承诺 3 个工作日")
    expect(limits).to_contain_text("法定 20 个工作日")


def test_notice_pdf(page, birth_matters):
    matter = birth_matters["registration"]
    page.goto(f"{page.base_url}/matters/{matter.code}/")
    link = page.get_by_role("link", name="下载告知单 PDF").first
    href = link.get_attribute("href")
    assert href == f"/matters/{matter.code}/notice.pdf"

    response = page.request.get(page.base_url + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    text = _pdf_text(body)
    assert "出生登记" in text
    assert "监护人居民户口簿" in text


def test_notice_page_prints_without_navigation(page, birth_matters):
    matter = birth_matters["registration"]
    page.goto(f"{page.base_url}/matters/{matter.code}/")
    page.get_by_role("link", name="打印一次性告知单").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("一次性告知单")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="打印本告知单")).to_be_hidden()
    expect(page.locator(".notice__table tbody tr")).to_have_count(4)


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_mobile_width(page, birth_matters):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(page.base_url + "/")
    assert _overflow(page) <= 375
    box = page.get_by_role("searchbox", name="搜索一件事、事项和政策")
    expect(box).to_be_visible()
    width = box.bounding_box()["width"]
    assert width >= 200
    box.click()
    box.fill("出生登记")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_role("heading", name=re.compile("共找到"))).to_be_visible()
    expect(page.locator(".matter-card__link").first).to_have_text("出生登记")
    assert _overflow(page) <= 375

    page.goto(f"{page.base_url}/matters/{birth_matters['registration'].code}/")
    assert _overflow(page) <= 375
    page.goto(f"{page.base_url}/matters/{birth_matters['registration'].code}/notice/")
    assert _overflow(page) <= 375


def test_large_text_mode_is_remembered(page, birth_matters):
    page.goto(page.base_url + "/")
    toggle = page.get_by_role("button", name=re.compile("大字模式"))
    expect(toggle).to_have_attribute("aria-pressed", "false")
    before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.goto(f"{page.base_url}/matters/{birth_matters['registration'].code}/")
    after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert after == before * 1.25
