"""In Chromium: a citizen takes a ticket on the phone page, a staff member calls it from the
window console in another browser, and the calling screen and the phone page both show the
call within 3 seconds (live polling)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import staff_log_in
from tests.cases.factories import StaffFactory
from yishi.hall.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_ticket_called_at_a_window_shows_on_screen_and_phone_within_3_s(page, hall):
    base = page.base_url
    # The phone.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{base}/hall/{hall.outlet.code}/take/")
    page.get_by_label("综合受理").check()
    page.locator("[data-take]").click()
    expect(page.locator("[data-ticket-number]")).to_have_text("A001")
    expect(page.locator("[data-ahead]")).to_have_text("0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    ticket = Ticket.objects.get()
    assert ticket.channel == Ticket.Channel.PHONE

    # The calling screen on the hall's wall.
    screen = page.context.new_page()
    screen.goto(f"{base}/hall/{hall.outlet.code}/screen/")
    expect(screen.locator("[data-screen]")).to_contain_text("暂无叫号")

    # The staff member, in a browser of their own.
    staff_context = page.context.browser.new_context(locale="zh-CN")
    desk = staff_context.new_page()
    desk.set_default_timeout(15_000)
    window_path = f"/workbench/hall/windows/{hall.general.pk}/"
    staff_log_in(desk, StaffFactory(), window_path, base_url=base)
    desk.locator('button[data-action="sign-on"]').click()
    desk.locator('button[data-action="call"]').click()
    expect(desk.locator("[data-current]")).to_have_text("A001")

    expect(screen.locator('[data-call="A001"]')).to_contain_text("1号窗口", timeout=3000)
    expect(page.locator("[data-called]")).to_have_text("请 A001 号到 1号窗口 办理", timeout=3000)
    staff_context.close()
