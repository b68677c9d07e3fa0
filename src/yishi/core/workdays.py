"""The district's working-day calendar: legal time limits (限时办结) count working days.

Whether a date is a working day is decided, in this order, by
1. an administrator's CalendarDay row for that date (it always wins);
2. the official State Council schedule shipped in chinese-calendar, for the years it knows;
3. otherwise the law: the statutory holidays of 《全国年节及纪念日放假办法》 (as amended
   2024-11-10, in force 2025-01-01) rest whatever weekday they fall on, and so do Saturdays
   and Sundays; every other date is a working day. The lunar dates (除夕, 端午, 中秋) and the
   solar term 清明 come from lunar_python.

A year "has official data" when chinese-calendar knows it, or when the administrator has
entered at least one CalendarDay row dated in that year: whoever starts entering a year is
expected to enter its whole holiday/adjusted-workday schedule, so one row is enough to stop
the warning. Years with neither are estimated from the law and produce a warning: the
yearly schedule's 调休 (weekend days made working days, 补假 for a holiday on a weekend)
cannot be predicted.

Counting follows the law: a time limit runs from the day after receipt, so the start date is
never counted. Pauses (补正, 特别程序) are inclusive date ranges during which the clock is
stopped; working days inside them do not count.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from chinese_calendar.constants import Holiday
from chinese_calendar.constants import holidays as _PKG_HOLIDAYS
from chinese_calendar.constants import workdays as _PKG_WORKDAYS
from django.db import connection
from lunar_python import Lunar

from yishi.core import rows
from yishi.core.errors import ValidationFailed
from yishi.core.events import event_record
from yishi.core.models import CalendarDay

# Recorded when administrator rows change; higher apps move the open deadlines it affects.
CALENDAR_CHANGED = "core.calendar.changed"

MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2200, 12, 31)
MAX_DAYS = 3650
PACKAGE_FIRST_YEAR = min(_PKG_HOLIDAYS).year
PACKAGE_LAST_YEAR = max(_PKG_HOLIDAYS).year

_ONE_DAY = dt.timedelta(days=1)
# The package's Chinese names are terse ("清明"); show the names the State Council notice uses.
_HOLIDAY_NAMES = {h.value: h.chinese for h in Holiday} | {
    Holiday.tomb_sweeping_day.value: "清明节",
    Holiday.dragon_boat_festival.value: "端午节",
    Holiday.mid_autumn_festival.value: "中秋节",
}

Pause = tuple[dt.date, dt.date]
# Messages name a parameter by its Chinese label, never by its key.
FIELD_LABELS = {
    "start": "开始日期",
    "end": "结束日期",
    "date": "日期",
    "days": "工作日天数",
    "year": "年份",
    "month": "月份",
    "pauses": "暂停区间的日期",
}
_Overrides = dict[dt.date, tuple[bool, str]]


class YearSource(StrEnum):
    """Where a year's holiday schedule comes from."""

    OFFICIAL = "official"  # chinese-calendar ships the State Council schedule
    ADMIN = "admin"  # the administrator has entered CalendarDay rows for the year
    # Nothing published or entered: weekends and the statutory holidays rest, 调休 unknown.
    STATUTORY = "statutory"


class Reason(StrEnum):
    """Why a date is or is not a working day, as shown to people."""

    WORKDAY = "工作日"
    WEEKEND = "周末"
    HOLIDAY = "法定节假日"
    STATUTORY = "法定节假日（按法定假日推算）"  # a year without its official schedule
    ADJUSTED_WORKDAY = "调休上班"
    ADMIN = "管理员设定"


@dataclass(frozen=True, slots=True)
class DayInfo:
    """One date of the calendar with its ruling and the reason for it."""

    date: dt.date
    is_workday: bool
    reason: Reason
    name: str
    estimated: bool  # the year has no official data: estimated from the statutory holidays


# --- validation ------------------------------------------------------------------------------


def _check_date(value: object, field: str) -> dt.date:
    """Return `value` if it is a date within the supported range, else raise ValidationFailed."""
    label = FIELD_LABELS.get(field, "日期")
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationFailed(f"{label}必须是日期（YYYY-MM-DD）", field=field)
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValidationFailed(f"{label}必须在 1900 年至 2200 年之间", field=field)
    return value


