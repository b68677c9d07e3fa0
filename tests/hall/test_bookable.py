"""预约办 for the common matters: a matter is bookable at an outlet when one of its windows
handles it (listed on a queue or window, directly or through a "一件事" theme) and it needs a
visit; slots are opened for every such matter, and the booking page shows the coming days'
slots grouped under a heading per day."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.cases.factories import ApplicantFactory
from tests.catalog.factories import MatterFactory
from tests.themes.factories import ThemeFactory, ThemeMatterFactory
from yishi.hall import services
from yishi.hall.models import AppointmentSlot
from yishi.hall.queries import bookable_matters, day_heading, opening_hours_on

pytestmark = pytest.mark.django_db

EVERY_DAY = {str(d): [["09:00", "10:00"]] for d in range(1, 8)}


def open_days(outlet, n: int) -> list[dt.date]:
    """The next `n` days from tomorrow on which the outlet opens."""
    day, found = timezone.localdate(), []
    while len(found) < n:
        day += dt.timedelta(days=1)
        if opening_hours_on(outlet, day):
            found.append(day)
    return found


@pytest.fixture
def matters(hall):
    """On queue B: 不动产; through a theme on the comprehensive window: 出生登记; on queue B but
    wholly online: 网上查询; handled nowhere here: 外地事项."""
    on_queue = MatterFactory(name="不动产登记", visits=1)
    in_theme = MatterFactory(name="出生登记", visits=1)
    online = MatterFactory(name="网上查询", visits=0)
    MatterFactory(name="外地事项", visits=1)
    hall.b.matters.add(on_queue, online)
    theme = ThemeFactory()
    ThemeMatterFactory(theme=theme, matter=in_theme, order=1)
    hall.general.themes.add(theme)
    hall.outlet.opening_hours = EVERY_DAY
    hall.outlet.save()
    return {"on_queue": on_queue, "in_theme": in_theme}


def test_matters_handled_at_a_window_and_needing_a_visit_are_bookable(hall, matters):
    assert [m.name for m in bookable_matters(hall.outlet)] == ["不动产登记", "出生登记"]


def test_slots_are_opened_for_every_bookable_matter(hall, matters):
    first = open_days(hall.outlet, 1)[0]
    services.appointment_slots_open_bookable(outlet=hall.outlet, first_day=first, days=1)
    opened = AppointmentSlot.objects.filter(outlet=hall.outlet).values_list("matter__name")
    assert sorted(name for (name,) in opened) == ["不动产登记"] * 2 + ["出生登记"] * 2
    # Idempotent.
    services.appointment_slots_open_bookable(outlet=hall.outlet, first_day=first, days=1)
    assert AppointmentSlot.objects.filter(outlet=hall.outlet).count() == 4


def test_the_slots_api_answers_for_a_common_matter(client, hall, matters):
    day = open_days(hall.outlet, 1)[0]
    services.appointment_slots_open_bookable(outlet=hall.outlet, first_day=day, days=1)
    code = matters["in_theme"].code
    slots = client.get(f"/api/v1/hall/outlets/test-centre/slots?matter={code}&day={day}").json()
    assert [(s["matter"], s["available"]) for s in slots] == [(code, 2), (code, 2)]


def test_day_headings_read_month_day_and_weekday():
    assert day_heading(dt.date(2026, 12, 8)) == "12月8日 星期二"
    assert day_heading(dt.date(2026, 12, 13)) == "12月13日 星期日"


def test_booking_page_groups_the_coming_slots_by_day(client, hall, matters):
    days = open_days(hall.outlet, 2)
    for day in days:
        services.appointment_slots_open_bookable(outlet=hall.outlet, first_day=day, days=1)
    client.force_login(ApplicantFactory().user)
    html = client.get(f"/hall/test-centre/book/?matter={matters['in_theme'].code}").content
    html = html.decode()
    groups = re.findall(
        r'<div class="hall-day" data-day="([\d-]+)">\s*<h3 class="hall-day__heading">([^<]+)</h3>'
        r"(.*?)</form>",
        html,
        re.S,
    )
    assert [(d, h) for d, h, _ in groups] == [(str(d), day_heading(d)) for d in days]
    for _, _, body in groups:
        assert re.findall(r">(\d\d:\d\d)<small", body) == ["09:00", "09:30"]
    assert 'style="' not in html.split('id="b-slots"')[1] and "onclick" not in html
    assert "出生登记" in html and "外地事项" not in html


def test_demo_opens_slots_for_the_common_resident_matters(settings):
    from yishi.catalog.demo.loader import load_demo
    from yishi.hall.demo import DISTRICT_CODE, load_hall_demo
    from yishi.hall.models import Outlet
    from yishi.themes.demo.loader import load_themes

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(password="Demo-Passw0rd!")
    load_themes()
    load_hall_demo()
    district = Outlet.objects.get(code=DISTRICT_CODE)
    booked = set(
        AppointmentSlot.objects.filter(outlet=district).values_list("matter__name", flat=True)
    )
    assert len(booked) >= 20
    for word in ("户口", "社会保障卡", "医疗保险", "残疾人证", "退休", "不动产", "公积金"):
        assert any(word in name for name in booked), word
    town = Outlet.objects.get(code="lzh-taihe")
    assert AppointmentSlot.objects.filter(outlet=town, matter__name__contains="残疾人证").exists()
