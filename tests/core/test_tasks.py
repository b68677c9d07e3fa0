"""Kicking a catch-all task after each commit adds a run only when none is waiting (the
immediate backend still runs every kick: tests/core/test_events.py)."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from yishi.core.tasks import deliver_outbox, dispatch_events, enqueue_unless_waiting

pytestmark = pytest.mark.django_db

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _waiting(kick):
    return DBTaskResult.objects.filter(task_path=kick.module_path, status="READY").count()


def test_a_waiting_run_absorbs_later_kicks_and_a_started_one_does_not(settings):
    settings.TASKS = DB_BACKEND
    for _ in range(3):
        enqueue_unless_waiting(dispatch_events)
    assert _waiting(dispatch_events) == 1

    DBTaskResult.objects.update(status="RUNNING")  # a worker took it: it may be past the event
    enqueue_unless_waiting(dispatch_events)
    assert _waiting(dispatch_events) == 1
    assert DBTaskResult.objects.count() == 2


def test_each_task_has_its_own_waiting_run(settings):
    settings.TASKS = DB_BACKEND
    enqueue_unless_waiting(dispatch_events)
    enqueue_unless_waiting(deliver_outbox)
    assert (_waiting(dispatch_events), _waiting(deliver_outbox)) == (1, 1)
