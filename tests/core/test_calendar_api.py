"""The calendar endpoints: exact answers for 2026, the 2027 warning, and problem+json errors."""

from __future__ import annotations

import datetime as dt

import pytest

from yishi.core.models import CalendarDay

pytestmark = pytest.mark.django_db

ADD = "/api/v1/calendar/add-working-days"
COUNT = "/api/v1/calendar/working-days"
DAYS = "/api/v1/calendar/days"
PROBLEM = "application/problem+json; charset=utf-8"
WARNING_2027 = (
    "2027年国家节假日安排尚未发布或尚未录入：已按法定节假日推算，调休和补假未计入，"
    "日期可能变动，请管理员录入2027年节假日与调休"
)


def test_two_working_days_after_13_february_skip_spring_festival(client):
    response = client.get(ADD, {"start": "2026-02-13", "days": 2})
    assert response.status_code == 200
    assert response.json() == {"date": "2026-02-24", "warnings": []}


def test_one_working_day_after_30_september_is_8_october(client):
    response = client.get(ADD, {"start": "2026-09-30", "days": 1})
    assert response.json() == {"date": "2026-10-08", "warnings": []}


def test_zero_days_answer_the_start_date(client):
    response = client.get(ADD, {"start": "2026-10-03", "days": 0})
    assert response.json() == {"date": "2026-10-03", "warnings": []}


def test_working_days_across_spring_festival_and_national_day(client):
    response = client.get(COUNT, {"start": "2026-02-13", "end": "2026-10-08"})
    assert response.status_code == 200
    # (2/13, 10/8]: the 2026 total of 248 minus the 31 up to 2/13 and the 61 after 10/8
    assert response.json() == {"working_days": 156, "warnings": []}


def test_same_start_and_end_count_zero(client):
    response = client.get(COUNT, {"start": "2026-03-02", "end": "2026-03-02"})
    assert response.json() == {"working_days": 0, "warnings": []}


def test_a_deadline_in_2027_skips_new_year_and_carries_the_warning(client):
    response = client.get(ADD, {"start": "2026-12-30", "days": 3})  # 12/31, 1/4, 1/5
    assert response.json() == {"date": "2027-01-05", "warnings": [WARNING_2027]}


def test_counting_into_2027_skips_new_year_and_carries_the_warning(client):
    response = client.get(COUNT, {"start": "2026-12-30", "end": "2027-01-08"})
    assert response.json() == {"working_days": 6, "warnings": [WARNING_2027]}


def test_rows_entered_for_2027_are_honoured_and_silence_the_warning(client):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    response = client.get(ADD, {"start": "2026-12-30", "days": 3})
    assert response.json() == {"date": "2027-01-05", "warnings": []}


def test_a_month_lists_each_date_with_its_reason(client):
    response = client.get(DAYS, {"year": 2026, "month": 10})
    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["month"], body["warnings"], len(body["days"])) == (2026, 10, [], 31)
    assert body["days"][0] == {
        "date": "2026-10-01",
        "weekday": 4,
        "is_workday": False,
        "reason": "法定节假日",
        "name": "国庆节",
        "estimated": False,
    }
    assert body["days"][9] == {
        "date": "2026-10-10",
        "weekday": 6,
        "is_workday": True,
        "reason": "调休上班",
        "name": "国庆节",
        "estimated": False,
    }
    assert [d["reason"] for d in body["days"][10:12]] == ["周末", "工作日"]


def test_a_month_shows_administrator_rows(client):
    CalendarDay.objects.create(date=dt.date(2026, 3, 2), kind="holiday", name="防汛停办")
    body = client.get(DAYS, {"year": 2026, "month": 3}).json()
    assert body["days"][1]["reason"] == "管理员设定"
    assert body["days"][1]["name"] == "防汛停办"
    assert body["days"][1]["is_workday"] is False


def test_a_2027_month_is_estimated_and_warns(client):
    body = client.get(DAYS, {"year": 2027, "month": 2}).json()
    assert body["warnings"] == [WARNING_2027]
    assert all(d["estimated"] for d in body["days"])
    assert body["days"][5] == {
        "date": "2027-02-06",
        "weekday": 6,
        "is_workday": False,
        "reason": "法定节假日（按法定假日推算）",
        "name": "春节",
        "estimated": True,
    }
    assert body["days"][7]["reason"] == "法定节假日（按法定假日推算）"  # Monday 8 Feb, 初三
    assert body["days"][8]["reason"] == "工作日"  # 9 Feb: the 补假 and 调休 are not known


@pytest.mark.parametrize(
    ("url", "params", "field", "detail"),
    [
        (
            ADD,
            {"start": "2026-13-01", "days": 1},
            "start",
            "开始日期：必须是 YYYY-MM-DD 格式的日期",
        ),
        (
            ADD,
            {"start": "2026-02-30", "days": 1},
            "start",
            "开始日期：必须是 YYYY-MM-DD 格式的日期",
        ),
        (ADD, {"days": 1}, "start", "开始日期：必须填写"),
        (ADD, {"start": "2026-03-02"}, "days", "工作日天数：必须填写"),
        (ADD, {"start": "2026-03-02", "days": "十"}, "days", "工作日天数：必须是整数"),
        (
            ADD,
            {"start": "2026-03-02", "days": -1},
            "days",
            "工作日天数必须在 0 到 3650 之间",
        ),
        (
            ADD,
            {"start": "2026-03-02", "days": 100000},
            "days",
            "工作日天数必须在 0 到 3650 之间",
        ),
        (
            ADD,
            {"start": "1899-12-31", "days": 1},
            "start",
            "开始日期必须在 1900 年至 2200 年之间",
        ),
        (
            COUNT,
            {"start": "2026-03-02", "end": "2026-3-9"},
            "end",
            "结束日期：必须是 YYYY-MM-DD 格式的日期",
        ),
        (
            COUNT,
            {"start": "2026-03-09", "end": "2026-03-02"},
            "end",
            "结束日期不得早于开始日期",
        ),
        (DAYS, {"year": 2026, "month": 13}, "month", "月份必须是 1 到 12 之间的整数"),
        (DAYS, {"year": 2201, "month": 1}, "year", "年份必须在 1900 到 2200 之间"),
    ],
)
def test_bad_parameters_get_problem_json_naming_the_field(client, url, params, field, detail):
    response = client.get(url, params)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["field"], body["detail"], body["status"]) == (field, detail, 422)
    assert body["title"] == "输入校验失败"
