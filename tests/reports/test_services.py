"""Report and walk use cases: working-day deadlines, the state machine, notifications, fix
items, ratings, walks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from tests.catalog.factories import DepartmentFactory
from tests.reports.conftest import MONDAY
from yishi.cases.models import Message
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.outbox import OutboxMessage
from yishi.reports import queries, services
from yishi.reports.models import Improvement, Report, Walk

pytestmark = pytest.mark.django_db


def test_deadlines_count_working_days_after_the_report_day(report):
    # Monday 2 March 2026: answer by Tuesday, resolve by the following Monday.
    assert report.answer_due_on == dt.date(2026, 3, 3)
    assert report.resolve_due_on == dt.date(2026, 3, 9)
    assert report.number.startswith("BCS20260302")
    assert report.department == report.matter.department


def test_deadlines_skip_the_spring_festival(resident, matter):
    r = services.report_create(
        actor=resident.user,
        channel="online",
        obstacle="trips",
        matter=matter,
        description="跑了三趟",
        today=dt.date(2026, 2, 13),
    )
    # 2/14 is an adjusted working day (Saturday); then 2/15–2/23 are the holiday.
    assert r.answer_due_on == dt.date(2026, 2, 14)
    assert r.resolve_due_on == dt.date(2026, 2, 27)


@override_settings(YISHI_REPORT_ANSWER_WORKING_DAYS=2, YISHI_REPORT_RESOLVE_WORKING_DAYS=10)
def test_deadlines_follow_the_settings(resident, matter):
    r = services.report_create(
        actor=resident.user,
        channel="online",
        obstacle="trips",
        matter=matter,
        description="跑了三趟",
        today=MONDAY,
    )
    assert (r.answer_due_on, r.resolve_due_on) == (dt.date(2026, 3, 4), dt.date(2026, 3, 16))


def test_personal_fields_are_encrypted_at_rest(report):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT description, phone FROM reports_report WHERE id = %s", [report.pk])
        description, phone = cur.fetchone()
    assert "材料" not in description
    assert report.phone and report.phone not in phone


def test_anonymous_report_needs_a_phone(matter):
    with pytest.raises(ValidationFailed) as e:
        services.report_create(
            actor=None, channel="qr", obstacle="where", matter=matter, description="不知道去哪办"
        )
    assert e.value.field == "phone"


def test_a_report_needs_what_was_tried_and_a_known_obstacle(resident):
    with pytest.raises(ValidationFailed) as e:
        services.report_create(
            actor=resident.user, channel="online", obstacle="where", description="不知道"
        )
    assert e.value.field == "tried"
    with pytest.raises(ValidationFailed) as e:
        services.report_create(
            actor=resident.user,
            channel="online",
            obstacle="nope",
            tried="办证",
            description="不知道",
        )
    assert e.value.field == "obstacle"


def test_only_window_staff_enter_for_someone(resident, clerk, matter):
    with pytest.raises(PermissionDeniedError):
        services.report_create(
            actor=resident.user,
            channel="window",
            obstacle="where",
            matter=matter,
            description="x",
            phone="13900000001",
        )
    r = services.report_create(
        actor=clerk.user,
        channel="window",
        obstacle="where",
        matter=matter,
        description="x",
        phone=resident.phone,
    )
    # The person's own account sees it.
    assert r.entered_by == clerk.user and r.reporter == resident.user


def test_answer_resolve_rate_notify_and_close(report, leader, resident):
    services.report_answer(report=report, staff=leader.user, answer="正在协调")
    report.refresh_from_db()
    assert report.status == Report.Status.ANSWERED
    services.report_resolve(report=report, staff=leader.user, resolution="已办好")
    texts = list(Message.objects.filter(user=resident.user).values_list("text", flat=True))
    assert any("已答复：正在协调" in t for t in texts)
    assert any("已办结：已办好" in t for t in texts)
    assert OutboxMessage.objects.filter(topic=services.SMS_TOPIC).count() == 2
    done = services.report_rate(report=report, user=resident.user, satisfaction=5)
    assert (done.status, done.satisfaction) == (Report.Status.CLOSED, 5)
    with pytest.raises(Conflict):
        services.report_rate(report=done, user=resident.user, satisfaction=4)


def test_illegal_transitions_are_conflicts(report, leader, resident):
    with pytest.raises(Conflict):
        services.report_rate(report=report, user=resident.user, satisfaction=3)
    services.report_resolve(report=report, staff=leader.user, resolution="已办好")
    report.refresh_from_db()
    assert report.answer == "已办好" and report.answered_at is not None
    with pytest.raises(Conflict):
        services.report_answer(report=report, staff=leader.user, answer="迟到的答复")


def test_only_the_reporter_or_the_link_rates(report, leader, resident):
    services.report_resolve(report=report, staff=leader.user, resolution="已办好")
    with pytest.raises(NotFound):
        services.report_rate(report=report, user=leader.user, satisfaction=1)
    with pytest.raises(ValidationFailed):
        services.report_rate(report=report, via_link=True, satisfaction=6)
    assert services.report_rate(report=report, via_link=True, satisfaction=2).satisfaction == 2


def test_only_duty_leaders_work_reports(report, lead):
    with pytest.raises(PermissionDeniedError):
        services.report_answer(report=report, staff=lead.user, answer="好")


def test_signed_link_finds_the_report_and_refuses_a_forged_one(report):
    token = services.report_link_token(report)
    assert services.report_from_token(token).pk == report.pk
    with pytest.raises(NotFound):
        services.report_from_token(token[:-2] + "xx")


def test_a_rule_becomes_a_fix_item_tracked_to_done(report, leader, lead):
    item = services.report_to_improvement(
        report=report,
        staff=leader.user,
        kind="catalog",
        change="办事指南删去重复材料",
        department=lead.department.code,
        today=MONDAY,
    )
    assert item.due_on == dt.date(2026, 3, 23)  # 15 working days
    assert item.matter == report.matter
    with pytest.raises(ValidationFailed):
        services.improvement_progress(item=item, actor=lead.user, status="done")
    services.improvement_progress(item=item, actor=lead.user, status="in_progress")
    done = services.improvement_progress(
        item=item, actor=lead.user, status="done", action_taken="已修改指南"
    )
    assert done.status == Improvement.Status.DONE and done.done_at
    with pytest.raises(Conflict):
        services.improvement_progress(item=item, actor=lead.user, status="in_progress")


def test_another_departments_lead_cannot_move_an_item(report, leader, lead):
    from tests.reports.factories import department_lead

    item = services.report_to_improvement(
        report=report,
        staff=leader.user,
        kind="process",
        change="减少跑动",
        department=lead.department,
    )
    with pytest.raises(PermissionDeniedError):
        services.improvement_progress(
            item=item, actor=department_lead().user, status="done", action_taken="x"
        )


def test_walks_by_leaders_and_officers_make_items(lead, resident, leader, matter):
    other = DepartmentFactory()
    walk = services.walk_record(
        walker=lead.user,
        kind="director_day",
        walked_on=MONDAY,
        matter=matter.code,
        steps="全程走一遍",
        minutes=60,
        problems=[{"problem": "表格重复填写", "department": other.code}, {"problem": "指引不清"}],
        today=MONDAY,
    )
    assert walk.department == lead.department
    assert [(i.department, i.due_on) for i in walk.improvements.order_by("id")] == [
        (other, dt.date(2026, 3, 23)),
        (matter.department, dt.date(2026, 3, 23)),
    ]
    with pytest.raises(PermissionDeniedError):
        services.walk_record(
            walker=resident.user,
            kind="experience",
            walked_on=MONDAY,
            matter=matter,
            steps="x",
            minutes=5,
            today=MONDAY,
        )
    services.officer_enrol(staff=leader.user, phone=resident.phone)
    with pytest.raises(ValidationFailed):
        services.walk_record(
            walker=resident.user,
            kind="director_day",
            walked_on=MONDAY,
            matter=matter,
            steps="x",
            minutes=5,
            today=MONDAY,
        )
    w = services.walk_record(
        walker=resident.user,
        kind="experience",
        walked_on=MONDAY,
        matter_text="手机办社保",
        steps="x",
        minutes=5,
        today=MONDAY,
    )
    assert w.kind == Walk.Kind.EXPERIENCE and w.department is None


def test_clock_warns_then_shows_overdue(report):
    assert queries.report_clock(report, MONDAY).state == queries.WARNING
    assert queries.report_clock(report, dt.date(2026, 3, 4)).state == queries.OVERDUE
    assert list(queries.overdue_reports(Report.objects.all(), dt.date(2026, 3, 4))) == [report]


def test_figures_count_from_the_rows(report, leader, resident, matter):
    second = services.report_create(
        actor=resident.user,
        channel="online",
        obstacle="trips",
        matter=matter,
        description="y",
        today=MONDAY,
    )
    services.report_resolve(report=report, staff=leader.user, resolution="好")
    services.report_rate(report=report, user=resident.user, satisfaction=4)
    f = queries.figures(Report.objects.all(), Improvement.objects.all(), today=MONDAY)
    assert f["total"] == 2
    assert f["resolution_rate"] == 0.5
    assert f["average_satisfaction"] == 4.0
    assert dict((k, n) for _, k, n in f["by_status"])["submitted"] == 1
    assert second.status == Report.Status.SUBMITTED