def _check_days(days: object) -> int:
    """Return `days` if it is an integer in 0..MAX_DAYS, else raise ValidationFailed."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValidationFailed("工作日天数必须是整数", field="days")
    if not 0 <= days <= MAX_DAYS:
        raise ValidationFailed(f"工作日天数必须在 0 到 {MAX_DAYS} 之间", field="days")
    return days


def _check_year(year: object, field: str = "year") -> int:
    """Return `year` if it is an integer within 1900..2200, else raise ValidationFailed."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValidationFailed(f"{FIELD_LABELS.get(field, '年份')}必须是整数", field=field)
    if not MIN_DATE.year <= year <= MAX_DATE.year:
        raise ValidationFailed(
            f"{FIELD_LABELS.get(field, '年份')}必须在 1900 到 2200 之间", field=field
        )
    return year


def _normalize_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    """Validate pause ranges and merge overlapping or adjacent ones, sorted by start."""
    spans: list[Pause] = []
    for item in pauses:
        try:
            first, last = item
        except (TypeError, ValueError):
            raise ValidationFailed(
                "每个暂停区间必须是（开始日期, 结束日期）", field="pauses"
            ) from None
        _check_date(first, "pauses")
        _check_date(last, "pauses")
        if last < first:
            raise ValidationFailed(
                f"暂停区间的结束日期 {last} 早于开始日期 {first}", field="pauses"
            )
        spans.append((first, last))
    spans.sort()
    merged: list[Pause] = []
    for first, last in spans:
        if merged and first <= merged[-1][1] + _ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


# --- the statutory holidays fixed by law -----------------------------------------------------


def _solar(lunar: Lunar) -> dt.date:
    solar = lunar.getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@cache  # one entry per year asked, at most the 301 years of MIN..MAX_DATE
