"""The service map in a real Chromium with the tile server unreachable: every demo outlet as a
marker and in the list, a marker's card with its buttons and 待核实, layer toggles, no CSP
violation, no sideways scrolling at 1280 and 375 px."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from yishi.hall.demo import DISTRICT_CODE, load_hall_demo
from yishi.hall.models import Outlet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots for a person to look at (/tmp/map_*.png on Linux).
SHOTS = Path(tempfile.gettempdir())
TILES = re.compile(r"^https?://([a-z0-9-]+\.)*(openstreetmap\.org|tianditu\.gov\.cn)/")


@pytest.fixture
def demo():
    load_hall_demo()
    return list(Outlet.objects.order_by("code"))


@pytest.fixture
def watched(page):
    """The page with tile requests aborted, counting them, and its console problems."""
    seen = {"tiles": 0, "csp": [], "errors": []}

    def abort(route):
        seen["tiles"] += 1
        route.abort()

    page.route(TILES, abort)
    page.on(
        "console",
        lambda m: seen["csp"].append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.seen = seen
    return page


def marker_total(page) -> int:
    """Markers shown on the map, counting those inside clusters."""
    return page.evaluate(
        """() => {
          let n = document.querySelectorAll('.leaflet-marker-icon.svc-marker').length;
          document.querySelectorAll('.leaflet-marker-icon.marker-cluster').forEach(
            c => { n += parseInt(c.textContent, 10); });
          return n;
        }"""
    )


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_map_shows_every_outlet_and_its_card_without_tiles(demo, watched, width):
    page = watched
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.base_url + "/map/")

    expect(page.locator(".svc-map.leaflet-container")).to_be_visible()
    page.wait_for_function("document.querySelectorAll('.leaflet-marker-icon').length > 0")
    assert marker_total(page) == len(demo) == 6
    items = page.locator(".svc-list__items > li")
    expect(items).to_have_count(6)
    for o in demo:
        expect(page.locator(f"#outlet-{o.code}")).to_contain_text(o.address)
    assert page.seen["tiles"] > 0  # it tried, and works without them

    page.screenshot(path=SHOTS / f"map_{width}.png", full_page=True)

    # A marker's card: click the 东沟 marker itself.
    page.locator('.leaflet-marker-icon[title="东沟镇便民服务中心"]').click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup.locator(".svc-card__name")).to_have_text("东沟镇便民服务中心")
    expect(popup.get_by_text("待核实", exact=True)).to_be_visible()
    for label in ("取号", "预约", "网上办理", "高德地图", "腾讯地图", "百度地图"):
        expect(popup.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(popup.get_by_role("link", name="取号", exact=True)).to_have_attribute(
        "href", "/hall/lzh-donggou/take/"
    )
    expect(popup).to_contain_text("当前等候")
    expect(popup).to_contain_text("今日")
    page.wait_for_timeout(400)  # the map pans to show the card
    page.screenshot(path=SHOTS / f"map_{width}_card.png")

    # The district centre sits in a cluster with 太和镇: reached from the list.
    page.keyboard.press("Escape")
    page.locator("#outlet-lzh-centre").get_by_role("button", name="在地图上查看").click()
    expect(popup.locator(".svc-card__name")).to_have_text("梁子湖区政务服务中心")

    assert no_sideways_scroll(page)
    assert page.seen["csp"] == []
    assert page.seen["errors"] == []


def test_layer_toggles_hide_markers_and_list_items(demo, watched):
    page = watched
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base_url + "/map/")
    page.wait_for_function("document.querySelectorAll('.leaflet-marker-icon').length > 0")

    page.get_by_role("checkbox", name="乡镇(街道)便民服务中心").uncheck()
    assert marker_total(page) == 1
    expect(page.locator(".svc-list__items > li:visible")).to_have_count(1)
    expect(page.locator("#outlet-lzh-taihe")).to_be_hidden()

    page.get_by_role("checkbox", name="乡镇(街道)便民服务中心").check()
    assert marker_total(page) == 6
    expect(page.locator(".svc-list__items > li:visible")).to_have_count(6)

    # The district centre has a 跨域通办 window: it stays while either of its layers is on.
    page.get_by_role("checkbox", name="区级政务服务中心").uncheck()
    assert marker_total(page) == 6
    expect(page.locator(f"#outlet-{DISTRICT_CODE}")).to_be_visible()
    page.get_by_role("checkbox", name="跨域通办窗口").uncheck()
    assert marker_total(page) == 5
    expect(page.locator(f"#outlet-{DISTRICT_CODE}")).to_be_hidden()
    assert page.seen["csp"] == []


def test_hash_opens_an_outlets_card_from_the_hall_list(demo, watched):
    page = watched
    page.goto(page.base_url + "/hall/")
    page.wait_for_function("document.querySelectorAll('.leaflet-marker-icon').length > 0")
    page.get_by_role("link", name="地图与导航").first.click()
    page.wait_for_url(re.compile(r"/map/#outlet-"))
    expect(page.locator(".leaflet-popup-content .svc-card__name")).to_be_visible()
    assert page.seen["csp"] == []
    assert page.seen["errors"] == []


def test_guide_block_lists_outlets_and_sorts_by_the_browsers_position(demo, page, settings):
    from yishi.catalog.demo.loader import load_demo
    from yishi.catalog.models import Matter
    from yishi.hall import queries
    from yishi.themes.demo.loader import load_themes

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(password="Demo-Passw0rd!")
    load_themes()
    load_hall_demo()
    matter = next(
        m
        for m in Matter.objects.filter(theme_items__theme__audience="person").distinct()
        if queries.outlets_handling(matter=m).count() == 6
    )
    page.route(TILES, lambda route: route.abort())
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 30.27, "longitude": 114.66})  # at 东沟镇
    page.set_viewport_size({"width": 375, "height": 900})
    page.goto(f"{page.base_url}/matters/{matter.code}/")

    block = page.locator("[data-nearby]")
    expect(block.get_by_role("heading", name="可就近办理的网点")).to_be_visible()
    expect(block.locator(".svc-nearby__list > li")).to_have_count(6)
    block.get_by_role("button", name="使用我的位置").click()
    expect(block.locator("[data-position-status]")).to_have_text("已按与您的距离由近到远排列。")
    first = block.locator(".svc-nearby__list > li").first
    expect(first).to_have_attribute("data-code", "lzh-donggou")
    expect(first.locator("[data-distance]")).to_contain_text("距离约")
    assert no_sideways_scroll(page)
    block.screenshot(path=SHOTS / "map_guide_375.png")
