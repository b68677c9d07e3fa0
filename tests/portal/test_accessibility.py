"""WCAG 2.1 AA over the applicant's pages (issue 19): axe-core, from npm, run in Chromium over
home, search results, a matter guide and its notice, the themes list and a theme, the map, the
hall list and a take-ticket page, sign-in, the account, my applications, benefits and the
care-mode home, at 1280 and 375 px — no serious or critical violation; no page scrolls
sideways at 375 px; at 640 px and below the 菜单 button reaches every navigation link; and a
keyboard alone goes from a search to a guide to applying.

PostgreSQL pass only (like the API fuzzing): `make test` runs it with DATABASE_URL=postgres…
The page's Content-Security-Policy would refuse the injected axe script, so this test's browser
context alone bypasses CSP (tests/core/test_csp.py checks the policy itself)."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, Resolver404, resolve
from playwright.sync_api import expect

from tests.browser_support import signed_in
from yishi.catalog.models import Matter
from yishi.hall.models import Outlet
from yishi.people.models import ApplicantAccount
from yishi.themes.models import Theme

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    # The flush after each transactional test empties the rows migrations seed (licence
    # types) that load_demo needs: tests/conftest.py puts them back before each such test.
    pytest.mark.django_db(transaction=True),
]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = [1280, 375]
PASSWORD = "a11y-演示-密码-9"
# WCAG 2.1 A and AA, and axe's best practices (landmarks, heading order, region …).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
NAV_LINKS = "#site-nav-list > li > a, #site-nav-list > li button"


@pytest.fixture
def demo(monkeypatch, settings):
    # PBKDF2's rounds cost about a second per account; the hash is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("YISHI_DEMO_PASSWORD", PASSWORD)
    call_command("load_demo", stdout=StringIO())


def demo_pages() -> list[tuple[str, str, bool]]:
    """(name, path, signed in) for every page the issue names, from the demo data."""
    guide = Matter.objects.filter(name__contains="出生").order_by("code").first()
    theme = Theme.objects.order_by("code").first()
    outlet = Outlet.objects.filter(is_active=True).order_by("code").first()
    assert guide and theme and outlet, "load_demo made no matter, theme or outlet"
    code = guide.code
    return [
        ("home", "/", False),
        ("search", "/matters/?q=出生", False),
        ("guide", f"/matters/{code}/", False),
        ("notice", f"/matters/{code}/notice/", False),
        ("themes", "/themes/", False),
        ("theme", f"/themes/{theme.code}/", False),
        ("map", "/map/", False),
        ("hall", "/hall/", False),
        ("take-ticket", f"/hall/{outlet.code}/take/", False),
        ("sign-in", "/account/login/", False),
        ("account", "/account/", True),
        ("my-applications", "/apply/my/", True),
        ("benefits", "/account/policies/", True),
        ("care-home", "/", False),  # opened in care mode below
    ]


def route_exists(path: str) -> bool:
    try:
        resolve(path.split("?")[0])
    except (Resolver404, NoReverseMatch):
        return False
    return True


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})""",
        AXE_TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:6]]
        lines.append(
            f"  {v['id']} ({v['impact']}): {v['help']} — {json.dumps(targets, ensure_ascii=False)}"
        )
    return "\n".join(lines)


@pytest.fixture
def a11y_page(browser, live_server):
    """A page whose context bypasses CSP, so axe can be injected."""
    assert AXE.exists(), f"axe-core missing at {AXE}: run `npm ci`"
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.base_url = live_server.url
    yield pg
    context.close()


def set_care(page, on: bool) -> None:
    page.context.add_cookies(
        [{"name": "yishi_care", "value": "1" if on else "0", "url": page.base_url}]
    )
    page.goto(page.base_url + "/account/login/")
    page.evaluate(f"localStorage.setItem('yishi-care', '{1 if on else 0}')")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_named_page_has_no_serious_axe_violation_and_fits_the_screen(
    a11y_page, live_server, demo, width
):
    page = a11y_page
    page.set_viewport_size({"width": width, "height": 900})
    account = ApplicantAccount.objects.select_related("user").order_by("pk").first()
    failures, missing = [], []
    for name, path, needs_user in demo_pages():
        if not route_exists(path):
            missing.append(path)
            failures.append(f"{name} {path}: no such page yet")
            continue
        if needs_user:
            signed_in(page, live_server, account.user)
        set_care(page, name == "care-home")
        response = page.goto(page.base_url + path)
        if response is None or response.status >= 400:
            failures.append(f"{name} {path}: HTTP {response and response.status}")
            continue
        landed = page.evaluate("location.pathname")
        if landed != path.split("?")[0]:
            failures.append(f"{name} {path}: redirected to {landed}")
            continue
        if name == "care-home":
            assert page.evaluate("document.documentElement.classList.contains('care')")
        violations = run_axe(page)
        if violations:
            failures.append(f"{name} {path} at {width} px:\n{describe(violations)}")
        if width <= 375:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                failures.append(f"{name} {path}: scrolls sideways ({scroll} px > {width} px)")
    if missing:
        print("pages not there yet:", missing)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("care", [False, True])
def test_phone_menu_button_reaches_every_navigation_link(a11y_page, live_server, demo, care):
    page = a11y_page
    account = ApplicantAccount.objects.select_related("user").order_by("pk").first()
    signed_in(page, live_server, account.user)
    set_care(page, care)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base_url + "/")
    wide = page.locator(NAV_LINKS)
    names = [wide.nth(n).inner_text().strip() for n in range(wide.count())]
    assert {"首页", "服务地图", "我的申请", "退出"} <= set(names)

    for width in (640, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(page.base_url + "/")
        menu = page.get_by_role("button", name="菜单")
        expect(menu).to_be_visible()
        expect(page.locator(NAV_LINKS).first).to_be_hidden()
        menu.focus()
        page.keyboard.press("Enter")
        expect(menu).to_have_attribute("aria-expanded", "true")
        items = page.locator(NAV_LINKS)
        assert [items.nth(n).inner_text().strip() for n in range(items.count())] == names
        # Each link comes next on Tab, in order, and is inside the screen.
        for n in range(items.count()):
            page.keyboard.press("Tab")
            expect(items.nth(n)).to_be_focused()
            box = items.nth(n).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, names[n]
            assert box["height"] >= 44, names[n]


def test_keyboard_alone_goes_from_search_to_guide_to_apply(a11y_page, demo):
    page = a11y_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base_url + "/")

    def tab_to(locator, limit=80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if locator.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"Tab never reached {locator}")

    search = page.get_by_role("searchbox").first
    tab_to(search)
    page.keyboard.type("出生")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/matters/\?"))
    first = page.locator(".matter-card__link").first
    tab_to(first, limit=200)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/matters/[^/?]+/$"))
    apply = page.get_by_role("link", name="在线办理")
    tab_to(apply)
    page.keyboard.press("Enter")
    # Signed out, applying asks to sign in first; the sign-in page keeps where to go next.
    page.wait_for_url(re.compile(r"/(apply/|account/login/)"))
    if "/account/login/" in page.url:
        assert "next=" in page.url
        expect(page.get_by_role("heading", level=1)).to_be_visible()