def statutory_holidays(year: int) -> MappingProxyType[dt.date, str]:
    """The rest days 《全国年节及纪念日放假办法》 gives everyone in `year`, with their names:
    元旦 1/1; 春节 除夕 to 正月初三; 清明节 on the solar term; 劳动节 5/1–5/2; 端午节 五月初五;
    中秋节 八月十五; 国庆节 10/1–10/3. This is the text in force since 2025 (it added 除夕 and
    5月2日); the years chinese-calendar knows use its schedule instead, and years before 2004
    are estimated with today's text too."""
    _check_year(year)
    first_moon = Lunar.fromYmd(year, 1, 1)  # 正月初一 of the lunar year begun in `year`
    spring = _solar(first_moon)
    days: dict[dt.date, list[str]] = {}

    def rest(day: dt.date, name: str) -> None:
        days.setdefault(day, []).append(name)

    rest(dt.date(year, 1, 1), "元旦")
    for offset in range(-1, 3):  # 除夕 (the day before 初一, month 12 has 29 or 30 days) … 初三
        rest(spring + dt.timedelta(days=offset), "春节")
    qingming = first_moon.getJieQiTable()["清明"]
    rest(dt.date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节")
    rest(dt.date(year, 5, 1), "劳动节")
    rest(dt.date(year, 5, 2), "劳动节")
    rest(_solar(Lunar.fromYmd(year, 5, 5)), "端午节")
    rest(_solar(Lunar.fromYmd(year, 8, 15)), "中秋节")
    for day in (1, 2, 3):
        rest(dt.date(year, 10, day), "国庆节")
    # 中秋 may fall within 国庆 (2028-10-03): one rest day named after both.
    return MappingProxyType({day: "、".join(names) for day, names in sorted(days.items())})


def _statutory_name(day: dt.date) -> str | None:
    """The statutory holiday on `day` in a year chinese-calendar does not know, else None."""
    if PACKAGE_FIRST_YEAR <= day.year <= PACKAGE_LAST_YEAR:
        return None
    return statutory_holidays(day.year).get(day)


# --- the ruling on one date ------------------------------------------------------------------


_scope = threading.local()


@contextmanager
def calendar_scope() -> Iterator[None]:
    """Within the block, administrator rows read once serve every later date computation of
    the same thread (one request computes several deadlines over overlapping ranges)."""
    if getattr(_scope, "loaded", None) is not None:
        yield
        return
    _scope.loaded = []
    try:
        yield
    finally:
        _scope.loaded = None


def _load_overrides(first: dt.date, last: dt.date) -> _Overrides:
    """Load the administrator's rows for first..last (inclusive) in one query (or none, in a
    calendar_scope that already covers the range; the answer may then hold more dates)."""
    loaded = getattr(_scope, "loaded", None)
    if loaded is not None:
        for lo, hi, overrides in loaded:
            if lo <= first and last <= hi:
                return overrides
        # Read ahead: the next deadline of the same request most likely falls in this year.
        last = min(max(last, first + dt.timedelta(days=400)), MAX_DATE)
    ops = connection.ops
    found = rows.select(
        CalendarDay,
        '"date" BETWEEN %s AND %s',
        [ops.adapt_datefield_value(first), ops.adapt_datefield_value(last)],
    )
    result = {row.date: (row.kind == CalendarDay.Kind.WORKDAY, row.name) for row in found}
    if loaded is not None:
        loaded.append((first, last, result))
    return result


def _default_workday(day: dt.date) -> bool:
    """The official schedule where chinese-calendar knows it, else Monday to Friday except
    the statutory holidays."""
    if day in _PKG_WORKDAYS:
        return True
    if day in _PKG_HOLIDAYS:
        return False
    if day.weekday() >= 5:
        return False
    return _statutory_name(day) is None


def _is_workday_with(day: dt.date, overrides: _Overrides) -> bool:
    """Decide one date given the administrator's rows already loaded for it."""
    ruling = overrides.get(day)
    if ruling is not None:
        return ruling[0]
    return _default_workday(day)


def _explain(day: dt.date, overrides: _Overrides, *, estimated: bool) -> DayInfo:
    """Decide one date and say why, given the administrator's rows already loaded for it."""
    ruling = overrides.get(day)
    if ruling is not None:
        return DayInfo(day, ruling[0], Reason.ADMIN, ruling[1], False)
    if day in _PKG_WORKDAYS:
        name = _HOLIDAY_NAMES.get(_PKG_WORKDAYS[day], _PKG_WORKDAYS[day])
        return DayInfo(day, True, Reason.ADJUSTED_WORKDAY, name, estimated)
    if day in _PKG_HOLIDAYS:
        name = _HOLIDAY_NAMES.get(_PKG_HOLIDAYS[day], _PKG_HOLIDAYS[day])
        return DayInfo(day, False, Reason.HOLIDAY, name, estimated)
    statutory = _statutory_name(day)
    if statutory is not None:
        return DayInfo(day, False, Reason.STATUTORY, statutory, estimated)
    if day.weekday() >= 5:
        return DayInfo(day, False, Reason.WEEKEND, "", estimated)
    return DayInfo(day, True, Reason.WORKDAY, "", estimated)


def is_workday(day: dt.date) -> bool:
    """Whether `day` is a working day: admin row, else chinese-calendar, else the law."""
    _check_date(day, "date")
    return _is_workday_with(day, _load_overrides(day, day))


def day_info(day: dt.date) -> DayInfo:
    """The ruling on one date with its reason (法定节假日, 调休上班, 周末, 管理员设定 …)."""
    _check_date(day, "date")
    estimated = not has_official_data(day.year)
    return _explain(day, _load_overrides(day, day), estimated=estimated)


def month_days(year: int, month: int) -> list[DayInfo]:
    """Every date of one month with its ruling and reason, loaded in one query."""
    _check_year(year)
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValidationFailed("月份必须是 1 到 12 之间的整数", field="month")
    first = dt.date(year, month, 1)
    last = (dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)) - _ONE_DAY
    overrides = _load_overrides(first, last)
    estimated = not has_official_data(year)
    return [
        _explain(first + dt.timedelta(days=i), overrides, estimated=estimated)
        for i in range(last.day)
    ]


def calendar_days_changed(dates: Iterable[dt.date]) -> None:
    """Call inside the transaction that adds, edits or deletes CalendarDay rows (admin, bulk
    import): after commit, every open deadline counting across one of `dates` is recomputed
    by the higher apps' handlers of CALENDAR_CHANGED."""
    changed = sorted({_check_date(day, "date") for day in dates})
    if changed:
        event_record(CALENDAR_CHANGED, {"dates": [day.isoformat() for day in changed]})


