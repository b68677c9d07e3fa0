"""A partner's working-day calendar, fetched from its GET /api/v1/calendar/days and cached on
the Partner row, so that a deadline counts on the days of the region that decides."""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request

from django.utils import timezone

from yishi.core import workdays
from yishi.exchange import conf
from yishi.exchange.models import Partner

logger = logging.getLogger(__name__)
_MAX_MONTHS = 36


def _fetch_month(partner: Partner, year: int, month: int) -> dict[str, bool] | None:
    url = f"{partner.endpoint.rstrip('/')}{conf.CALENDAR_PATH}?year={year}&month={month}"
    if not url.startswith(("http://", "https://")):
        return None
    try:
        with urllib.request.urlopen(url, timeout=conf.http_timeout()) as response:  # noqa: S310 - scheme checked
            data = json.loads(response.read().decode("utf-8"))
        return {str(d["date"]): bool(d["is_workday"]) for d in data["days"]}
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("partner %s calendar %s-%s unavailable: %s", partner.code, year, month, exc)
        return None


def month_of(partner: Partner, year: int, month: int) -> tuple[dict[str, bool], bool]:
    """The partner's days of one month and whether they are its own (False: ours, as a
    fallback while its calendar cannot be fetched)."""
    key = f"{year:04d}-{month:02d}"
    cached = (partner.calendar or {}).get(key)
    fresh_after = timezone.now() - dt.timedelta(seconds=conf.calendar_cache_seconds())
    if cached and cached.get("fetched", "") >= fresh_after.isoformat():
        return cached["days"], True
    days = _fetch_month(partner, year, month)
    if days is not None:
        calendar = dict(partner.calendar or {})
        calendar[key] = {"fetched": timezone.now().isoformat(), "days": days}
        Partner.objects.filter(pk=partner.pk).update(
            calendar=calendar, calendar_fetched_at=timezone.now()
        )
        partner.calendar = calendar
        return days, True
    if cached:  # stale but better than ours
        return cached["days"], True
    own = {str(d.date): d.is_workday for d in workdays.month_days(year, month)}
    return own, False


def partner_due(partner: Partner, start: dt.date, days: int) -> tuple[dt.date, bool]:
    """The `days`-th working day after `start` (start not counted) in the partner's calendar,
    and whether only the partner's own calendar was used."""
    if days <= 0:
        return start, True
    counted, own, day = 0, True, start
    year, month, table = None, None, {}
    for _ in range(_MAX_MONTHS * 31):
        day += dt.timedelta(days=1)
        if (day.year, day.month) != (year, month):
            year, month = day.year, day.month
            table, got_own = month_of(partner, year, month)
            own = own and got_own
        if table.get(str(day), day.isoweekday() < 6):
            counted += 1
            if counted == days:
                return day, own
    raise ValueError("时限超出可计算范围")
