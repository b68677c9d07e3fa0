"""Settings of the figures and the history generator, read with their defaults."""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def calendar_first() -> dt.date:
    """The first date of the working-day index the figures count on (YISHI_STATS_CALENDAR_FIRST)."""
    value = getattr(settings, "YISHI_STATS_CALENDAR_FIRST", "2015-01-01")
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def calendar_ahead_days() -> int:
    """How far past today the index reaches (YISHI_STATS_CALENDAR_AHEAD_DAYS)."""
    return int(getattr(settings, "YISHI_STATS_CALENDAR_AHEAD_DAYS", 800))


def screen_refresh_seconds() -> int:
    """How often the lobby screen reloads itself (YISHI_STATS_SCREEN_REFRESH_SECONDS)."""
    return int(getattr(settings, "YISHI_STATS_SCREEN_REFRESH_SECONDS", 60))


def export_max_rows() -> int:
    """The most cases one xlsx export lists (YISHI_STATS_EXPORT_MAX_ROWS)."""
    return int(getattr(settings, "YISHI_STATS_EXPORT_MAX_ROWS", 50_000))


def case_page_size() -> int:
    """Cases per page of the drill-down list (YISHI_STATS_CASE_PAGE_SIZE)."""
    return int(getattr(settings, "YISHI_STATS_CASE_PAGE_SIZE", 50))


def history_batch_size() -> int:
    """Applications written per batch by generate_history (YISHI_STATS_HISTORY_BATCH)."""
    return int(getattr(settings, "YISHI_STATS_HISTORY_BATCH", 5000))
