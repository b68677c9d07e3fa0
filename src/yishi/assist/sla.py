"""Service levels of 帮办: time counted only within the assist service's hours (a setting;
default the district centre's opening hours on the working-day calendar: no time on public
holidays, Monday's hours on an adjusted working weekend)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from yishi.assist import conf
from yishi.hall.models import Outlet, default_opening_hours
from yishi.hall.queries import opening_hours_on

CHAT, CALLBACK = "chat", "callback"


def hours() -> dict:
    """{ISO weekday: [[from, to], …]}: the setting, else the district centre's hall (the
    active outlet of the district's centre), else the halls' default hours."""
    configured = conf.service_hours()
    if configured:
        return configured
    from yishi.catalog.centres import district_centre_id

    centre = district_centre_id()
    outlet = (
        Outlet.objects.filter(department_id=centre, is_active=True).order_by("pk").first()
        if centre
        else None
    )
    return (outlet.opening_hours if outlet else None) or default_opening_hours()


def periods_on(day: dt.date, table: dict) -> list[tuple[dt.time, dt.time]]:
    # An unsaved outlet carries the table to the hall's own rule for a day's hours.
    return opening_hours_on(Outlet(opening_hours=table), day)


def working_seconds(start: dt.datetime, end: dt.datetime, table: dict | None = None) -> int:
    """Seconds between `start` and `end` that fall within service hours (local time)."""
    if end <= start:
        return 0
    table = table if table is not None else hours()
    tz = timezone.get_current_timezone()
    a, b = timezone.localtime(start, tz), timezone.localtime(end, tz)
    total = 0.0
    day = a.date()
    while day <= b.date():
        for t0, t1 in periods_on(day, table):
            p0 = dt.datetime.combine(day, t0, tzinfo=tz)
            p1 = dt.datetime.combine(day, t1, tzinfo=tz)
            lo, hi = max(p0, a), min(p1, b)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return int(total)


def level_seconds(channel: str) -> int:
    """The first-response service level of a channel, in service-hour seconds."""
    if channel == CHAT:
        return conf.chat_response_minutes() * 60
    if channel == CALLBACK:
        return conf.callback_response_minutes() * 60
    return conf.onsite_response_minutes() * 60


def answered_in_time(request: Any, table: dict | None = None) -> bool:
    """Whether the request got its first response within its service level (a request not
    yet answered counts as not answered in time)."""
    if request.first_response_at is None:
        return False
    spent = working_seconds(request.created_at, request.first_response_at, table)
    return spent <= level_seconds(request.channel)
