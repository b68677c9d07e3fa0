"""Property: a supplement pause that begins while a deadline is still running moves that
deadline by exactly the working days it stopped the clock for."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yishi.cases.deadlines import due, pause_spans
from yishi.core.workdays import working_days_between

pytestmark = pytest.mark.django_db

ONE = dt.timedelta(days=1)


@settings(
    deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 10, 31)),
    days=st.integers(min_value=1, max_value=40),
    offset=st.integers(min_value=1, max_value=60),
    length=st.integers(min_value=1, max_value=25),
)
def test_a_pause_moves_a_running_deadline_by_exactly_its_paused_working_days(
    start, days, offset, length
):
    old = due(start, days, [])
    began = start + dt.timedelta(days=offset)
    if began > old:
        began = old  # the pause starts while the deadline is still running
    pause = SimpleNamespace(started_on=began, ended_on=began + dt.timedelta(days=length))
    paused = working_days_between(began - ONE, pause.ended_on - ONE)
    new = due(start, days, pause_spans([pause]))
    assert working_days_between(old, new) == paused


def test_an_open_or_same_day_pause_stops_nothing():
    day = dt.date(2026, 3, 4)
    assert pause_spans([SimpleNamespace(started_on=day, ended_on=None)]) == []
    assert pause_spans([SimpleNamespace(started_on=day, ended_on=day)]) == []
    assert pause_spans([SimpleNamespace(started_on=day, ended_on=day + 5 * ONE)]) == [
        (day, day + 4 * ONE)
    ]
