"""The 一件事 journey in a real Chromium against the live server: theme list → theme page →
answer the tailoring question → the tailored one-time notice."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.portal.birth_theme import make_birth_theme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def test_newborn_journey_without_social_card(page):
    make_birth_theme()
    page.goto(page.base_url + "/themes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("一件事一次办")
    card = page.locator(".theme-card", has_text="新生儿出生")
    expect(card).to_contain_text("少交 5 份材料 · 少跑 2 次 · 最快 13 个工作日")
    card.get_by_role("link", name="新生儿出生").click()

    page.wait_for_url(re.compile(r"/themes/newborn/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("新生儿出生")
    steps = page.locator(".flow__step")
    expect(steps).to_have_count(3)
    expect(steps.nth(2).locator(".flow__node")).to_have_count(2)

    question = page.get_by_role("group", name="是否需要办理社会保障卡")
    expect(question.get_by_role("radio", name="是")).to_be_checked()
    question.get_by_role("radio", name="否").check()
    page.get_by_role("button", name="生成一次性告知单").click()

    page.wait_for_url(re.compile(r"/themes/newborn/notice/\?social_card=no$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("一次性告知单")
    notice = page.locator("article.notice")
    expect(notice).to_contain_text("是否需要办理社会保障卡")
    expect(notice).not_to_contain_text("社会保障卡申领")
    expect(notice.locator("#n-matters ~ table tbody tr")).to_have_count(3)
    names = notice.locator(".material-line th").all_inner_texts()
    assert [n.split("（")[0].strip() for n in names] == [
        "母亲居民身份证",
        "父亲居民身份证",
        "结婚证",
        "出生医学证明",
        "监护人居民户口簿",
        "父母双方居民身份证",
        "非婚生育说明",
    ]
    produced = notice.locator(".material-line", has_text="出生医学证明").filter(
        has_text="本主题内办理生成"
    )
    expect(produced).to_have_count(1)
    expect(page.get_by_role("radio", name="否")).to_be_checked()

    pdf = page.get_by_role("link", name="下载 PDF")
    expect(pdf).to_have_attribute("href", "/themes/newborn/notice.pdf?social_card=no")


def test_theme_pages_fit_a_375_px_phone(page):
    make_birth_theme()
    page.set_viewport_size({"width": 375, "height": 800})
    for path in [
        "/",
        "/themes/",
        "/themes/newborn/",
        "/themes/newborn/notice/?social_card=yes",
        "/themes/newborn/notice/?social_card=maybe",
    ]:
        page.goto(page.base_url + path)
        assert page.evaluate(NO_OVERFLOW), path
    # 大字模式 as well
    page.get_by_role("button", name=re.compile("大字模式")).click()
    for path in ["/themes/", "/themes/newborn/", "/themes/newborn/notice/"]:
        page.goto(page.base_url + path)
        assert page.evaluate("document.documentElement.classList.contains('large-text')")
        assert page.evaluate(NO_OVERFLOW), path
