"""Taking tickets: numbering per outlet, day and queue; routing; place and estimated wait."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.catalog.factories import MatterFactory
from tests.hall.conftest import NOW, minutes, on_duty
from tests.hall.factories import OutletFactory, QueueFactory
from tests.people.factories import PersonFactory
from yishi.core.errors import ValidationFailed
from yishi.hall import queries, services
from yishi.hall.models import Ticket
from yishi.hall.policy import Priority

pytestmark = pytest.mark.django_db


def test_numbers_count_per_queue_and_restart_each_day(hall):
    got = [
        services.ticket_take(outlet=hall.outlet, queue=hall.a, now=minutes(i)).number
        for i in range(3)
    ]
    got.append(services.ticket_take(outlet=hall.outlet, queue=hall.b, now=minutes(4)).number)
    got.append(
        services.ticket_take(
            outlet=hall.outlet, priority=Priority.GREEN, green_reason="pregnant", now=minutes(5)
        ).number
    )
    tomorrow = services.ticket_take(
        outlet=hall.outlet, queue=hall.a, now=NOW + dt.timedelta(days=1)
    )
    assert got == ["A001", "A002", "A003", "B001", "V001"]
    assert (tomorrow.number, tomorrow.day) == ("A001", dt.date(2026, 3, 3))


def test_numbers_are_unique_per_outlet_per_day_but_repeat_across_outlets(hall):
    other = OutletFactory(code="other-centre")
    QueueFactory(outlet=other, letter="A", is_general=True)
    for i in range(30):
        services.ticket_take(outlet=hall.outlet, queue=hall.a, now=minutes(i))
    there = services.ticket_take(outlet=other, now=NOW)
    numbers = list(Ticket.objects.filter(outlet=hall.outlet).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 30
    assert there.number == "A001"


def test_day_boundary_is_the_local_day_in_shanghai(hall):
    # 23:30 UTC on 1 March is 07:30 on 2 March in the hall.
    t = services.ticket_take(
        outlet=hall.outlet, queue=hall.a, now=dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    )
    assert t.day == dt.date(2026, 3, 2)


def test_a_matter_listed_on_a_queue_routes_there_and_others_go_to_the_general_queue(hall):
    matter, other = MatterFactory(), MatterFactory()
    hall.b.matters.add(matter)
    assert services.ticket_take(outlet=hall.outlet, matter=matter, now=NOW).queue == hall.b
    assert services.ticket_take(outlet=hall.outlet, matter=other, now=NOW).queue == hall.a


def test_elderly_claim_of_a_person_under_sixty_gives_an_ordinary_ticket_not_verified(hall):
    young = PersonFactory(birth=dt.date(1990, 1, 1))
    t = services.ticket_take(
        outlet=hall.outlet,
        queue=hall.a,
        priority=Priority.GREEN,
        green_reason="elderly",
        person=young,
        now=NOW,
    )
    assert (t.number, t.priority, t.virtual_at) == ("A001", 0, NOW)
    assert (t.claim, t.claim_checked_at) == (Ticket.Claim.REJECTED, NOW)
    assert t.claim_note == "按身份证号计算未满60周岁，不适用老年人绿色通道"


def test_green_ticket_for_a_person_of_sixty_by_birth_date_is_issued(hall):
    sixty_today = PersonFactory(birth=dt.date(1966, 3, 2))
    t = services.ticket_take(
        outlet=hall.outlet,
        priority=Priority.GREEN,
        green_reason="elderly",
        person=sixty_today,
        now=NOW,
    )
    assert (t.number, t.priority, t.virtual_at) == ("V001", 2, NOW - dt.timedelta(minutes=30))
    assert t.claim == Ticket.Claim.VERIFIED


def test_green_ticket_without_a_reason_is_refused(hall):
    with pytest.raises(ValidationFailed) as err:
        services.ticket_take(outlet=hall.outlet, priority=Priority.GREEN, now=NOW)
    assert err.value.field == "reason"


def test_outlet_without_queues_cannot_issue_tickets(db):
    with pytest.raises(ValidationFailed, match="尚未设置排队队列"):
        services.ticket_take(outlet=OutletFactory(), now=NOW)


def test_place_and_estimate_learn_from_todays_service_times(hall):
    tickets = [
        services.ticket_take(outlet=hall.outlet, queue=hall.a, now=minutes(i)) for i in range(5)
    ]
    last = tickets[-1]
    pos = queries.ticket_position(last)
    # Nobody served yet: the queue's default of 8 minutes, one staffed window at least.
    assert (pos.ahead, pos.mean_service, pos.learned_from, pos.wait_minutes) == (4, 8.0, 0, 32)

    staff = on_duty(hall.general, now=minutes(5))
    t = services.ticket_call_next(window=hall.general, staff=staff, now=minutes(5))
    services.ticket_serve_start(ticket=t, staff=staff, now=minutes(5))
    services.ticket_finish(ticket=t, staff=staff, now=minutes(17))  # 12 minutes

    pos = queries.ticket_position(last)
    assert (pos.ahead, pos.mean_service, pos.learned_from) == (3, 12.0, 1)
    assert pos.wait_minutes == 3 * 12 // pos.windows


def test_place_counts_priority_tickets_that_will_be_called_first(hall):
    services.ticket_take(outlet=hall.outlet, queue=hall.a, now=NOW)
    mine = services.ticket_take(outlet=hall.outlet, queue=hall.a, now=minutes(20))
    # An appointment checked in later but within its bonus goes ahead of me in my queue.
    services.ticket_take(
        outlet=hall.outlet, queue=hall.a, priority=Priority.APPOINTMENT, now=minutes(30)
    )
    assert queries.ticket_position(mine).ahead == 2


def test_day_measures_report_waits_service_no_shows_and_utilisation(hall):
    for i in range(3):
        services.ticket_take(outlet=hall.outlet, queue=hall.a, now=minutes(i))
    staff = on_duty(hall.general, now=NOW)
    t = services.ticket_call_next(window=hall.general, staff=staff, now=minutes(10))  # waited 10
    services.ticket_serve_start(ticket=t, staff=staff, now=minutes(10))
    services.ticket_finish(ticket=t, staff=staff, now=minutes(20))
    t = services.ticket_call_next(window=hall.general, staff=staff, now=minutes(21))  # waited 20
    services.ticket_no_show(ticket=t, staff=staff, now=minutes(22))
    services.window_sign_off(window=hall.general, staff=staff, now=minutes(40))

    m = queries.outlet_day_measures(hall.outlet, NOW.date(), now=minutes(60))

    assert (m.tickets, m.no_shows) == (3, 1)
    assert m.waiting == {"mean": 15.0, "p90": 20.0, "max": 20.0, "n": 2}
    assert m.service["mean"] == 10.0
    assert m.waiting_by_priority["普通"] == {"mean": 15.0, "p90": 20.0, "max": 20.0, "n": 2}
    assert m.waiting_by_priority["绿色通道"]["n"] == 0
    general = next(w for w in m.windows if w.window == hall.general)
    assert (general.served, general.busy_minutes, general.staffed_minutes) == (1, 10.0, 40.0)
    assert general.utilisation == 0.25
    svg = queries.bar_chart_svg([("1号窗口", 1)], title="各窗口办结量", unit="件")
    assert svg.startswith("<svg") and "1号窗口" in svg
