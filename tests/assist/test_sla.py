"""Service levels count only time within the assist service's hours."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from tests.assist.factories import HOURS, MONDAY, at, request_at
from yishi.assist import sla
from yishi.assist.models import AssistRequest

pytestmark = pytest.mark.django_db
C = AssistRequest.Channel


def test_time_within_one_morning_counts_in_full():
    assert sla.working_seconds(at(MONDAY, 9), at(MONDAY, 9, 10), HOURS) == 600


def test_lunch_break_does_not_count():
    # 11:55 → 14:35: five minutes before noon and five after 14:30.
    assert sla.working_seconds(at(MONDAY, 11, 55), at(MONDAY, 14, 35), HOURS) == 600


def test_evening_and_weekend_do_not_count():
    # Friday 6 March → Monday 9 March (28 February, an adjusted working Saturday, would count).
    friday, monday = dt.date(2026, 3, 6), dt.date(2026, 3, 9)
    assert sla.working_seconds(at(friday, 17, 25), at(monday, 8, 35), HOURS) == 600


def test_adjusted_working_saturday_counts():
    saturday = dt.date(2026, 2, 28)
    assert sla.working_seconds(at(saturday, 8, 0), at(saturday, 9, 0), HOURS) == 1800


def test_public_holiday_does_not_count_and_adjusted_saturday_does():
    # 2026-10-01 (Thursday) is National Day; Saturday 10 October is an adjusted working day
    # (Monday's hours apply).
    assert (
        sla.working_seconds(at(dt.date(2026, 10, 1), 9), at(dt.date(2026, 10, 1), 11), HOURS) == 0
    )
    saturday = dt.date(2026, 10, 10)
    assert sla.working_seconds(at(saturday, 9), at(saturday, 9, 30), HOURS) == 1800


def test_request_outside_hours_is_in_time_when_answered_early_next_morning():
    friday, monday = dt.date(2026, 3, 6), dt.date(2026, 3, 9)
    late = request_at(created=at(friday, 20), first=at(monday, 8, 39))
    assert sla.answered_in_time(late, HOURS)  # 9 minutes of service time


def test_chat_answered_after_eleven_service_minutes_is_late():
    r = request_at(created=at(MONDAY, 9), first=at(MONDAY, 9, 11))
    assert not sla.answered_in_time(r, HOURS)
    r2 = request_at(created=at(MONDAY, 9), first=at(MONDAY, 9, 10))
    assert sla.answered_in_time(r2, HOURS)


def test_callback_has_an_hour():
    r = request_at(channel=C.CALLBACK, created=at(MONDAY, 11, 30), first=at(MONDAY, 15, 0))
    assert sla.answered_in_time(r, HOURS)  # 30 + 30 minutes
    r2 = request_at(channel=C.CALLBACK, created=at(MONDAY, 11, 30), first=at(MONDAY, 15, 1))
    assert not sla.answered_in_time(r2, HOURS)


def test_unanswered_request_is_not_in_time():
    assert not sla.answered_in_time(request_at(created=at(MONDAY, 9)), HOURS)


def test_levels_are_settings():
    with override_settings(YISHI_ASSIST_CHAT_RESPONSE_MINUTES=5):
        r = request_at(created=at(MONDAY, 9), first=at(MONDAY, 9, 6))
        assert not sla.answered_in_time(r, HOURS)


def test_default_hours_are_the_district_centres_outlet(db):
    from tests.access_world import _centre
    from tests.hall.factories import OutletFactory
    from yishi.catalog.centres import forget_district_centre
    from yishi.catalog.models import Department

    centre = _centre("LZH-ZWZX", "420702", "梁子湖区")
    assert centre.kind == Department.Kind.SERVICE_CENTRE
    outlet = OutletFactory(code="assist-hours")
    outlet.department = centre
    outlet.opening_hours = {str(d): [["09:00", "10:00"]] for d in range(1, 8)}
    outlet.save()
    forget_district_centre()
    with override_settings(YISHI_ASSIST_HOURS=None):
        assert sla.hours() == outlet.opening_hours
