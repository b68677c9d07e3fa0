"""Working-day calendar API: add working days, count them, show a month."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from yishi.core import workdays
from yishi.core.errors import ValidationFailed

router = Router(tags=["工作日历"])


class DeadlineIn(Schema):
    start: dt.date = Field(..., description="开始日期（受理日），当天不计")
    days: int = Field(..., description="工作日天数，0 到 3650")


class WorkingDaysIn(Schema):
    start: dt.date = Field(..., description="开始日期，当天不计")
    end: dt.date = Field(..., description="结束日期，当天计入")


class MonthIn(Schema):
    year: int = Field(..., description="年份，1900 到 2200")
    month: int = Field(..., description="月份，1 到 12")


class DeadlineOut(Schema):
    date: dt.date = Field(..., description="第 N 个工作日（开始日期当天不计）")
    warnings: list[str] = Field(..., description="涉及尚无官方节假日安排的年份时的提示")


class WorkingDaysOut(Schema):
    working_days: int = Field(..., description="(start, end] 区间内的工作日天数")
    warnings: list[str]


class DayOut(Schema):
    date: dt.date
    weekday: int = Field(..., description="星期几：1=星期一 … 7=星期日")
    is_workday: bool
    reason: str = Field(
        ...,
        description="工作日、周末、法定节假日、法定节假日（按法定假日推算）、调休上班或管理员设定",
    )
    name: str = Field(..., description="节假日名称或管理员填写的说明")
    estimated: bool = Field(
        ..., description="该年尚无官方安排，按周末和法定节假日推算（调休未计入）"
    )


class MonthOut(Schema):
    year: int
    month: int
    days: list[DayOut]
    warnings: list[str]


@router.get(
    "/calendar/add-working-days",
    response=DeadlineOut,
    summary="计算第 N 个工作日（办结期限）",
)
def add_working_days(request: HttpRequest, params: Query[DeadlineIn]) -> dict[str, object]:
    """The deadline `days` working days after `start`, with calendar warnings."""
    deadline = workdays.add_working_days(params.start, params.days)
    return {"date": deadline, "warnings": workdays.calendar_warnings(params.start, deadline)}


@router.get(
    "/calendar/working-days",
    response=WorkingDaysOut,
    summary="统计两个日期之间的工作日天数",
)
def working_days(request: HttpRequest, params: Query[WorkingDaysIn]) -> dict[str, object]:
    """Working days in (start, end], with calendar warnings."""
    start, end = params.start, params.end
    if end < start:
        raise ValidationFailed("结束日期不得早于开始日期", field="end")
    count = workdays.working_days_between(start, end)
    return {"working_days": count, "warnings": workdays.calendar_warnings(start, end)}


@router.get("/calendar/days", response=MonthOut, summary="查看某月每日是否为工作日")
def month_days(request: HttpRequest, params: Query[MonthIn]) -> dict[str, object]:
    """Each date of one month: working day or not, and why."""
    year, month = params.year, params.month
    days = workdays.month_days(year, month)
    return {
        "year": year,
        "month": month,
        "days": [
            {
                "date": d.date,
                "weekday": d.date.isoweekday(),
                "is_workday": d.is_workday,
                "reason": str(d.reason),
                "name": d.name,
                "estimated": d.estimated,
            }
            for d in days
        ],
        "warnings": [workdays.missing_year_warning(y) for y in workdays.missing_years(year, year)],
    }
