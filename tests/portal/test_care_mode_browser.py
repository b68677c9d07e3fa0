"""关怀版 (care mode) in Chromium: the header's toggle button (aria-pressed) turns it on; body
text is then at least 20 px, every button and link of the header, the navigation, the care bar
and the main content's controls and lists is at least 48 px high; 朗读本页 reads the main text
in Chinese through the browser's speech synthesis, 停止朗读 stops it, and a browser without
speech synthesis gets a message; the hotline and help are one tap away; the mode is remembered
across pages (and rendered by the server from its cookie); turned off, the page is as before.

YISHI_SCREENSHOTS=<dir> saves the home page and a guide in care mode at 1280 and 375 px."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records what the page asks the speech synthesis to say (Chromium in CI has no voices).
SPEECH_STUB = """
window.__spoken = [];
window.__cancelled = 0;
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
  speak: function (u) { window.__spoken.push({text: u.text, lang: u.lang}); },
  cancel: function () { window.__cancelled += 1; },
  getVoices: function () { return [{lang: "zh-CN", name: "stub"}]; },
}});
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
"""
NO_SPEECH = """
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: undefined});
window.SpeechSynthesisUtterance = undefined;
"""
# What a finger must hit: controls and list links in the header, navigation, care bar and
# main content (links inside running text are excluded, as WCAG 2.5.5 does).
TARGETS = """
() => [...document.querySelectorAll(
  "header button, header a, nav a, nav button, .care-bar a, .care-bar button, " +
  "main .btn, main button, main summary, main input:not([type=hidden]):not([type=checkbox])" +
  ":not([type=radio]), main select, main li > a"
)].filter(el => el.offsetParent !== null && !el.closest(".breadcrumb"))
  .map(el => ({name: (el.innerText || el.value || el.name || "").trim().slice(0, 30),
               height: el.getBoundingClientRect().height}))
"""


def body_px(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")


def in_care_mode(page) -> bool:
    return page.evaluate("document.documentElement.classList.contains('care')")


def shoot(page, name: str) -> None:
    folder = os.environ.get("YISHI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=f"{folder}/care_{name}_{page.viewport_size['width']}.png", full_page=True
        )


def test_care_mode_is_large_reachable_read_aloud_and_remembered(page, birth_matters):
    page.add_init_script(SPEECH_STUB)
    guide = f"{page.base_url}/matters/{birth_matters['registration'].code}/"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base_url + "/")
    toggle = page.get_by_role("button", name=re.compile("关怀版"))
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("button", name="朗读本页")).to_be_hidden()
    before = body_px(page)

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert body_px(page) >= 20
    read = page.get_by_role("button", name="朗读本页")
    expect(read).to_be_visible()
    expect(page.get_by_role("button", name="停止朗读")).to_be_visible()
    expect(page.get_by_role("link", name="求助热线 12345")).to_have_attribute("href", "tel:12345")
    expect(page.get_by_role("link", name=re.compile("帮办"))).to_have_attribute("href", "/hall/")

    # Remembered: the next page comes from the server already in care mode.
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in (("home", page.base_url + "/"), ("guide", guide)):
            page.goto(url)
            assert in_care_mode(page), url
            assert body_px(page) >= 20, url
            small = [t for t in page.evaluate(TARGETS) if t["height"] < 48]
            assert not small, f"{url} at {width} px: targets under 48 px: {small}"
            assert page.evaluate("document.documentElement.scrollWidth") <= width, url
            shoot(page, name)
    html = page.request.get(guide).text()
    assert '<html lang="zh-CN" class="care large-text">' in html
    expect(page.get_by_role("button", name=re.compile("关怀版"))).to_have_attribute(
        "aria-pressed", "true"
    )

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(guide)
    page.get_by_role("button", name="朗读本页").click()
    spoken = page.evaluate("window.__spoken")
    assert spoken and all(s["lang"] == "zh-CN" for s in spoken)
    said = "".join(s["text"] for s in spoken)
    assert birth_matters["registration"].name in said
    assert "朗读本页" not in said  # the main text only, not the tool bar
    expect(page.get_by_role("status")).to_have_text(re.compile("正在朗读"))
    page.get_by_role("button", name="停止朗读").click()
    assert page.evaluate("window.__cancelled") >= 2
    expect(page.get_by_role("status")).to_have_text("已停止朗读。")

    # Off again: as before, on this page and the next.
    page.get_by_role("button", name=re.compile("关怀版")).click()
    assert not in_care_mode(page)
    page.goto(page.base_url + "/")
    assert not in_care_mode(page)
    assert body_px(page) == before
    expect(page.get_by_role("button", name="朗读本页")).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile("关怀版"))).to_have_attribute(
        "aria-pressed", "false"
    )


def test_read_aloud_without_speech_synthesis_says_so(page, birth_matters):
    page.add_init_script(NO_SPEECH)
    page.goto(page.base_url + "/")
    page.get_by_role("button", name=re.compile("关怀版")).click()
    page.get_by_role("button", name="朗读本页").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("不支持朗读.*12345"))
