from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import StaffFactory
from yishi.cases.models import CaseEvent
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.events import events_dispatch
from yishi.core.models import AuditEntry, DomainEvent, OutboxMessage
from yishi.core.workdays import working_days_between
from yishi.supervision.models import SupervisionTask
from yishi.supervision.queries import countdown, department_counts, overdue_tasks
from yishi.supervision.services import supervision_record_result

pytestmark = pytest.mark.django_db

FINDINGS = "现场核查发现经营场所与申报地址不符"


@pytest.fixture
def task(approved):
    approved("a")
    events_dispatch()
    return SupervisionTask.objects.get()


def nothing_recorded(task):
    task.refresh_from_db()
    assert task.status == SupervisionTask.Status.OPEN
    assert task.decided_by is None
    assert not CaseEvent.objects.filter(action="supervision_result").exists()
    assert not DomainEvent.objects.filter(name="supervision.result").exists()
    assert not OutboxMessage.objects.filter(topic="supervision.result").exists()


def test_a_non_compliant_result_shows_on_the_approving_departments_case(task, supervisor):
    done = supervision_record_result(
        task=task,
        staff=supervisor.user,
        result="non_compliant",
        findings=FINDINGS,
        commitment_false=True,
    )
    assert done.status == SupervisionTask.Status.NON_COMPLIANT
    assert done.decided_by == supervisor.user
    assert done.decided_at is not None
    event = CaseEvent.objects.get(action="supervision_result")
    assert event.subcase == task.subcase
    assert event.subcase.department.name == "梁子湖区链路测试局a"
    assert event.application == task.application
    assert event.actor == supervisor.user
    assert event.note == (
        f"监管核查结果（梁子湖区市场监督管理局）：不合规。核查发现：{FINDINGS}（申请人承诺不实）"
    )


def test_the_result_is_published_as_an_event_pushed_and_audited(task, supervisor):
    supervision_record_result(
        task=task,
        staff=supervisor.user,
        result="non_compliant",
        findings=FINDINGS,
        commitment_false=True,
        today=dt.date(2026, 12, 1),
    )
    event = DomainEvent.objects.get(name="supervision.result")
    assert event.payload == {
        "task_id": task.pk,
        "subcase_id": task.subcase_id,
        "application_id": task.application_id,
        "result": "non_compliant",
        "findings": FINDINGS,
        "commitment_false": True,
    }
    push = OutboxMessage.objects.get(topic="supervision.result")
    assert push.payload["schema"] == "yishi.supervision.result/1"
    assert push.payload["approval_document_id"] == task.document_id
    assert push.payload["result"] == "non_compliant"
    assert push.payload["findings"] == FINDINGS
    assert push.payload["commitment_false"] is True
    assert push.payload["decided_on"] == "2026-12-01"
    entry = AuditEntry.objects.get(action="supervision.result")
    assert entry.object_id == str(task.pk)
    assert entry.actor == supervisor.user.get_username()


def test_a_compliant_result_needs_no_findings(task, supervisor):
    done = supervision_record_result(
        task=task, staff=supervisor.user, result="compliant", findings=""
    )
    assert done.status == SupervisionTask.Status.COMPLIANT
    assert CaseEvent.objects.get(action="supervision_result").note == (
        "监管核查结果（梁子湖区市场监督管理局）：合规。"
    )


def test_another_departments_supervisor_gets_not_found_and_changes_nothing(task):
    stranger = StaffFactory(supervisor=True)
    with pytest.raises(NotFound) as error:
        supervision_record_result(
            task=task, staff=stranger.user, result="non_compliant", findings=FINDINGS
        )
    assert error.value.status == 404
    nothing_recorded(task)


def test_the_approving_reviewer_cannot_record_a_result(task, reviewer_a):
    with pytest.raises(NotFound):
        supervision_record_result(task=task, staff=reviewer_a.user, result="compliant", findings="")
    nothing_recorded(task)


def test_a_reviewer_of_the_supervising_department_is_refused(chain, task):
    reviewer = StaffFactory(reviewer=True, department=chain["supervising"])
    with pytest.raises(PermissionDeniedError):
        supervision_record_result(task=task, staff=reviewer.user, result="compliant", findings="")
    nothing_recorded(task)


def test_non_compliant_without_findings_is_refused_on_the_findings_field(task, supervisor):
    with pytest.raises(ValidationFailed) as error:
        supervision_record_result(
            task=task, staff=supervisor.user, result="non_compliant", findings="  "
        )
    assert error.value.status == 422
    assert error.value.field == "findings"
    nothing_recorded(task)


@pytest.mark.parametrize(
    ("result", "commitment_false", "field"),
    [("passed", False, "result"), ("compliant", True, "commitment_false")],
)
def test_inconsistent_results_are_refused(task, supervisor, result, commitment_false, field):
    with pytest.raises(ValidationFailed) as error:
        supervision_record_result(
            task=task,
            staff=supervisor.user,
            result=result,
            findings=FINDINGS,
            commitment_false=commitment_false,
        )
    assert error.value.field == field
    nothing_recorded(task)


def test_a_second_decision_gets_conflict(task, supervisor):
    supervision_record_result(task=task, staff=supervisor.user, result="compliant", findings="")
    with pytest.raises(Conflict) as error:
        supervision_record_result(
            task=task, staff=supervisor.user, result="non_compliant", findings=FINDINGS
        )
    assert error.value.status == 409
    task.refresh_from_db()
    assert task.status == SupervisionTask.Status.COMPLIANT
    assert CaseEvent.objects.filter(action="supervision_result").count() == 1
    assert DomainEvent.objects.filter(name="supervision.result").count() == 1


def test_open_tasks_past_their_due_date_are_overdue(task, supervisor):
    dept = task.supervising_department_id
    assert list(overdue_tasks(department_id=dept, today=task.due_on)) == []
    late = task.due_on + dt.timedelta(days=1)
    assert list(overdue_tasks(department_id=dept, today=late)) == [task]
    assert list(overdue_tasks(department_id=dept + 1000, today=late)) == []
    assert department_counts(dept, today=late) == {"open": 1, "overdue": 1}
    supervision_record_result(task=task, staff=supervisor.user, result="compliant", findings="")
    assert list(overdue_tasks(department_id=dept, today=late)) == []
    assert department_counts(dept, today=late) == {"open": 0, "overdue": 0}


def test_the_countdown_counts_working_days_to_the_due_date(task):
    assert countdown(task, task.created_on).days_left == 20
    assert countdown(task, task.created_on).state == "ok"
    assert countdown(task, task.due_on).label == "今日到期"
    week_later = task.due_on + dt.timedelta(days=7)
    late = working_days_between(task.due_on, week_later)
    assert late >= 1
    later = countdown(task, week_later)
    assert later.state == "overdue"
    assert later.label == f"已超期 {late} 个工作日"
