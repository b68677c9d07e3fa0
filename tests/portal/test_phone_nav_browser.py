"""In Chromium, on a 375 px phone: the 菜单 button opens a vertical list with every navigation
link the 1280 px bar shows, each inside the screen and clickable, nothing scrolling sideways —
for a visitor, a signed-in applicant and window staff. 我的申请 is one tap away from the menu,
the home page and the account page.

YISHI_SCREENSHOTS=<dir> saves the pages looked at, at 375 and 1280 px, for a person to check."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_support import signed_in, staff_log_in
from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from yishi.cases.models import Application
from yishi.cases.services import application_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
NAV_ITEMS = "#site-nav-list > li > a, #site-nav-list > li button"


def shoot(page, name: str) -> None:
    folder = os.environ.get("YISHI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)


def nav_names(page) -> list[str]:
    items = page.locator(NAV_ITEMS)
    return [items.nth(n).inner_text().strip() for n in range(items.count())]


def assert_wide_bar_shows_every_link(page) -> list[str]:
    """At 1280 px there is no 菜单 button: every link is on the bar, on screen."""
    page.set_viewport_size(DESKTOP)
    expect(page.get_by_role("button", name="菜单")).to_be_hidden()
    items = page.locator(NAV_ITEMS)
    for n in range(items.count()):
        expect(items.nth(n)).to_be_visible()
        box = items.nth(n).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"]
    return nav_names(page)


def assert_phone_menu_reaches(page, expected: list[str]) -> None:
    """At 375 px the links are behind the 菜单 button; opened, each is a full row on screen."""
    page.set_viewport_size(PHONE)
    menu = page.get_by_role("button", name="菜单")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_attribute("aria-controls", "site-nav-list")
    expect(page.locator("#site-nav-list")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    assert nav_names(page) == expected
    items = page.locator(NAV_ITEMS)
    for n in range(items.count()):
        item = items.nth(n)
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], expected[n]
        assert box["height"] >= 44, expected[n]  # a finger-sized target
        item.click(trial=True)  # nothing covers it: a real tap would land on it
    # One column, top to bottom: no link beside another.
    tops = [items.nth(n).bounding_box()["y"] for n in range(items.count())]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Escape closes it again and gives the focus back to the button.
    items.first.focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(page.locator("#site-nav-list")).to_be_hidden()


def test_a_visitor_on_a_phone_reaches_every_navigation_link_through_the_menu(page):
    page.set_viewport_size(DESKTOP)
    page.goto(page.base_url + "/")
    wide = assert_wide_bar_shows_every_link(page)
    assert wide == [
        "首页",
        "一件事一次办",
        "个人办事",
        "法人办事",
        "事项查询",
        "取号预约",
        "服务地图",
        "登录/注册",
    ]
    shoot(page, "home-visitor")

    assert_phone_menu_reaches(page, wide)
    shoot(page, "home-visitor")

    page.get_by_role("button", name="菜单").click()
    page.get_by_role("link", name="登录/注册").click()
    page.wait_for_url(re.compile(r"/account/login/$"))


def test_a_signed_in_applicant_reaches_my_applications_from_menu_home_and_account(
    page, live_server, applicant
):
    chain = make_chain_theme()
    application_submit(
        user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    Application.objects.create(
        number="D-PHONE-1", applicant=applicant.user, person=applicant.person, theme=chain["theme"]
    )
    signed_in(page, live_server, applicant.user)

    page.set_viewport_size(DESKTOP)
    page.goto(page.base_url + "/")
    wide = assert_wide_bar_shows_every_link(page)
    assert wide[-3:] == ["我的申请", "我的账号", "退出"]
    # The home page's card: one application under way, one draft.
    card = page.locator("[data-my-applications]")
    expect(card.locator("[data-count=open]")).to_have_text("1")
    expect(card.locator("[data-count=drafts]")).to_have_text("1")
    shoot(page, "home-applicant")

    assert_phone_menu_reaches(page, wide)
    shoot(page, "home-applicant")

    # From the menu …
    page.get_by_role("button", name="菜单").click()
    page.locator("#site-nav-list").get_by_role("link", name="我的申请").click()
    page.wait_for_url(re.compile(r"/apply/my/$"))
    expect(page.locator("#site-nav-list a[aria-current=page]")).to_have_text("我的申请")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "my-applications")

    # … from the home page …
    page.goto(page.base_url + "/")
    page.locator("[data-my-applications]").get_by_role("link", name="查看我的申请").click()
    page.wait_for_url(re.compile(r"/apply/my/$"))

    # … and from the account page, itself one tap from the menu.
    page.get_by_role("button", name="菜单").click()
    page.locator("#site-nav-list").get_by_role("link", name="我的账号").click()
    page.wait_for_url(re.compile(r"/account/$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "account")
    page.locator("main").get_by_role("link", name="我的申请").click()
    page.wait_for_url(re.compile(r"/apply/my/$"))

    page.set_viewport_size(DESKTOP)
    for path, name in (("/account/", "account"), ("/apply/my/", "my-applications")):
        page.goto(page.base_url + path)
        shoot(page, name)

    # 退出 in the menu signs out: the menu then offers 登录/注册.
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="菜单").click()
    page.locator("#site-nav-list").get_by_role("button", name="退出").click()
    page.get_by_role("button", name="菜单").click()
    expect(page.locator("#site-nav-list").get_by_role("link", name="登录/注册")).to_be_visible()


def test_window_staff_on_a_phone_reach_the_navigation_on_an_application_page(page):
    chain = make_chain_theme()
    application = application_submit(
        user=ApplicantFactory().user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    staff_log_in(page, StaffFactory(), f"/workbench/applications/{application.number}/")
    wide = assert_wide_bar_shows_every_link(page)
    shoot(page, "workbench-application")

    assert_phone_menu_reaches(page, wide)
    # The 补正 and 不予受理 forms fit the phone too.
    expect(page.locator('button[data-action="refuse"]')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "workbench-application")
