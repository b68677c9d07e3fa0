"""Races on PostgreSQL with real connections: two supervisors deciding one task, and two
dispatchers creating the task of one approval."""

from __future__ import annotations

import pytest

from tests.cases.factories import StaffFactory
from tests.concurrency_support import race
from yishi.cases.models import CaseEvent
from yishi.core.events import events_dispatch
from yishi.core.models import DomainEvent, OutboxMessage
from yishi.supervision.models import SupervisionTask
from yishi.supervision.services import supervision_record_result, supervision_task_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_supervisors_deciding_at_once_exactly_one_succeeds(chain, approved):
    approved("a")
    events_dispatch()
    task = SupervisionTask.objects.get()
    first, second = (StaffFactory(supervisor=True, department=chain["supervising"]) for _ in "12")
    outcomes = race(
        lambda: supervision_record_result(
            task=task, staff=first.user, result="compliant", findings=""
        ),
        lambda: supervision_record_result(
            task=task, staff=second.user, result="non_compliant", findings="台账缺失"
        ),
    )
    assert outcomes == ["conflict:409", "ok"]
    assert CaseEvent.objects.filter(action="supervision_result").count() == 1
    assert DomainEvent.objects.filter(name="supervision.result").count() == 1
    assert OutboxMessage.objects.filter(topic="supervision.result").count() == 1


def test_two_runs_for_one_approval_at_once_create_one_task(approved):
    subcase = approved("a")
    outcomes = race(
        lambda: supervision_task_create(subcase_id=subcase.pk),
        lambda: supervision_task_create(subcase_id=subcase.pk),
    )
    assert outcomes == ["ok", "ok"]
    assert SupervisionTask.objects.filter(subcase=subcase).count() == 1
    assert OutboxMessage.objects.filter(topic="supervision.approval").count() == 1
