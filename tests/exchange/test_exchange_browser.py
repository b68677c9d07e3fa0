"""跨域通办 in Chromium: a resident's 全程网办 form refused for one file keeps the other; the
result of a case decided by the partner waits on our shelf, shown in the resident's case, and
a clerk hands it over after checking the ID card; a 多地联办 theme is applied for from its
theme page. Each page is checked at 1280 and 375 px; YISHI_SCREENSHOTS=<dir> saves them."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.browser_support import signed_in, staff_log_in
from tests.core.upload_samples import png_bytes
from tests.exchange.support import (
    THEM,
    US,
    build_hall,
    build_side,
    partner_licence,
    signed_from_partner,
)
from tests.exchange.test_flow import INBOX, proxy_submit
from yishi.cases.models import Application
from yishi.exchange.models import Crossing, PickupItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("YISHI_SCREENSHOTS", "")


def shoot(page, name: str) -> None:
    """At 1280 and 375 px: nothing scrolls sideways; saved when YISHI_SCREENSHOTS is set."""
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/exchange_{name}_{width}.png", full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def side(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_side(US, "http://127.0.0.1:9")


def _png(name: str) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": png_bytes()}


def _from_partner(kind: str, body: dict) -> None:
    signed = signed_from_partner(kind, body)
    response = Client().post(INBOX, data=json.dumps(signed), content_type="application/json")
    assert response.status_code == 200, response.content


def test_a_refused_online_form_keeps_the_chosen_file(page, live_server, side):
    agreed = side["agreed"]["QR90002000-X-ONLINE"]
    signed_in(page, live_server, side["applicant"].user)
    page.goto(f"{page.base_url}/apply/exchange/{agreed.pk}/")
    page.set_input_files("#x-material-1", files=[_png("身份证.png")])
    page.get_by_label("送达方式").select_option("pickup")
    page.get_by_role("button", name=re.compile("提交")).click()
    expect(page.locator("#x-material-2-msg")).to_contain_text("请上传“申请表”")
    expect(page.locator('[data-kept="1"]')).to_contain_text("已上传：身份证.png")
    shoot(page, "online_kept")
    page.set_input_files("#x-material-2", files=[_png("申请表.png")])
    page.get_by_role("button", name=re.compile("提交")).click()
    page.wait_for_url(re.compile(r"/apply/my/"))
    expect(page.locator("[data-crossing]")).to_contain_text("由武汉市江夏区办理")
    assert Application.objects.count() == 1


def test_the_result_waits_on_the_shelf_and_the_clerk_hands_it_over(page, live_server, side):
    hall = build_hall()
    app = proxy_submit(side)
    crossing = Crossing.objects.get(application=app)
    case = str(crossing.ref)
    _from_partner(
        "decision",
        {
            "case": case,
            "outcome": "approved",
            "result_name": "准予许可决定书",
            "decided_on": "2026-12-08",
        },
    )
    _from_partner("result", {"case": case, "licence": partner_licence(app.person)})
    _from_partner("delivery", {"case": case, "method": "pickup", "pickup_place": "跨域通办窗口"})
    item = PickupItem.objects.get()

    signed_in(page, live_server, side["applicant"].user)
    page.goto(f"{page.base_url}/apply/my/{app.number}/")
    expect(page.locator('[data-pickup="waiting"]')).to_contain_text(item.shelf_code)
    expect(page.locator("[data-case-licence]")).to_contain_text("我的电子证照")
    shoot(page, "case_pickup")

    staff_log_in(page, hall["clerk"].staff_profile, "/workbench/exchange/shelf/")
    row = page.locator(f'[data-pickup="{item.pk}"]')
    expect(row).to_contain_text(item.shelf_code)
    shoot(page, "shelf")
    row.get_by_label(re.compile("居民身份证号")).fill("420702199001010054")
    row.get_by_role("button", name="核验并交付").click()
    expect(page.locator(f"#p-id-{item.pk}-msg")).to_contain_text(re.compile("身份证|校验"))
    row = page.locator(f'[data-pickup="{item.pk}"]')
    row.get_by_label(re.compile("居民身份证号")).fill(str(app.person.id_number))
    row.get_by_role("button", name="核验并交付").click()
    expect(page.get_by_text(re.compile("已核验身份并交付"))).to_be_visible()
    item.refresh_from_db()
    assert item.status == PickupItem.Status.PICKED
    page.goto(f"{page.base_url}/workbench/exchange/shelf/?status=picked")
    expect(page.locator(f'[data-pickup="{item.pk}"]')).to_contain_text("已核验居民身份证")
    shoot(page, "shelf_picked")


def test_a_joint_theme_is_applied_for_from_its_theme_page(page, live_server, side):
    signed_in(page, live_server, side["applicant"].user)
    page.goto(f"{page.base_url}/themes/{side['theme'].code}/")
    page.get_by_role("link", name=re.compile("多地联办")).click()
    expect(page.locator("[data-joint-steps]")).to_contain_text("武汉市江夏区")
    shoot(page, "joint_form")
    page.set_input_files("#x-material-1", files=[_png("身份证.png")])
    page.set_input_files("#x-material-2", files=[_png("申请表.png")])
    page.get_by_label("送达方式").select_option("pickup")
    page.get_by_role("button", name=re.compile("提交")).click()
    page.wait_for_url(re.compile(r"/apply/my/"))
    app = Application.objects.get()
    assert sorted(app.subcases.values_list("partner_region", flat=True)) == ["", THEM]
    shoot(page, "joint_case")
