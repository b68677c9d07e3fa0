"""The service map page (/map/), the small map of the hall list and the 就近办 block of a matter
guide: server-rendered lists that stand without tiles or JavaScript, each card with 待核实
until a clerk verifies the location, hours today, waiting, and ticket/booking/navigation
links converted to GCJ-02 (高德, 腾讯) and BD-09 (百度)."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pytest

from tests.hall.factories import OutletFactory, QueueFactory
from yishi.hall import geo
from yishi.hall.demo import DISTRICT_CODE, TOWN_SEATS, load_hall_demo
from yishi.hall.models import Outlet

pytestmark = pytest.mark.django_db


def outlets_data(html: str) -> dict:
    raw = re.search(r'<script id="outlets-data" type="application/json">(.*?)</script>', html, re.S)
    assert raw, "no outlets-data element"
    return json.loads(raw.group(1))


def test_map_lists_every_demo_outlet_with_markers_data_and_unverified_badges(client):
    load_hall_demo()
    load_hall_demo()  # idempotent: positions stay, nothing doubles

    r = client.get("/map/")

    assert r.status_code == 200
    html = r.content.decode()
    outlets = list(Outlet.objects.all())
    assert len(outlets) == 6
    data = outlets_data(html)
    assert {o["code"] for o in data["outlets"]} == {o.code for o in outlets}
    assert data["tiles"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert [layer["kind"] for layer in data["layers"]] == [
        "district",
        "town",
        "village",
        "self_service",
        "cross_region",
    ]
    for o in outlets:
        assert f'id="outlet-{o.code}"' in html
        assert o.name in html and o.address in html
        assert not o.location_verified and o.latitude is not None
    assert html.count(">待核实</span>") == 6
    assert "位置已核实" not in html
    assert html.count('name="layer"') == 5
    assert "style=" not in html and "<style" not in html
    # No invented phone numbers or photos: empty until a clerk enters them.
    assert 'class="svc-card__photos"' not in html and "<dt>电话</dt>" not in html


def test_demo_positions_are_in_lianzihu_and_a_clerks_correction_survives_a_rerun(db):
    load_hall_demo()
    taihe = Outlet.objects.get(code="lzh-taihe")
    assert (float(taihe.latitude), float(taihe.longitude)) == TOWN_SEATS["taihe"]
    for o in Outlet.objects.all():
        # within 25 km of the district seat
        assert geo.distance_m(30.10, 114.56, float(o.latitude), float(o.longitude)) < 25_000
    taihe.latitude, taihe.location_verified = 30.0995, True
    taihe.save()
    load_hall_demo()
    taihe.refresh_from_db()
    assert (float(taihe.latitude), taihe.location_verified) == (30.0995, True)


def test_a_card_shows_phone_hours_waiting_and_the_navigation_links(client, db):
    o = OutletFactory(
        code="card-test",
        name="太和镇便民服务中心",
        kind=Outlet.Kind.TOWN,
        latitude=30.0990,
        longitude=114.5530,
        phone="0711-0000000",
        hours_note="周六上午延时服务",
        location_verified=True,
    )
    QueueFactory(outlet=o, letter="A", is_general=True)

    html = client.get("/map/").content.decode()

    assert "位置已核实" in html and ">待核实<" not in html
    assert 'href="tel:0711-0000000"' in html and "周六上午延时服务" in html
    assert "当前等候 <strong>0</strong> 人" in html
    assert 'href="/hall/card-test/take/"' in html and ">取号<" in html
    assert 'href="/hall/card-test/book/"' in html and ">预约<" in html
    assert 'href="/matters/"' in html and ">网上办理<" in html
    g_lat, g_lng = geo.wgs84_to_gcj02(30.0990, 114.5530)
    b_lat, b_lng = geo.wgs84_to_bd09(30.0990, 114.5530)
    links = [unquote(h.replace("&amp;", "&")) for h in re.findall(r'href="(https://[^"]+)"', html)]
    amap = next(h for h in links if h.startswith("https://uri.amap.com/marker?"))
    assert f"position={g_lng:.6f},{g_lat:.6f}" in amap and "name=太和镇便民服务中心" in amap
    assert "coordinate=gaode" in amap
    qq = next(h for h in links if h.startswith("https://apis.map.qq.com/uri/v1/marker?"))
    assert f"marker=coord:{g_lat:.6f},{g_lng:.6f};title:太和镇便民服务中心" in qq
    baidu = next(h for h in links if h.startswith("https://api.map.baidu.com/marker?"))
    assert f"location={b_lat:.6f},{b_lng:.6f}" in baidu and "coord_type=bd09ll" in baidu


def test_an_outlet_without_hours_today_says_closed_and_without_position_has_no_marker(client, db):
    OutletFactory(code="no-hours", name="无坐标网点", opening_hours={})

    html = client.get("/map/").content.decode()

    assert "今日不开放" in html and 'id="outlet-no-hours"' in html
    assert outlets_data(html)["outlets"] == []
    assert "uri.amap.com" not in html


def test_map_page_allows_the_tile_host_in_img_src(client, db):
    policy = client.get("/map/")["Content-Security-Policy"]
    img = next(p for p in policy.split(";") if p.strip().startswith("img-src"))
    assert img.split() == ["img-src", "'self'", "data:", "https://tile.openstreetmap.org"]


def test_hall_list_has_a_small_map_and_links_to_the_map(client, db):
    load_hall_demo()
    html = client.get("/hall/").content.decode()
    assert "svc-map--small" in html and len(outlets_data(html)["outlets"]) == 6
    assert f'href="/map/#outlet-{DISTRICT_CODE}"' in html
    assert "位置待核实" in html


@pytest.fixture
def demo(settings):
    from yishi.catalog.demo.loader import load_demo
    from yishi.themes.demo.loader import load_themes

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(password="Demo-Passw0rd!")
    load_themes()
    load_hall_demo()


def test_guide_lists_outlets_handling_the_matter_nearest_the_chosen_town(client, demo):
    from yishi.catalog.models import Matter
    from yishi.hall import queries

    # A resident matter of a "一件事" theme: the district centre and the towns handle it.
    matter = next(
        m
        for m in Matter.objects.filter(theme_items__theme__audience="person").distinct()
        if queries.outlets_handling(matter=m).count() == 6
    )
    url = f"/matters/{matter.code}/"

    html = client.get(url).content.decode()
    block = html.split("可就近办理的网点", 1)[1]
    assert block.count("data-outlet-card=") == 6 and "距离约" not in block

    near = client.get(url, {"near": "lzh-zhaoshan"}).content.decode()
    block = near.split("可就近办理的网点", 1)[1]
    order = re.findall(r'<li data-code="([^"]+)"', block)
    assert order[0] == "lzh-zhaoshan"
    seats = {f"lzh-{k}": v for k, v in TOWN_SEATS.items()}
    zs = TOWN_SEATS["zhaoshan"]
    assert order[1:] == sorted(
        order[1:],
        key=lambda c: (
            geo.distance_m(*zs, *seats[c]) if c in seats else geo.distance_m(*zs, 30.101, 114.557)
        ),
    )
    assert "距离约 0 米" in block
    assert '<option value="lzh-zhaoshan" selected>' in near


def test_guide_of_a_matter_no_outlet_handles_says_so(client, demo):
    from yishi.catalog.models import Matter
    from yishi.hall import queries

    matter = next(
        m for m in Matter.objects.all() if not queries.outlets_handling(matter=m).exists()
    )
    html = client.get(f"/matters/{matter.code}/").content.decode()
    assert "可就近办理的网点" in html and "暂无登记可办理此事项的线下网点" in html


def test_an_outlets_poster_carries_a_qr_code_that_opens_its_card_on_the_map(client, settings):
    settings.YISHI_PUBLIC_URL = "https://zwfw.example.gov.cn"
    outlet = OutletFactory(code="LZH-TH", name="太和镇便民服务中心", address="太和镇太和街1号")

    r = client.get(f"/hall/{outlet.code}/poster/")

    assert r.status_code == 200
    html = r.content.decode()
    assert "太和镇便民服务中心" in html and "太和镇太和街1号" in html
    assert "<svg" in html  # the QR code, drawn on the page (no script, no external image)
    assert "https://zwfw.example.gov.cn/map/#outlet-LZH-TH" in html
    assert client.get("/hall/NO-SUCH/poster/").status_code == 404
    card = client.get("/map/").content.decode()
    assert f"/hall/{outlet.code}/poster/" in card
