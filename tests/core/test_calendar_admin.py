"""The calendar admin: the list warns about near years whose holidays nobody has entered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yishi.core.admin_calendar import admin_calendar_warning, upcoming_missing_years
from yishi.core.models import CalendarDay

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/core/calendarday/"
# Next year (2027 when this was written) is never in chinese-calendar 1.11.0, which stops at 2026.
NEXT = timezone.localdate().year + 1
WARNING_NEXT = (
    f"{NEXT}年尚无官方节假日安排：期限已按法定节假日推算，调休和补假未计入，"
    f"请录入{NEXT}年节假日与调休"
)


def _texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_changelist_warns_about_next_year_when_there_are_no_rows(admin_client):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert WARNING_NEXT in _texts(response)
    assert WARNING_NEXT in response.content.decode()


def test_changelist_warns_about_each_near_year_without_data(admin_client):
    this_year = timezone.localdate().year
    expected = [admin_calendar_warning(y) for y in upcoming_missing_years(this_year)]
    assert expected == [
        admin_calendar_warning(y)
        for y in range(this_year, this_year + 3)
        if y > 2026  # chinese-calendar 1.11.0 knows 2004–2026
    ]
    assert _texts(admin_client.get(CHANGELIST)) == expected


def test_rows_for_next_year_silence_its_warning(admin_client):
    CalendarDay.objects.create(date=dt.date(NEXT, 1, 1), kind="holiday", name="元旦")
    response = admin_client.get(CHANGELIST)
    assert WARNING_NEXT not in _texts(response)
    assert "元旦" in response.content.decode()


def test_changelist_filters_by_year_and_kind_and_searches_names(admin_client):
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=dt.date(2027, 1, 1), kind="holiday", name="元旦"),
            CalendarDay(date=dt.date(2027, 2, 20), kind="workday", name="春节调休上班"),
            CalendarDay(date=dt.date(2026, 3, 2), kind="holiday", name="防汛停办"),
        ]
    )
    by_year = admin_client.get(CHANGELIST, {"year": "2027"})
    assert [o.name for o in by_year.context["cl"].result_list] == ["元旦", "春节调休上班"]
    by_kind = admin_client.get(CHANGELIST, {"kind__exact": "holiday"})
    assert [o.name for o in by_kind.context["cl"].result_list] == ["防汛停办", "元旦"]
    found = admin_client.get(CHANGELIST, {"q": "调休"})
    assert [o.name for o in found.context["cl"].result_list] == ["春节调休上班"]
    assert "星期六" in found.content.decode()


def test_a_non_staff_user_cannot_open_the_calendar(client, django_user_model):
    user = django_user_model.objects.create_user(username="applicant", password="x-123456")
    client.force_login(user)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
