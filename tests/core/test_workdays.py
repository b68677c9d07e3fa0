"""The working-day calendar against the State Council's 2026 schedule and administrator rows."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from yishi.core import workdays
from yishi.core.errors import ValidationFailed
from yishi.core.models import CalendarDay
from yishi.core.workdays import (
    YearSource,
    add_working_days,
    calendar_warnings,
    has_official_data,
    is_workday,
    working_days_between,
    year_status,
)

D = dt.date
pytestmark = pytest.mark.django_db

WARNING_2027 = (
    "2027年国家节假日安排尚未发布或尚未录入：已按法定节假日推算，调休和补假未计入，"
    "日期可能变动，请管理员录入2027年节假日与调休"
)


def test_every_date_2004_to_2026_agrees_with_chinese_calendar():
    day, disagreements = D(2004, 1, 1), []
    overrides: dict = {}
    while day.year <= 2026:
        if workdays._is_workday_with(day, overrides) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += dt.timedelta(days=1)
    assert disagreements == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 1, 1), False),  # 元旦
        (D(2026, 1, 3), False),  # 元旦 (Saturday)
        (D(2026, 1, 4), True),  # Sunday, 调休上班
        (D(2026, 2, 13), True),
        (D(2026, 2, 14), True),  # Saturday, 调休上班
        (D(2026, 2, 15), False),  # 春节
        (D(2026, 2, 23), False),  # 春节 (Monday)
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday, 调休上班
        (D(2026, 5, 9), True),  # Saturday, 调休上班
        (D(2026, 9, 20), True),  # Sunday, 调休上班
        (D(2026, 10, 7), False),  # 国庆节 (Wednesday)
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday, 调休上班
        (D(2026, 10, 11), False),  # plain Sunday
    ],
)
def test_2026_days_follow_the_official_schedule(day, expected):
    assert is_workday(day) is expected


def test_one_working_day_after_the_friday_before_spring_festival_is_the_adjusted_saturday():
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)


def test_two_working_days_after_the_friday_before_spring_festival_skip_the_holiday():
    assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)


def test_one_working_day_after_30_september_is_the_day_after_national_day():
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)


def test_three_working_days_after_30_september_reach_the_adjusted_saturday():
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)


def test_start_date_is_not_counted_even_when_it_is_a_working_day():
    assert add_working_days(D(2026, 3, 2), 1) == D(2026, 3, 3)  # Monday -> Tuesday
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 3)) == 1
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0


def test_zero_working_days_is_the_start_date_itself():
    assert add_working_days(D(2026, 2, 15), 0) == D(2026, 2, 15)


def test_end_before_start_counts_zero_working_days():
    assert working_days_between(D(2026, 3, 10), D(2026, 3, 2)) == 0


def test_twenty_working_days_from_a_february_acceptance_cross_spring_festival():
    # 2/2..2/13: 10, 2/14: 1, 2/24..2/27: 4, 2/28: 1, 3/2..3/5: 4 -> 20 on 5 March
    assert add_working_days(D(2026, 1, 30), 20) == D(2026, 3, 5)


def test_working_days_between_counts_across_spring_festival_and_national_day():
    # February 2026: 20 weekdays - 6 holiday weekdays (16th-20th, 23rd) + 2 Saturdays = 16
    assert working_days_between(D(2026, 1, 31), D(2026, 2, 28)) == 16
    # 22 weekdays in October - 5 holiday weekdays (1st, 2nd, 5th-7th) + 10 October = 18
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 31)) == 18
    # The whole of 2026: 261 weekdays - 19 holiday weekdays + 6 adjusted weekend days
    expected = len(chinese_calendar.get_workdays(D(2026, 1, 1), D(2026, 12, 31)))
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == expected == 248


def test_a_pause_of_three_working_days_moves_the_deadline_by_three_working_days():
    start = D(2026, 3, 2)
    assert add_working_days(start, 10) == D(2026, 3, 16)
    # 补正 from Wednesday 4 March to Monday 9 March: 4th, 5th, 6th and 9th are working days
    pause = (D(2026, 3, 4), D(2026, 3, 6))  # three working days
    assert add_working_days(start, 10, pauses=[pause]) == add_working_days(D(2026, 3, 16), 3)
    assert add_working_days(start, 10, pauses=[pause]) == D(2026, 3, 19)


def test_paused_working_days_are_not_counted_between_two_dates():
    pause = (D(2026, 3, 4), D(2026, 3, 9))  # 4th, 5th, 6th, 9th are working days
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 13)) == 9
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 13), pauses=[pause]) == 5


def test_overlapping_pauses_are_counted_once():
    pauses = [(D(2026, 3, 4), D(2026, 3, 6)), (D(2026, 3, 5), D(2026, 3, 9))]
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 13), pauses=pauses) == 5


def test_a_pause_over_a_holiday_changes_nothing():
    pause = (D(2026, 10, 1), D(2026, 10, 7))
    assert add_working_days(D(2026, 9, 30), 1, pauses=[pause]) == D(2026, 10, 8)


def test_an_administrator_holiday_row_overrides_the_package():
    CalendarDay.objects.create(date=D(2026, 3, 2), kind=CalendarDay.Kind.HOLIDAY, name="防汛停办")
    assert is_workday(D(2026, 3, 2)) is False
    assert add_working_days(D(2026, 2, 27), 2) == D(2026, 3, 3)  # 2/28 (Sat, 调休), then 3/3
    assert working_days_between(D(2026, 2, 27), D(2026, 3, 6)) == 5


def test_an_administrator_workday_row_overrides_a_package_holiday():
    CalendarDay.objects.create(date=D(2026, 10, 8), kind=CalendarDay.Kind.HOLIDAY, name="")
    CalendarDay.objects.create(date=D(2026, 10, 7), kind=CalendarDay.Kind.WORKDAY, name="值班")
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 7)
    assert add_working_days(D(2026, 9, 30), 2) == D(2026, 10, 9)


def test_2027_without_its_schedule_rests_on_the_statutory_holidays_and_warns():
    assert year_status(2027) is YearSource.STATUTORY
    assert has_official_data(2027) is False
    assert is_workday(D(2027, 1, 1)) is False  # 元旦, a Friday: a rest day by law
    assert is_workday(D(2027, 1, 2)) is False  # Saturday
    assert is_workday(D(2027, 1, 4)) is True
    assert add_working_days(D(2026, 12, 30), 3) == D(2027, 1, 5)  # 12/31, 1/4, 1/5
    assert calendar_warnings(D(2026, 12, 30), D(2027, 1, 5)) == [WARNING_2027]


def test_warnings_name_every_year_without_data_and_none_for_known_years():
    assert calendar_warnings(D(2004, 1, 1), D(2026, 12, 31)) == []
    assert calendar_warnings(D(2028, 6, 1), D(2026, 6, 1)) == [
        WARNING_2027,
        (
            "2028年国家节假日安排尚未发布或尚未录入：已按法定节假日推算，调休和补假未计入，"
            "日期可能变动，请管理员录入2028年节假日与调休"
        ),
    ]


def test_entering_2027_rows_removes_the_warning_and_the_rows_are_honoured():
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦"),
            CalendarDay(date=D(2027, 2, 20), kind=CalendarDay.Kind.WORKDAY, name="春节调休上班"),
        ]
    )
    assert year_status(2027) is YearSource.ADMIN
    assert has_official_data(2027) is True
    assert calendar_warnings(D(2026, 12, 30), D(2027, 12, 31)) == []
    assert add_working_days(D(2026, 12, 30), 3) == D(2027, 1, 5)  # 12/31, 1/4, 1/5
    assert is_workday(D(2027, 2, 20)) is True  # a Saturday made a working day


def test_years_the_package_knows_are_official():
    assert year_status(2004) is YearSource.OFFICIAL
    assert year_status(2026) is YearSource.OFFICIAL
    assert year_status(2003) is YearSource.STATUTORY


def test_month_days_explain_each_date():
    days = {d.date: d for d in workdays.month_days(2026, 10)}
    assert len(days) == 31
    assert (days[D(2026, 10, 1)].reason, days[D(2026, 10, 1)].name) == ("法定节假日", "国庆节")
    assert (days[D(2026, 10, 10)].reason, days[D(2026, 10, 10)].is_workday) == ("调休上班", True)
    assert days[D(2026, 10, 11)].reason == "周末"
    assert days[D(2026, 10, 12)].reason == "工作日"
    assert not any(d.estimated for d in days.values())


def test_month_days_show_administrator_rows_and_estimates():
    CalendarDay.objects.create(date=D(2026, 3, 2), kind=CalendarDay.Kind.HOLIDAY, name="防汛停办")
    march = workdays.month_days(2026, 3)
    assert (march[1].reason, march[1].name, march[1].is_workday) == (
        "管理员设定",
        "防汛停办",
        False,
    )
    assert all(d.estimated for d in workdays.month_days(2027, 10))


def test_adding_working_days_loads_the_calendar_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert add_working_days(D(2026, 1, 1), 1000) == D(2029, 12, 26)


def test_a_long_administrator_closure_still_finds_the_deadline():
    CalendarDay.objects.bulk_create(
        CalendarDay(date=D(2030, 1, 1) + dt.timedelta(days=i), kind=CalendarDay.Kind.HOLIDAY)
        for i in range(60)
    )
    # 2030-03-02 is a Saturday: the first working day after the closure is Monday 4 March
    assert add_working_days(D(2029, 12, 31), 1) == D(2030, 3, 4)


@pytest.mark.parametrize("days", [-1, 3651, 10**9])
def test_days_outside_0_to_3650_are_refused_naming_the_field(days):
    with pytest.raises(ValidationFailed) as caught:
        add_working_days(D(2026, 1, 1), days)
    assert caught.value.field == "days"
    assert caught.value.message == "工作日天数必须在 0 到 3650 之间"


def test_dates_outside_1900_to_2200_are_refused_naming_the_field():
    with pytest.raises(ValidationFailed) as caught:
        working_days_between(D(2026, 1, 1), D(2201, 1, 1))
    assert (caught.value.field, caught.value.message) == (
        "end",
        "结束日期必须在 1900 年至 2200 年之间",
    )


def test_a_deadline_beyond_2200_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        add_working_days(D(2200, 6, 1), 3650)
    assert caught.value.field == "days"


def test_a_pause_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        add_working_days(D(2026, 3, 2), 5, pauses=[(D(2026, 3, 9), D(2026, 3, 4))])
    assert caught.value.field == "pauses"
    assert caught.value.message == "暂停区间的结束日期 2026-03-04 早于开始日期 2026-03-09"


def test_a_datetime_is_refused_because_its_calendar_day_is_ambiguous():
    with pytest.raises(ValidationFailed) as caught:
        is_workday(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    assert caught.value.field == "date"
