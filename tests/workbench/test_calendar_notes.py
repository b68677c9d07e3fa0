"""Clerks see the calendar warning beside each running deadline that counts through a year
whose official holiday schedule is not published or entered yet, and only there."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory
from tests.workbench.conftest import reviewer_of
from yishi.cases.calendar_changes import deadlines_follow_calendar
from yishi.cases.services import application_accept, application_submit
from yishi.core.models import CalendarDay

pytestmark = pytest.mark.django_db

NOTE = (
    "提示：2027年国家节假日安排尚未发布或尚未录入：已按法定节假日推算，调休和补假未计入，"
    "日期可能变动，请管理员录入2027年节假日与调休"
)


def _accept(chain, window, day):
    app = application_submit(
        user=ApplicantFactory().user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    return application_accept(application=app, staff=window.user, today=day)


def test_a_deadline_in_2027_carries_the_warning_on_the_reviewers_pages(client, chain, window):
    across = _accept(chain, window, dt.date(2026, 12, 28))  # A due 2027-01-05 (元旦 skipped)
    inside = _accept(chain, window, dt.date(2026, 3, 2))  # A due 2026-03-09
    client.force_login(reviewer_of(chain, "a").user)

    html = client.get("/workbench/subcases/").content.decode()
    assert html.count("data-calendar-note") == 1
    assert NOTE in html and "2027-01-05" in html

    a_across = across.subcases.get(matter__name="链路事项A")
    a_inside = inside.subcases.get(matter__name="链路事项A")
    detail = client.get(f"/workbench/subcases/{a_across.pk}/").content.decode()
    assert detail.count("data-calendar-note") == 2  # beside the promised and the legal date
    plain = client.get(f"/workbench/subcases/{a_inside.pk}/").content.decode()
    assert "data-calendar-note" not in plain


def test_the_window_clerk_sees_it_beside_the_application_deadline(client, chain, window):
    across = _accept(chain, window, dt.date(2026, 12, 28))
    client.force_login(window.user)
    html = client.get(f"/workbench/applications/{across.number}/").content.decode()
    assert NOTE in html
    assert html.count("data-calendar-note") == 3  # the application, sub-cases A and D


def test_entering_the_2027_schedule_removes_the_warning(client, chain, window):
    _accept(chain, window, dt.date(2026, 12, 28))
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    client.force_login(reviewer_of(chain, "a").user)
    assert "data-calendar-note" not in client.get("/workbench/subcases/").content.decode()


def test_a_clerk_reads_the_moved_deadline_on_the_workbench_home(client, chain, window):
    app = _accept(chain, window, dt.date(2026, 12, 28))
    before = app.promised_due
    CalendarDay.objects.create(date=dt.date(2027, 1, 4), kind="holiday", name="补假")
    deadlines_follow_calendar([dt.date(2027, 1, 4)])
    client.force_login(window.user)
    html = client.get("/workbench/").content.decode()
    assert 'data-list="notices"' in html
    app.refresh_from_db()
    assert app.promised_due == before + dt.timedelta(days=1)
    moved = f"承诺办结日期由 {before} 调整为 {app.promised_due}"
    assert f"办件 {app.number}「链路测试一件事」因节假日安排调整：{moved}" in html