# --- coverage and warnings -------------------------------------------------------------------


def _years_with_rows(first_year: int, last_year: int) -> set[int]:
    """The years within first_year..last_year that have at least one administrator row."""
    dates = CalendarDay.objects.filter(
        date__range=(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    ).dates("date", "year")
    return {d.year for d in dates}


def year_status(year: int) -> YearSource:
    """Where the year's schedule comes from: chinese-calendar, admin rows, or the law only."""
    _check_year(year)
    if PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR:
        return YearSource.OFFICIAL
    if _years_with_rows(year, year):
        return YearSource.ADMIN
    return YearSource.STATUTORY


def has_official_data(year: int) -> bool:
    """Whether the year's holidays are known (chinese-calendar or at least one admin row)."""
    return year_status(year) is not YearSource.STATUTORY


def missing_years(first_year: int, last_year: int) -> list[int]:
    """The years within first_year..last_year that have no official data, in order."""
    _check_year(first_year)
    _check_year(last_year)
    unknown = [
        y
        for y in range(first_year, last_year + 1)
        if not PACKAGE_FIRST_YEAR <= y <= PACKAGE_LAST_YEAR
    ]
    if not unknown:
        return []
    entered = _years_with_rows(unknown[0], unknown[-1])
    return [y for y in unknown if y not in entered]


def missing_year_warning(year: int) -> str:
    """The warning shown when a computation touches a year with no official data."""
    return (
        f"{year}年国家节假日安排尚未发布或尚未录入：已按法定节假日推算，调休和补假未计入，"
        f"日期可能变动，请管理员录入{year}年节假日与调休"
    )


def calendar_warnings(start: dt.date, end: dt.date) -> list[str]:
    """Warnings for each year touched by start..end that has no official schedule."""
    _check_date(start, "start")
    _check_date(end, "end")
    first, last = min(start, end), max(start, end)
    return [missing_year_warning(y) for y in missing_years(first.year, last.year)]


# --- counting --------------------------------------------------------------------------------


def _clipped_pause_days(spans: list[Pause], after: dt.date) -> int:
    """How many calendar days of the pauses fall after `after`."""
    total = 0
    for first, last in spans:
        if last > after:
            total += (last - max(first, after + _ONE_DAY)).days + 1
    return total


def add_working_days(start: dt.date, days: int, pauses: Iterable[Pause] = ()) -> dt.date:
    """The `days`-th working day after `start` (start not counted), skipping paused dates."""
    _check_date(start, "start")
    _check_days(days)
    spans = _normalize_pauses(pauses)
    if days == 0:
        return start
    remaining = days
    # A generous first window (weekends, Spring Festival, pauses) so one query is the norm;
    # admin rows that close long stretches only cost further windows.
    window = days * 2 + 30 + _clipped_pause_days(spans, start)
    pause_index = 0
    scanned_to = start
    while scanned_to < MAX_DATE:
        first = scanned_to + _ONE_DAY
        last = min(first + dt.timedelta(days=window), MAX_DATE)
        overrides = _load_overrides(first, last)
        day = first
        while day <= last:
            while pause_index < len(spans) and spans[pause_index][1] < day:
                pause_index += 1
            paused = pause_index < len(spans) and spans[pause_index][0] <= day
            if not paused and _is_workday_with(day, overrides):
                remaining -= 1
                if remaining == 0:
                    return day
            day += _ONE_DAY
        scanned_to = last
    raise ValidationFailed("工作日天数过大：期限超出日历支持的范围（2200 年以后）", field="days")


def working_days_between(start: dt.date, end: dt.date, pauses: Iterable[Pause] = ()) -> int:
    """Working days in (start, end], minus those inside pauses; 0 when end <= start."""
    _check_date(start, "start")
    _check_date(end, "end")
    spans = _normalize_pauses(pauses)
    if end <= start:
        return 0
    overrides = _load_overrides(start + _ONE_DAY, end)
    count = 0
    pause_index = 0
    day = start + _ONE_DAY
    while day <= end:
        while pause_index < len(spans) and spans[pause_index][1] < day:
            pause_index += 1
        paused = pause_index < len(spans) and spans[pause_index][0] <= day
        if not paused and _is_workday_with(day, overrides):
            count += 1
        day += _ONE_DAY
    return count
