"""预约办: slots with capacity, booking and cancelling, check-in, no-show limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from tests.cases.factories import ApplicantFactory
from tests.catalog.factories import MatterFactory
from tests.hall.conftest import NOW, SHANGHAI
from yishi.core.errors import Conflict, NotFound, ValidationFailed
from yishi.hall import services
from yishi.hall.models import Appointment, AppointmentSlot, Ticket
from yishi.hall.policy import Priority

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 4)  # a Wednesday
BOOKED_ON = NOW  # Monday 09:00


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def matter(db):
    return MatterFactory()


@pytest.fixture
def slots(hall, matter):
    return services.appointment_slots_open(outlet=hall.outlet, matter=matter, day=DAY, capacity=2)


def slot_at(slots, hour, minute=0):
    return next(s for s in slots if s.starts_at == at(hour, minute))


def test_opening_hours_give_half_hour_slots(slots):
    starts = sorted(s.starts_at.astimezone(SHANGHAI).strftime("%H:%M") for s in slots)
    assert len(starts) == 13
    assert starts[0] == "08:30" and "11:30" in starts and "12:00" not in starts
    assert starts[-1] == "17:00"


def test_booking_fills_a_slot_to_capacity_then_conflicts(slots):
    slot = slot_at(slots, 9)
    for _ in range(2):
        services.appointment_book(user=ApplicantFactory().user, slot=slot, now=BOOKED_ON)
    with pytest.raises(Conflict, match="已约满"):
        services.appointment_book(user=ApplicantFactory().user, slot=slot, now=BOOKED_ON)
    slot.refresh_from_db()
    assert (slot.booked, Appointment.objects.count()) == (2, 2)


def test_cancel_frees_the_place(slots):
    slot, user = slot_at(slots, 9), ApplicantFactory().user
    a = services.appointment_book(user=user, slot=slot, now=BOOKED_ON)
    services.appointment_cancel(appointment=a, user=user, now=BOOKED_ON)
    slot.refresh_from_db()
    assert slot.booked == 0
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED


def test_someone_else_cannot_cancel_my_booking(slots):
    a = services.appointment_book(
        user=ApplicantFactory().user, slot=slot_at(slots, 9), now=BOOKED_ON
    )
    with pytest.raises(NotFound, match="预约不存在"):
        services.appointment_cancel(appointment=a, user=ApplicantFactory().user, now=BOOKED_ON)
    assert Appointment.objects.get().status == Appointment.Status.BOOKED


def test_past_slot_cannot_be_booked(slots):
    with pytest.raises(ValidationFailed) as err:
        services.appointment_book(
            user=ApplicantFactory().user, slot=slot_at(slots, 9), now=at(9, 5)
        )
    assert err.value.field == "slot"


def test_on_time_check_in_gives_an_appointment_priority_ticket(hall, slots):
    a = services.appointment_book(
        user=ApplicantFactory().user, slot=slot_at(slots, 10), now=BOOKED_ON
    )
    ticket = services.appointment_check_in(appointment=a, now=at(10, 5))
    a.refresh_from_db()
    assert ticket.priority == Priority.APPOINTMENT
    assert ticket.virtual_at < ticket.arrived_at
    assert (a.status, a.ticket) == (Appointment.Status.CHECKED_IN, ticket)


def test_late_check_in_loses_priority(hall, slots):
    a = services.appointment_book(
        user=ApplicantFactory().user, slot=slot_at(slots, 10), now=BOOKED_ON
    )
    ticket = services.appointment_check_in(appointment=a, now=at(10, 45))
    a.refresh_from_db()
    assert ticket.priority == Priority.ORDINARY
    assert ticket.virtual_at == ticket.arrived_at
    assert a.status == Appointment.Status.LATE


def test_check_in_on_another_day_is_refused(hall, slots):
    a = services.appointment_book(
        user=ApplicantFactory().user, slot=slot_at(slots, 10), now=BOOKED_ON
    )
    with pytest.raises(ValidationFailed, match="预约当天"):
        services.appointment_check_in(appointment=a, now=NOW)
    assert not Ticket.objects.exists()


def test_checking_in_twice_is_a_conflict(hall, slots):
    a = services.appointment_book(
        user=ApplicantFactory().user, slot=slot_at(slots, 10), now=BOOKED_ON
    )
    services.appointment_check_in(appointment=a, now=at(10))
    with pytest.raises(Conflict):
        services.appointment_check_in(appointment=a, now=at(10, 1))
    assert Ticket.objects.count() == 1


@override_settings(YISHI_APPOINTMENT_NO_SHOW_LIMIT=2, YISHI_APPOINTMENT_BLOCK_DAYS=30)
def test_repeated_no_shows_block_booking_for_the_configured_period(hall, slots, matter):
    user = ApplicantFactory().user
    for hour in (9, 10):
        services.appointment_book(user=user, slot=slot_at(slots, hour), now=BOOKED_ON)
    assert services.appointment_mark_no_shows(now=at(18)) == 2

    later = services.appointment_slots_open(
        outlet=hall.outlet, matter=matter, day=DAY + dt.timedelta(days=7)
    )
    with pytest.raises(Conflict, match="不能在线预约") as err:
        services.appointment_book(user=user, slot=later[0], now=at(18))
    assert err.value.code == "appointment_blocked"
    assert "2026年04月03日" in err.value.message  # the older no-show (4 March) + 30 days
    # Another applicant is not affected, and the block lifts after the period.
    services.appointment_book(user=ApplicantFactory().user, slot=later[0], now=at(18))
    assert services.appointment_blocked_until(user, at(18, day=DAY + dt.timedelta(days=31))) is None


def test_one_no_show_under_the_limit_does_not_block(hall, slots):
    user = ApplicantFactory().user
    services.appointment_book(user=user, slot=slot_at(slots, 9), now=BOOKED_ON)
    services.appointment_mark_no_shows(now=at(18))
    services.appointment_book(user=user, slot=slot_at(slots, 9, 30), now=BOOKED_ON)
    assert AppointmentSlot.objects.get(pk=slot_at(slots, 9, 30).pk).booked == 1


@pytest.mark.parametrize(
    ("day", "count"),
    [
        (dt.date(2026, 10, 1), 0),  # National Day: closed
        (dt.date(2026, 3, 7), 0),  # an ordinary Saturday
        (dt.date(2026, 2, 14), 13),  # Saturday made a working day (调休): Monday's hours
    ],
)
def test_slots_follow_the_working_day_calendar(hall, matter, day, count):
    assert len(services.appointment_slots_open(outlet=hall.outlet, matter=matter, day=day)) == count


def test_take_page_shows_todays_hours(client, hall):
    html = client.get("/hall/test-centre/take/").content.decode()
    assert "今日开放时间" in html


def test_the_half_hourly_command_marks_past_bookings_as_no_shows(hall, slots):
    from io import StringIO

    from django.core.management import call_command

    user = ApplicantFactory().user
    booked = services.appointment_book(user=user, slot=slot_at(slots, 9), now=BOOKED_ON)
    call_command("mark_no_shows", stdout=(out := StringIO()))  # the slot is months ago
    assert out.getvalue().strip() == "记为爽约的预约：1 个"
    booked.refresh_from_db()
    assert booked.status == booked.Status.NO_SHOW
