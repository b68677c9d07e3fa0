"""A task worker killed with SIGKILL in the middle of a task: the task runs again and its
effect happens once. The database backend leaves the killed task RUNNING for ever; the
platform's `recover_tasks` (core.task_recovery) puts it back, a new worker runs it, and the
event handler's effect — written in the handler's transaction with its "done" row, which
the kill rolled back — exists once."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import pytest

from tests.faults.cluster import stop_process

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db, pytest.mark.queue]


def _wait_for(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _handling(cluster, env) -> str:
    return cluster.psql(
        "SELECT status FROM core_eventhandling WHERE handler = 'faults.make_effect'",
        env.database,
    )


def test_a_worker_killed_mid_task_leaves_the_task_to_run_again_with_one_effect(
    faults_env, task_backend
):
    started = time.monotonic()
    cluster, env = faults_env
    hang = env.dir / "hang"
    hang.touch()
    env.env["YISHI_FAULTS_HANG"] = str(hang)
    worker_options = (
        ["--queue-name", "*", "--interval", "0.1", "--no-startup-delay"]
        if task_backend == "db"
        else ["--burst"]
    )
    env.call("tests.faults.worker:request_effect")
    first = env.popen("-m", "tests.faults.worker", task_backend, *worker_options,
                      log=env.dir / "worker-1.log")  # fmt: skip
    try:
        started_file = env.dir / "hang.started"
        assert _wait_for(lambda: started_file.exists() and started_file.read_text()), (
            env.dir / "worker-1.log"
        ).read_text()[-3000:]
        # In the middle of the task: the worker and the process running the task (RQ's
        # forked work horse), as when their machine dies.
        for pid in {int(started_file.read_text()), first.pid}:
            os.kill(pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    hang.unlink()

    after_kill = env.call("tests.faults.worker:state")
    assert after_kill["effects"] == 0  # the killed handler's transaction rolled back
    assert after_kill["handlings"] == [["faults.make_effect", "pending"]]
    if task_backend == "db":
        assert after_kill["tasks"].get("RUNNING") == 1  # stuck: no worker will take it again
        out = env.manage("recover_tasks", "--lease-seconds", "0")
        assert "re-queued 1 task" in out
        second_options = ["--queue-name", "*", "--batch", "--no-startup-delay"]
    else:
        # RQ calls a job abandoned once its worker's heartbeat has expired: an hour later.
        assert env.call("tests.faults.worker:recover", ahead_seconds=3600) == 1
        second_options = ["--burst"]
    second = env.popen("-m", "tests.faults.worker", task_backend, *second_options,
                       log=env.dir / "worker-2.log")  # fmt: skip
    try:
        # Until the handler's row is done (an RQ burst worker has been seen to linger after
        # "done, quitting"), then the worker may go.
        assert _wait_for(lambda: _handling(cluster, env) == "done", timeout=120), (
            env.dir / "worker-2.log"
        ).read_text()[-3000:]
        with contextlib.suppress(subprocess.TimeoutExpired):
            second.wait(timeout=15)
    finally:
        stop_process(second)
    # Then another dispatch round (the periodic one) finds nothing left to do.
    done = env.call("tests.faults.worker:dispatch_again")
    assert done["effects"] == 1, (env.dir / "worker-2.log").read_text()[-3000:]
    assert done["handlings"] == [["faults.make_effect", "done"]]
    assert done["round"]["handled"] == 0
    if task_backend == "db":
        assert "RUNNING" not in done["tasks"] and "READY" not in done["tasks"]
        assert done["tasks"]["SUCCESSFUL"] >= 1
    assert env.call("tests.faults.worker:state")["effects"] == 1
    print(f"\n[faults] worker killed ({task_backend}): {time.monotonic() - started:.1f}s")
