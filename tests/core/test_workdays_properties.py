"""Properties of working-day counting that must hold for any start date and any length."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yishi.core.workdays import add_working_days, is_workday, working_days_between

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

dates = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2028, 12, 31))
lengths = st.integers(min_value=0, max_value=400)


@st.composite
def pauses(draw: st.DrawFn) -> list[tuple[dt.date, dt.date]]:
    """Up to three pauses, each a few days to a few weeks long, anywhere 2004–2030."""
    spans = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        first = draw(st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2030, 6, 30)))
        spans.append((first, first + dt.timedelta(days=draw(st.integers(0, 40)))))
    return spans


@PROPERTY_SETTINGS
@given(start=dates, n=lengths)
def test_counting_back_the_added_working_days_gives_n(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


@PROPERTY_SETTINGS
@given(start=dates, n=st.integers(min_value=1, max_value=400))
def test_the_deadline_is_a_working_day_after_the_start(start, n):
    deadline = add_working_days(start, n)
    assert deadline > start
    assert is_workday(deadline)


@PROPERTY_SETTINGS
@given(start=dates, n=lengths, extra=st.integers(min_value=1, max_value=50))
def test_more_working_days_never_give_an_earlier_deadline(start, n, extra):
    assert add_working_days(start, n) < add_working_days(start, n + extra)


@PROPERTY_SETTINGS
@given(start=dates, n=lengths, spans=pauses())
def test_pauses_never_bring_the_deadline_forward(start, n, spans):
    with_pauses = add_working_days(start, n, pauses=spans)
    assert with_pauses >= add_working_days(start, n)
    assert working_days_between(start, with_pauses, pauses=spans) == n


@PROPERTY_SETTINGS
@given(a=dates, b=dates, c=dates)
def test_counting_is_additive_over_consecutive_periods(a, b, c):
    a, b, c = sorted((a, b, c))
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)


@PROPERTY_SETTINGS
@given(a=dates, b=dates, spans=pauses())
def test_pauses_only_ever_reduce_the_count(a, b, spans):
    a, b = sorted((a, b))
    assert 0 <= working_days_between(a, b, pauses=spans) <= working_days_between(a, b)
