from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.conftest import ACCEPT_DAY
from yishi.cases.deadlines import deadline_state, longest_chain
from yishi.cases.queries import overdue_subcases, warning_subcases
from yishi.cases.services import application_accept

pytestmark = pytest.mark.django_db  # the calendar reads administrator rows

DUE = dt.date(2026, 3, 9)  # a Monday


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (dt.date(2026, 3, 4), "ok"),  # 3 working days before
        (dt.date(2026, 3, 5), "warning"),  # 2 working days before
        (dt.date(2026, 3, 9), "warning"),
        (dt.date(2026, 3, 10), "overdue"),
    ],
)
def test_deadline_state_turns_yellow_two_working_days_before_and_red_after(today, state):
    assert deadline_state(DUE, today, warn=2) == state


def test_the_warning_window_comes_from_settings(settings):
    settings.CASE_WARN_WORKING_DAYS = 3
    assert deadline_state(DUE, dt.date(2026, 3, 4)) == "warning"


def test_longest_chain_sums_the_slowest_path():
    assert longest_chain({1: 5, 2: 3, 3: 2, 4: 4}, {2: [1], 3: [2]}) == 10
    assert longest_chain({1: 5, 2: 9, 3: 1}, {3: [1, 2]}) == 10
    assert longest_chain({}, {}) == 0


def test_department_lists_show_warning_and_overdue_subcases(chain, submitted, window):
    application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    dept_a = chain["departments"]["a"].pk  # A due 9 March
    assert warning_subcases(dept_a, today=dt.date(2026, 3, 4)) == []
    assert [s.matter.name for s in warning_subcases(dept_a, today=dt.date(2026, 3, 6))] == [
        "链路事项A"
    ]
    assert [s.matter.name for s in overdue_subcases(dept_a, today=dt.date(2026, 3, 10))] == [
        "链路事项A"
    ]
