"""Keeps the working-day index (stats.WorkdayIndex) in step with the district calendar.

The figures count working days in SQL by subtracting the index's running counts, so the
index must rule every date as yishi.core.workdays does. It is rebuilt whenever the calendar
rows' fingerprint differs from the one it was built from (an administrator edited the
calendar) or a date outside its range is asked for; the CALENDAR_CHANGED handler rebuilds
it too, so the next figure does not pay for it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from yishi.core.events import handler
from yishi.core.models import CalendarDay
from yishi.core.workdays import CALENDAR_CHANGED, _is_workday_with, _load_overrides
from yishi.stats import conf
from yishi.stats.models import WorkdayIndex, WorkdayIndexState

_ONE_DAY = dt.timedelta(days=1)
logger = logging.getLogger(__name__)


def _fingerprint() -> str:
    found = CalendarDay.objects.aggregate(
        n=Count("pk"),
        top=Max("pk"),
        work=Count("pk", filter=Q(kind=CalendarDay.Kind.WORKDAY)),
        first=Min("date"),
        last=Max("date"),
    )
    return f"{found['n']}:{found['top']}:{found['work']}:{found['first']}:{found['last']}"


def workday_flags(first: dt.date, last: dt.date) -> list[tuple[dt.date, bool]]:
    """Each date of first..last with its ruling, the calendar rows read in one query."""
    overrides = _load_overrides(first, last)
    days, day = [], first
    while day <= last:
        days.append((day, _is_workday_with(day, overrides)))
        day += _ONE_DAY
    return days


def _rebuild(first: dt.date, last: dt.date, fingerprint: str) -> None:
    rows, count = [], 0
    for day, work in workday_flags(first, last):
        before = count
        count += int(work)
        rows.append(WorkdayIndex(day=day, is_workday=work, before=before, upto=count))
    with transaction.atomic():
        WorkdayIndex.objects.all().delete()
        WorkdayIndex.objects.bulk_create(rows, batch_size=2000)
        WorkdayIndexState.objects.all().delete()
        WorkdayIndexState.objects.create(first=first, last=last, fingerprint=fingerprint)


def ensure_workday_index(first: dt.date | None = None, last: dt.date | None = None) -> None:
    """Make the index cover first..last (and its default range) under the current calendar."""
    today = timezone.localdate()
    lo = min(d for d in (conf.calendar_first(), first) if d is not None)
    hi = max(d for d in (today + dt.timedelta(days=conf.calendar_ahead_days()), last) if d)
    fingerprint = _fingerprint()
    state = WorkdayIndexState.objects.first()
    if (
        state is not None
        and state.fingerprint == fingerprint
        and state.first <= lo
        and hi <= state.last
    ):
        return
    if state is not None:
        lo, hi = min(lo, state.first), max(hi, state.last)
    try:
        _rebuild(lo, hi, fingerprint)
    except IntegrityError:
        # Another request rebuilt it at the same moment from the same calendar: theirs stands.
        logger.info("stats: working-day index rebuilt concurrently")


@handler(CALENDAR_CHANGED, name="stats.workday_index_follows_calendar")
def workday_index_follows_calendar(event: object) -> None:
    ensure_workday_index()
