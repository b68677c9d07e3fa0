"""Tasks on a real worker in its own process: a delivery enqueued on RQ (real Redis, a real
`rqworker`) and on the configured backend runs and its effect is in the database. The worker
sees only committed rows, hence a transactional test, on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django_tasks import default_task_backend
from django_tasks.base import TaskResultStatus

from tests.queue_support import (
    DB_BACKEND,
    RQ_BACKEND,
    backend_path,
    on_rq,
    rq_empty,
    run_worker,
)
from yishi.core.models import OutboxMessage
from yishi.core.outbox import outbox_enqueue, outbox_file_path
from yishi.core.tasks import deliver_outbox

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.queue,
    pytest.mark.django_db(transaction=True),
]

KINDS = {DB_BACKEND: "database", RQ_BACKEND: "rq"}


def test_a_delivery_enqueued_on_rq_and_on_the_configured_backend_runs_on_a_real_worker(
    settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    # RQ always; the configured backend too when it is another one (the database by default).
    backends = list(dict.fromkeys([RQ_BACKEND, backend_path()]))
    for backend in backends:
        kind = KINDS[backend]
        settings.TASKS = {"default": {"BACKEND": backend}}
        if backend == RQ_BACKEND:
            rq_empty()
        message = outbox_enqueue(
            topic="queue.test", destination=f"file:{kind}", payload={"backend": kind}
        )
        result = deliver_outbox.enqueue()
        assert default_task_backend.get_result(result.id).status == TaskResultStatus.READY

        done = run_worker(backend=kind, var_dir=str(tmp_path))

        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.DELIVERED, done.stderr[-2000:]
        assert message.attempts == 1
        lines = outbox_file_path(kind).read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["delivery_id"] for line in lines] == [str(message.delivery_id)]
        assert json.loads(lines[0])["payload"] == {"backend": kind}
        finished = default_task_backend.get_result(result.id)
        assert finished.status == TaskResultStatus.SUCCESSFUL
        assert finished.return_value == {"delivered": 1, "retrying": 0, "dead": 0}
    if on_rq():
        rq_empty()
