"""The calling policy: skill-based, priority-aware, fair (pure functions, no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from yishi.hall import policy
from yishi.hall.policy import (
    Priority,
    appointment_on_time,
    calling_key,
    fairness_bound,
    pick_next,
    priority_bonus,
    virtual_arrival,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


@dataclasses.dataclass(frozen=True)
class Ticket:
    id: int
    arrived_at: dt.datetime
    priority: Priority
    skill: str = "综合"


def _call_everything(tickets, can_serve=lambda t: True):
    """Call tickets one by one from a fixed waiting list until the window can serve none."""
    waiting = list(tickets)
    order = []
    while (ticket := pick_next(waiting, can_serve)) is not None:
        order.append(ticket)
        waiting.remove(ticket)
    return order, waiting


def test_default_bonuses_are_green_30_and_appointment_15_minutes():
    assert priority_bonus(Priority.ORDINARY) == dt.timedelta(0)
    assert priority_bonus(Priority.APPOINTMENT) == dt.timedelta(minutes=15)
    assert priority_bonus(Priority.GREEN) == dt.timedelta(minutes=30)
    bound = policy.FAIRNESS_BOUND  # read through the module, as callers do
    assert bound == dt.timedelta(minutes=30)


def test_virtual_arrival_is_arrival_minus_bonus():
    assert virtual_arrival(OPEN, Priority.GREEN) == OPEN - dt.timedelta(minutes=30)
    assert virtual_arrival(OPEN, Priority.APPOINTMENT) == OPEN - dt.timedelta(minutes=15)
    assert virtual_arrival(OPEN, Priority.ORDINARY) == OPEN


def test_bonuses_and_fairness_bound_follow_django_settings(settings):
    settings.YISHI_HALL_GREEN_BONUS_MINUTES = 45
    settings.YISHI_HALL_APPOINTMENT_BONUS_MINUTES = 50
    assert priority_bonus(Priority.GREEN) == dt.timedelta(minutes=45)
    assert fairness_bound() == dt.timedelta(minutes=50)
    bound = policy.FAIRNESS_BOUND
    assert bound == dt.timedelta(minutes=50)


def test_negative_bonus_setting_is_refused(settings):
    settings.YISHI_HALL_GREEN_BONUS_MINUTES = -5
    with pytest.raises(ValueError, match="YISHI_HALL_GREEN_BONUS_MINUTES"):
        priority_bonus(Priority.GREEN)


def test_green_ticket_taken_after_20_ordinary_is_called_first_by_a_window_that_can_serve_it():
    ordinary = [
        Ticket(id=i + 1, arrived_at=OPEN + dt.timedelta(minutes=i), priority=Priority.ORDINARY)
        for i in range(20)
    ]
    green = Ticket(id=21, arrived_at=OPEN + dt.timedelta(minutes=20), priority=Priority.GREEN)

    order, _ = _call_everything([*ordinary, green])

    assert order[0] == green
    assert order[1:] == ordinary


def test_window_without_the_skill_never_calls_the_green_ticket():
    ordinary = [
        Ticket(
            id=i + 1,
            arrived_at=OPEN + dt.timedelta(minutes=i),
            priority=Priority.ORDINARY,
            skill="社保",
        )
        for i in range(20)
    ]
    green = Ticket(
        id=21, arrived_at=OPEN + dt.timedelta(minutes=20), priority=Priority.GREEN, skill="不动产"
    )

    order, left = _call_everything([*ordinary, green], can_serve=lambda t: t.skill == "社保")

    assert order == ordinary
    assert left == [green]


def test_window_that_can_serve_nothing_waiting_gets_none():
    tickets = [Ticket(id=1, arrived_at=OPEN, priority=Priority.GREEN, skill="不动产")]
    assert pick_next(tickets, lambda t: t.skill == "社保") is None
    assert pick_next([], lambda t: True) is None


def test_equal_virtual_arrival_is_broken_by_smaller_id():
    early_ordinary = Ticket(id=7, arrived_at=OPEN, priority=Priority.ORDINARY)
    late_green = Ticket(id=8, arrived_at=OPEN + dt.timedelta(minutes=30), priority=Priority.GREEN)
    assert pick_next([late_green, early_ordinary], lambda t: True) == early_ordinary


def test_ordinary_ticket_is_called_before_green_one_arriving_beyond_the_bound():
    ordinary = Ticket(id=1, arrived_at=OPEN, priority=Priority.ORDINARY)
    green = Ticket(
        id=2, arrived_at=OPEN + dt.timedelta(minutes=30, seconds=1), priority=Priority.GREEN
    )
    assert pick_next([green, ordinary], lambda t: True) == ordinary


def test_custom_key_replaces_the_attribute_lookup():
    rows = [("b", OPEN, Priority.ORDINARY), ("a", OPEN, Priority.GREEN)]
    picked = pick_next(rows, lambda r: True, key=lambda r: calling_key(r[1], r[2], r[0]))
    assert picked[0] == "a"


def test_appointment_keeps_priority_within_the_grace_and_loses_it_after():
    slot = OPEN + dt.timedelta(hours=1)
    assert appointment_on_time(slot, slot - dt.timedelta(minutes=20))
    assert appointment_on_time(slot, slot + dt.timedelta(minutes=10))
    assert not appointment_on_time(slot, slot + dt.timedelta(minutes=10, seconds=1))


# --- properties -------------------------------------------------------------------------------

SKILLS = ("综合", "社保", "不动产")

ticket_specs = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=240 * 60),  # arrival, seconds after opening
        st.sampled_from(list(Priority)),
        st.sampled_from(SKILLS),
    ),
    min_size=1,
    max_size=60,
)
call_times = st.lists(st.integers(min_value=0, max_value=300 * 60), min_size=1, max_size=80)
window_skills = st.lists(st.frozensets(st.sampled_from(SKILLS), min_size=1), min_size=1, max_size=4)


@hsettings(max_examples=200, deadline=None)
@given(specs=ticket_specs, calls=call_times, windows=window_skills, data=st.data())
def test_no_ticket_is_overtaken_by_one_arriving_more_than_the_fairness_bound_later(
    specs, calls, windows, data
):
    bound = fairness_bound()
    specs = sorted(specs, key=lambda s: s[0])  # ids in order of arrival, as the database does
    tickets = [
        Ticket(id=i + 1, arrived_at=OPEN + dt.timedelta(seconds=s), priority=p, skill=k)
        for i, (s, p, k) in enumerate(specs)
    ]
    called: set[int] = set()
    for call_at in sorted(calls):
        now = OPEN + dt.timedelta(seconds=call_at)
        skills = data.draw(st.sampled_from(windows))
        waiting = [t for t in tickets if t.arrived_at <= now and t.id not in called]
        picked = pick_next(waiting, lambda t, skills=skills: t.skill in skills)
        if picked is None:
            assert all(t.skill not in skills for t in waiting)
            continue
        called.add(picked.id)
        for other in waiting:
            if other.skill in skills:
                assert picked.arrived_at - other.arrived_at <= bound, (picked, other)


@hsettings(max_examples=200, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=8 * 3600), min_size=1, max_size=50),
    priority=st.sampled_from(list(Priority)),
)
def test_tickets_of_one_priority_are_called_first_come_first_served(offsets, priority):
    tickets = [
        Ticket(id=i + 1, arrived_at=OPEN + dt.timedelta(seconds=s), priority=priority)
        for i, s in enumerate(sorted(offsets))
    ]
    shuffled = list(reversed(tickets))

    order, left = _call_everything(shuffled)

    assert order == tickets
    assert left == []


@hsettings(max_examples=200, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=8 * 3600), min_size=2, max_size=40),
    priorities=st.lists(st.sampled_from(list(Priority)), min_size=40, max_size=40),
)
def test_a_priority_never_makes_a_ticket_wait_longer_than_without_it(offsets, priorities):
    # Raising one ticket's priority moves it forward (or keeps it) in the calling order.
    tickets = [
        Ticket(id=i + 1, arrived_at=OPEN + dt.timedelta(seconds=s), priority=priorities[i])
        for i, s in enumerate(sorted(offsets))
    ]
    target = tickets[-1]
    lowered = dataclasses.replace(target, priority=Priority.ORDINARY)
    raised = dataclasses.replace(target, priority=Priority.GREEN)
    rank_low = _call_everything([*tickets[:-1], lowered])[0].index(lowered)
    rank_high = _call_everything([*tickets[:-1], raised])[0].index(raised)
    assert rank_high <= rank_low
