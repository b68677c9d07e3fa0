"""Ages and anniversaries: someone born on 29 February turns a year older on 1 March in
common years; an anniversary of 29 February falls on the 28th."""

from __future__ import annotations

import datetime as dt

from yishi.core.dates import add_years, full_years


def test_full_years_counts_only_completed_years():
    born = dt.date(1946, 6, 1)
    assert full_years(born, dt.date(2026, 5, 31)) == 79
    assert full_years(born, dt.date(2026, 6, 1)) == 80
    assert full_years(None, dt.date(2026, 6, 1)) is None


def test_a_leap_day_birth_turns_older_on_the_first_of_march_in_common_years():
    born = dt.date(2008, 2, 29)
    assert full_years(born, dt.date(2026, 2, 28)) == 17
    assert full_years(born, dt.date(2026, 3, 1)) == 18
    assert full_years(born, dt.date(2028, 2, 29)) == 20


def test_add_years_moves_the_leap_day_to_the_28th():
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert add_years(dt.date(2026, 11, 28), -10) == dt.date(2016, 11, 28)
