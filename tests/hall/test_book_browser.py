"""In Chromium at 375 px: the booking page lists the coming days' slots under a heading per
day, as buttons that fit the phone's width, and a tap books one."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.catalog.factories import MatterFactory
from tests.hall.test_bookable import EVERY_DAY, open_days
from tests.people.accounts_support import PASSWORD, ApplicantAccountFactory
from yishi.hall import services
from yishi.hall.models import Appointment
from yishi.hall.queries import day_heading

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_booking_page_groups_slots_by_day_and_books_one(page, hall):
    matter = MatterFactory(name="出生登记", visits=1)
    hall.b.matters.add(matter)
    hall.outlet.opening_hours = EVERY_DAY
    hall.outlet.save()
    days = open_days(hall.outlet, 2)
    for day in days:
        services.appointment_slots_open_bookable(outlet=hall.outlet, first_day=day, days=1)
    account = ApplicantAccountFactory()

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{page.base_url}/hall/{hall.outlet.code}/book/?matter={matter.code}")
    page.wait_for_url(re.compile(r"/account/login/\?next="))
    page.get_by_label("手机号码").fill(account.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(re.compile(r"/book/\?matter="))

    headings = page.locator(".hall-day__heading")
    expect(headings).to_have_text([day_heading(d) for d in days])
    first_day = page.locator(".hall-day").first
    expect(first_day.locator("button.hall-slot")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    first_day.locator("button.hall-slot").first.click()
    expect(page.get_by_text(re.compile(r"预约成功，预约码"))).to_be_visible()
    booking = Appointment.objects.get()
    assert timezone.localdate(booking.slot.starts_at) == days[0]
