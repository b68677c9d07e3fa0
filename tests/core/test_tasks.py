"""Kicking a catch-all task after each commit adds a run only when none is waiting, on the
configured backend: the database's READY rows, or RQ's queued job (the immediate backend
still runs every kick: tests/core/test_events.py)."""

from __future__ import annotations

import pytest

from tests.queue_support import take_waiting_runs, task_backend, waiting_runs  # noqa: F401 (a fixture)
from yishi.core.tasks import deliver_outbox, dispatch_events, enqueue_unless_waiting

pytestmark = [pytest.mark.django_db, pytest.mark.queue, pytest.mark.usefixtures("task_backend")]


def test_a_waiting_run_absorbs_later_kicks_and_a_started_one_does_not():
    first = enqueue_unless_waiting(dispatch_events)
    assert first is not None
    for _ in range(2):
        assert enqueue_unless_waiting(dispatch_events) is None
    assert waiting_runs(dispatch_events) == 1

    take_waiting_runs()  # a worker took it: it may be past the event
    second = enqueue_unless_waiting(dispatch_events)
    assert second is not None and second.id != first.id
    assert waiting_runs(dispatch_events) == 1


def test_each_task_has_its_own_waiting_run():
    enqueue_unless_waiting(dispatch_events)
    enqueue_unless_waiting(deliver_outbox)
    assert (waiting_runs(dispatch_events), waiting_runs(deliver_outbox)) == (1, 1)
