from __future__ import annotations

import datetime as dt

import pytest

from yishi.cases.models import CaseEvent
from yishi.core.events import events_dispatch
from yishi.core.models import DomainEvent, EventHandling, OutboxMessage
from yishi.supervision import handlers
from yishi.supervision.models import SupervisionTask

pytestmark = pytest.mark.django_db


def approval_event(subcase):
    return DomainEvent.objects.get(name="cases.subcase.approved", payload__subcase_id=subcase.pk)


def handling_of(subcase):
    return EventHandling.objects.get(
        event=approval_event(subcase), handler="supervision.create_task"
    )


def test_approval_of_a_supervised_matter_creates_a_task_for_the_supervising_department(
    chain, approved
):
    subcase = approved("a", today=dt.date(2026, 3, 4))
    events_dispatch()
    assert handling_of(subcase).status == EventHandling.Status.DONE
    task = SupervisionTask.objects.get()
    assert task.subcase == subcase
    assert task.application_id == subcase.application_id
    assert task.matter == chain["matters"]["a"]
    assert task.approving_department == chain["departments"]["a"]
    assert task.supervising_department == chain["supervising"]
    assert task.created_on == dt.date(2026, 3, 4)
    # 20 working days after Wednesday 4 March 2026 (no holiday until Qingming on 4 April).
    assert task.due_on == dt.date(2026, 4, 1)
    assert task.status == SupervisionTask.Status.OPEN
    note = CaseEvent.objects.get(subcase=subcase, action="supervision_task")
    assert note.note == (
        f"「链路事项A」已推送梁子湖区市场监督管理局事中事后核查，核查期限 {task.due_on:%Y-%m-%d}。"
    )


def test_the_approval_is_pushed_to_the_supervision_platform(chain, approved):
    subcase = approved("a")
    events_dispatch()
    task = SupervisionTask.objects.get()
    message = OutboxMessage.objects.get(topic="supervision.approval")
    assert message.destination == "log"
    person = subcase.application.person
    assert message.payload == {
        "schema": "yishi.supervision.approval/1",
        "document_id": f"{subcase.application.number}-{subcase.pk}",
        "application_number": subcase.application.number,
        "matter": {"code": chain["matters"]["a"].code, "name": "链路事项A"},
        "approving_department": {
            "code": chain["departments"]["a"].code,
            "name": "梁子湖区链路测试局a",
        },
        "supervising_department": {
            "code": chain["supervising"].code,
            "name": "梁子湖区市场监督管理局",
        },
        "subject": {"kind": "person", "name": person.name, "id_number": person.id_number},
        "approved_on": task.created_on.isoformat(),
        "result_name": "结果a",
        "supervision_due_on": task.due_on.isoformat(),
        "task_id": task.pk,
    }


def test_running_the_handler_twice_still_makes_one_task(approved):
    subcase = approved("a")
    event = approval_event(subcase)
    handlers.create_task(event)
    handlers.create_task(event)
    events_dispatch()
    assert SupervisionTask.objects.filter(subcase=subcase).count() == 1
    assert OutboxMessage.objects.filter(topic="supervision.approval").count() == 1
    assert CaseEvent.objects.filter(subcase=subcase, action="supervision_task").count() == 1


def test_an_unsupervised_matter_gets_no_task(approved):
    subcase = approved("d")
    events_dispatch()
    assert handling_of(subcase).status == EventHandling.Status.DONE
    assert not SupervisionTask.objects.exists()
    assert not OutboxMessage.objects.filter(topic="supervision.approval").exists()
    assert not CaseEvent.objects.filter(subcase=subcase, action="supervision_task").exists()


def test_without_a_supervising_department_the_approving_department_supervises(chain, approved):
    matter = chain["matters"]["a"]
    matter.supervising_department = None
    matter.supervision_days = 5
    matter.save()
    approved("a", today=dt.date(2026, 3, 4))
    events_dispatch()
    task = SupervisionTask.objects.get()
    assert task.supervising_department == chain["departments"]["a"]
    assert task.due_on == dt.date(2026, 3, 11)


def test_the_push_destination_is_configurable(settings, approved):
    settings.YISHI_SUPERVISION_PUSH_DESTINATION = "http:supervision"
    approved("a")
    events_dispatch()
    assert OutboxMessage.objects.get(topic="supervision.approval").destination == (
        "http:supervision"
    )
