"""Open deadlines across the new year: without the official 2027 schedule they skip the
statutory 1 January; when an administrator enters 2027 rows the deadlines they affect move, and
the applicant and the clerks are told, once."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import StaffFactory, make_chain_theme
from tests.catalog.factories import DepartmentFactory, MatterFactory
from yishi.cases.calendar_changes import deadlines_follow_calendar
from yishi.cases.models import CaseEvent, Message
from yishi.cases.services import application_accept, application_submit, subcase_approve
from yishi.core.events import events_dispatch
from yishi.core.models import CalendarDay, DomainEvent, OutboxMessage

pytestmark = pytest.mark.django_db

D = dt.date
ADD = "/admin/core/calendarday/add/"
# Sunday 20 December 2026; promised 10 and legal 15 working days.
ACCEPTED_ON = D(2026, 12, 20)


@pytest.fixture
def department():
    return DepartmentFactory(name="梁子湖区跨年测试局")


@pytest.fixture
def reviewer(department):
    return StaffFactory(reviewer=True, department=department)


@pytest.fixture
def accepted(applicant, window, department):
    matter = MatterFactory(
        name="跨年测试事项", department=department, promised_limit_days=10, legal_limit_days=15
    )
    app = application_submit(user=applicant.user, matter=matter, form_data={})
    return application_accept(application=app, staff=window.user, today=ACCEPTED_ON)


def _dues(app) -> tuple:
    app.refresh_from_db()
    subcase = app.subcases.get()
    return app.promised_due, app.legal_due, subcase.promised_due, subcase.legal_due


def _texts(user) -> list[str]:
    return list(Message.objects.filter(user=user).order_by("id").values_list("text", flat=True))


def _enter_row(admin_client, day: str, kind: str, name: str) -> None:
    with_callbacks = admin_client.post(ADD, {"date": day, "kind": kind, "name": name})
    assert with_callbacks.status_code == 302, with_callbacks.content.decode()[:500]
    events_dispatch()


def test_without_the_2027_schedule_the_deadline_skips_new_year(accepted):
    # 12/21–12/31: 9 working days; 1 January 2027 is 元旦 by law, so the 10th is 4 January
    # and the 15th is 11 January (not 8 January, as the weekend rule would give).
    assert _dues(accepted) == (D(2027, 1, 4), D(2027, 1, 11), D(2027, 1, 4), D(2027, 1, 11))


def test_an_administrator_row_in_the_range_moves_the_deadline_and_tells_everyone(
    admin_client, accepted, applicant, window, reviewer
):
    before = Message.objects.count()
    sms_before = OutboxMessage.objects.filter(topic="sms.case").count()
    _enter_row(admin_client, "2027-01-04", "holiday", "元旦补假")

    assert _dues(accepted) == (D(2027, 1, 5), D(2027, 1, 12), D(2027, 1, 5), D(2027, 1, 12))
    what = f"「跨年测试事项」（{accepted.number}）"
    moved = (
        "承诺办结日期由 2027-01-04 调整为 2027-01-05，法定办结期限由 2027-01-11 调整为 2027-01-12"
    )
    assert _texts(applicant.user)[-1] == f"您的办件{what}因节假日安排调整，{moved}。"
    assert _texts(window.user) == [
        f"办件 {accepted.number}「跨年测试事项」因节假日安排调整：{moved}。"
    ]  # the first-inquiry owner who accepted it
    assert _texts(reviewer.user) == [
        f"办件 {accepted.number}「跨年测试事项」因节假日安排调整："
        f"梁子湖区跨年测试局子件「跨年测试事项」{moved}。"
    ]
    assert Message.objects.count() == before + 3
    sms = OutboxMessage.objects.filter(topic="sms.case").order_by("id")
    assert sms.count() == sms_before + 1  # the applicant's SMS, through the outbox
    assert sms.last().payload["text"].endswith(f"您的办件{what}因节假日安排调整，{moved}。")
    notes = CaseEvent.objects.filter(application=accepted, action="deadline_moved")
    assert notes.count() == 2  # the application and its sub-case, on the timeline


def test_recomputing_again_moves_nothing_and_sends_nothing(admin_client, accepted, reviewer):
    _enter_row(admin_client, "2027-01-04", "holiday", "元旦补假")
    count = Message.objects.count()
    assert deadlines_follow_calendar([D(2027, 1, 4)]) == []
    events_dispatch()
    assert Message.objects.count() == count
    assert _dues(accepted)[1] == D(2027, 1, 12)


def test_a_row_after_the_deadline_moves_nothing(admin_client, accepted, applicant):
    count = Message.objects.count()
    _enter_row(admin_client, "2027-02-10", "holiday", "春节")
    assert DomainEvent.objects.filter(name="core.calendar.changed").exists()
    assert _dues(accepted)[1] == D(2027, 1, 11)
    assert Message.objects.count() == count


def test_making_new_year_a_working_day_brings_the_deadline_forward(admin_client, accepted):
    _enter_row(admin_client, "2027-01-01", "workday", "值班")
    assert _dues(accepted) == (D(2027, 1, 1), D(2027, 1, 8), D(2027, 1, 1), D(2027, 1, 8))


def test_deleting_the_row_moves_the_deadline_back(admin_client, accepted):
    _enter_row(admin_client, "2027-01-04", "holiday", "元旦补假")
    row = CalendarDay.objects.get(date=D(2027, 1, 4))
    response = admin_client.post(f"/admin/core/calendarday/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    events_dispatch()
    assert _dues(accepted)[1] == D(2027, 1, 11)


def test_a_decided_subcase_keeps_its_dates_while_the_running_one_moves(
    admin_client, applicant, window
):
    chain = make_chain_theme()
    app = application_submit(
        user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    app = application_accept(application=app, staff=window.user, today=ACCEPTED_ON)
    a = app.subcases.get(matter=chain["matters"]["a"])  # 5 / 10 days: 12/25, 2027-01-04
    d = app.subcases.get(matter=chain["matters"]["d"])  # 4 / 8 days: 12/24, 12/30
    reviewer_d = StaffFactory(reviewer=True, department=chain["departments"]["d"])
    subcase_approve(subcase=d, reviewer=reviewer_d.user, result_name="准予", today=ACCEPTED_ON)
    _enter_row(admin_client, "2026-12-22", "holiday", "停电停办")
    a.refresh_from_db()
    d.refresh_from_db()
    assert (a.promised_due, a.legal_due) == (D(2026, 12, 28), D(2027, 1, 5))
    assert (d.promised_due, d.legal_due) == (D(2026, 12, 24), D(2026, 12, 30))  # not 12/31
    assert _texts(reviewer_d.user) == []


def test_deleting_rows_in_bulk_from_the_list_moves_the_deadline_back(admin_client, accepted):
    _enter_row(admin_client, "2027-01-04", "holiday", "元旦补假")
    _enter_row(admin_client, "2027-01-05", "holiday", "元旦补假")
    assert _dues(accepted)[1] == D(2027, 1, 13)
    ids = [str(pk) for pk in CalendarDay.objects.values_list("pk", flat=True)]
    response = admin_client.post(
        "/admin/core/calendarday/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    events_dispatch()
    assert _dues(accepted)[1] == D(2027, 1, 11)


def test_moving_a_row_to_another_date_recounts_both_dates(admin_client, accepted):
    _enter_row(admin_client, "2027-01-04", "holiday", "元旦补假")
    row = CalendarDay.objects.get(date=D(2027, 1, 4))
    response = admin_client.post(
        f"/admin/core/calendarday/{row.pk}/change/",
        {"date": "2027-02-10", "kind": "holiday", "name": "春节补假"},
    )
    assert response.status_code == 302
    events_dispatch()
    assert _dues(accepted)[1] == D(2027, 1, 11)
