"""Calendar arithmetic on dates shared by the apps: ages and anniversaries."""

from __future__ import annotations

import datetime as dt


def full_years(start: dt.date | None, on: dt.date) -> int | None:
    """Full years from `start` to `on`: a person's age, a company's years since registration.
    Someone born on 29 February turns a year older on 1 March in common years. None when
    `start` is unknown."""
    if start is None:
        return None
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (or earlier); 29 February becomes the 28th in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
