"""Years without their official schedule rest on the statutory holidays fixed by law
(《全国年节及纪念日放假办法》, 2025 text); the lunar dates and 清明 come from lunar_python and are
checked against the official schedules chinese-calendar ships for 2020–2026."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from chinese_calendar.constants import Holiday

from yishi.core import workdays
from yishi.core.models import CalendarDay
from yishi.core.workdays import (
    Reason,
    add_working_days,
    calendar_warnings,
    day_info,
    is_workday,
    statutory_holidays,
    working_days_between,
)

D = dt.date
pytestmark = pytest.mark.django_db

WARNING_2027 = (
    "2027年国家节假日安排尚未发布或尚未录入：已按法定节假日推算，调休和补假未计入，"
    "日期可能变动，请管理员录入2027年节假日与调休"
)
# 2027-02-05 is 除夕 (农历腊月三十), 2027-02-06 正月初一 (lunar_python; 2027 has no leap month
# before the new year).
SPRING_FESTIVAL_2027 = [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]


def _named(year: int, name: str) -> list[dt.date]:
    return [day for day, names in statutory_holidays(year).items() if name in names.split("、")]


def _official(day: dt.date) -> str | None:
    _, detail = chinese_calendar.get_holiday_detail(day)
    return detail


@pytest.mark.parametrize("year", range(2020, 2027))
def test_lunar_dates_and_qingming_agree_with_the_official_schedule(year):
    """正月初一, 清明, 端午 and 中秋 from lunar_python are official holidays of the same name
    (中秋 2020 fell on 国庆节 1 October)."""
    new_year = _named(year, "春节")[1]  # 除夕, 初一, 初二, 初三
    assert _official(new_year) == Holiday.spring_festival.value
    assert [_official(d) for d in _named(year, "清明节")] == [Holiday.tomb_sweeping_day.value]
    assert [_official(d) for d in _named(year, "端午节")] == [Holiday.dragon_boat_festival.value]
    assert [_official(d) for d in _named(year, "中秋节")] in (
        [Holiday.mid_autumn_festival.value],
        [Holiday.national_day.value],
    )


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_of_the_2025_law_is_an_official_holiday(year):
    """Since 2025 (除夕 and 5月2日 added) the statutory days are within the official schedule."""
    for day in statutory_holidays(year):
        assert chinese_calendar.is_holiday(day), day


def test_2027_has_the_thirteen_statutory_days_of_the_law():
    assert dict(statutory_holidays(2027)) == {
        D(2027, 1, 1): "元旦",
        **dict.fromkeys(SPRING_FESTIVAL_2027, "春节"),
        D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节",
        D(2027, 5, 2): "劳动节",
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节",
    }


def test_mid_autumn_on_national_day_is_one_rest_day_named_after_both():
    assert statutory_holidays(2028)[D(2028, 10, 3)] == "中秋节、国庆节"
    assert len(statutory_holidays(2028)) == 12


def test_without_the_2027_schedule_new_year_is_not_a_working_day():
    info = day_info(D(2027, 1, 1))
    assert (info.is_workday, info.reason, info.name, info.estimated) == (
        False,
        Reason.STATUTORY,
        "元旦",
        True,
    )
    assert str(info.reason) == "法定节假日（按法定假日推算）"
    # 15 working days after 2026-12-20: 12/21–12/31 (9), 1/4–1/8 (5), 1/11 — not 1/8
    assert add_working_days(D(2026, 12, 20), 15) == D(2027, 1, 11)
    assert working_days_between(D(2026, 12, 20), D(2027, 1, 11)) == 15
    assert calendar_warnings(D(2026, 12, 20), D(2027, 1, 11)) == [WARNING_2027]


def test_without_the_2027_schedule_the_spring_festival_days_are_not_working_days():
    assert [is_workday(d) for d in SPRING_FESTIVAL_2027] == [False] * 4
    assert is_workday(D(2027, 2, 4)) is True  # Thursday before 除夕
    assert is_workday(D(2027, 2, 9)) is True  # the 补假 for 初一/初二 on a weekend is unknown
    # Thursday 4 Feb + 1 working day skips 除夕 (Fri) to 初三 (Mon)
    assert add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 9)
    # (2/1, 2/12]: 9 weekdays minus 除夕 (5th) and 初三 (8th)
    assert working_days_between(D(2027, 2, 1), D(2027, 2, 12)) == 7
    february = workdays.month_days(2027, 2)
    assert [(d.date, d.reason, d.name) for d in february if d.reason == Reason.STATUTORY] == [
        (day, Reason.STATUTORY, "春节") for day in SPRING_FESTIVAL_2027
    ]
    assert all(d.estimated for d in february)


def test_counting_and_explaining_agree_on_every_date_of_2027_to_2029():
    """is_workday, day_info, month_days, add_working_days and working_days_between agree."""
    start = D(2026, 12, 31)
    explained = [
        d for y in (2027, 2028, 2029) for m in range(1, 13) for d in workdays.month_days(y, m)
    ]
    working = [d.date for d in explained if d.is_workday]
    assert [d.date for d in explained if not d.is_workday and d.date.weekday() < 5] == sorted(
        day for y in (2027, 2028, 2029) for day in statutory_holidays(y) if day.weekday() < 5
    )
    assert working_days_between(start, D(2029, 12, 31)) == len(working)
    assert add_working_days(start, len(working)) == working[-1]
    assert add_working_days(start, 100) == working[99]
    for day in (D(2027, 10, 1), D(2028, 1, 26), D(2029, 4, 4)):
        assert day_info(day).is_workday is is_workday(day) is (day in working)


def test_an_administrator_row_still_wins_over_a_statutory_day():
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDay.Kind.WORKDAY, name="值班")
    assert is_workday(D(2027, 1, 1)) is True
    assert day_info(D(2027, 1, 1)).reason == Reason.ADMIN


def test_statutory_days_stay_rest_days_once_the_administrator_starts_the_year():
    """One row ends the warning; the days fixed by law rest unless a row says otherwise."""
    CalendarDay.objects.create(date=D(2027, 2, 9), kind=CalendarDay.Kind.HOLIDAY, name="春节")
    assert calendar_warnings(D(2027, 1, 1), D(2027, 12, 31)) == []
    assert is_workday(D(2027, 2, 8)) is False
    assert day_info(D(2027, 2, 8)).estimated is False


def test_years_the_package_knows_ignore_the_statutory_rule():
    # 2024: 除夕 (9 February) was not yet a statutory holiday and was a working day.
    assert is_workday(D(2024, 2, 9)) is True
    assert day_info(D(2024, 2, 9)).reason == Reason.WORKDAY
