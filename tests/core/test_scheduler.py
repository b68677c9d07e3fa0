"""The one scheduler: every periodic job is in the table, as a task; schedules name their due
times the same way in every scheduler process; a due run is enqueued once, even with two
schedulers running."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler
from django.core.management import get_commands
from django_tasks import default_task_backend
from django_tasks.base import Task

from tests.queue_support import task_backend, waiting_runs  # noqa: F401 (a fixture)
from yishi.core.models import PeriodicJob
from yishi.core.scheduler import (
    Daily,
    Every,
    Hourly,
    Periodic,
    ScheduleError,
    parse_schedule,
    periodic_claim,
    periodic_fire,
    scheduler_build,
)
from yishi.core.tasks import dispatch_events
from yishi.schedule import SCHEDULE

UTC = dt.UTC

# Each periodic management command and the task(s) the scheduler enqueues for it.
PERIODIC_COMMANDS = {
    "deliver_outbox": ["yishi.core.tasks.deliver_outbox"],
    "dispatch_events": ["yishi.core.tasks.dispatch_events"],
    "check_commitments": ["yishi.credit.tasks.check_commitments"],
    "rating_invitations": ["yishi.ratings.tasks.send_rating_invitations"],
    "policies_run": ["yishi.policies.tasks.run_policies", "yishi.policies.tasks.push_matches"],
    "mark_no_shows": ["yishi.hall.tasks.mark_appointment_no_shows"],
    "policies_remind": ["yishi.policies.tasks.remind_application_deadlines"],
    "governance_check": ["yishi.governance.tasks.run_quality_checks"],
    "purge_remote_recordings": ["yishi.remote.tasks.purge_remote_recordings"],
    "purge_idempotency": ["yishi.core.tasks.purge_idempotency"],
    "sweep_uploads": ["yishi.core.tasks.sweep_uploads"],
    "verify_audit": ["yishi.core.tasks.verify_audit"],
    "sign_audit_head": ["yishi.core.tasks.sign_audit_head"],
    "recover_tasks": ["yishi.core.tasks.recover_tasks"],
}


def test_every_periodic_command_has_a_scheduled_task_and_nothing_else_is_scheduled():
    commands = get_commands()
    assert set(PERIODIC_COMMANDS) <= set(commands)
    scheduled = [entry.task for entry in SCHEDULE]
    assert len(scheduled) == len(set(scheduled))
    expected = {path for paths in PERIODIC_COMMANDS.values() for path in paths}
    # Opening the coming week's appointment slots has a task but no command.
    assert set(scheduled) == expected | {"yishi.hall.tasks.open_appointment_slots"}
    for entry in SCHEDULE:
        assert isinstance(entry.load(), Task), entry.task
        entry.parsed()


def test_the_frequent_jobs_keep_the_intervals_the_makefile_loops_had():
    table = {entry.task.rsplit(".", 1)[1]: entry.parsed() for entry in SCHEDULE}
    assert table["deliver_outbox"] == Every(30)
    assert table["dispatch_events"] == Every(30)
    assert table["mark_appointment_no_shows"] == Every(1800)
    assert table["check_commitments"] == Hourly(0)
    assert table["run_policies"] == Daily(2, 0, "Asia/Shanghai")


def test_schedules_name_the_same_due_time_whenever_a_scheduler_asks():
    now = dt.datetime(2026, 12, 7, 17, 59, 45, 500, tzinfo=UTC)  # 01:59:45 in Shanghai
    assert parse_schedule("every 30 s").due(now) == dt.datetime(2026, 12, 7, 17, 59, 30, tzinfo=UTC)
    assert parse_schedule("every 30 min").due(now) == dt.datetime(2026, 12, 7, 17, 30, tzinfo=UTC)
    assert parse_schedule("hourly at :10").due(now) == dt.datetime(2026, 12, 7, 17, 10, tzinfo=UTC)
    # 02:00 in Shanghai is 18:00 UTC: not yet due today, so yesterday's run is the last due.
    daily = parse_schedule("daily at 02:00")
    assert daily.due(now) == dt.datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    assert daily.due(now + dt.timedelta(seconds=15)) == dt.datetime(2026, 12, 7, 18, tzinfo=UTC)
    assert parse_schedule("daily at 02:00 UTC").due(now) == dt.datetime(2026, 12, 7, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["every 0 s", "weekly", "daily at 25:00", "hourly at :75", "daily at 02:00 Mars/Base"]
)
def test_a_schedule_the_scheduler_does_not_understand_is_refused(text):
    with pytest.raises(ScheduleError):
        parse_schedule(text)


@pytest.mark.django_db
def test_a_due_run_is_claimed_once_and_an_older_one_never():
    entry = Periodic("yishi.core.tasks.dispatch_events", "every 30 s")
    due = dt.datetime(2026, 12, 7, 10, 0, 30, tzinfo=UTC)
    assert periodic_claim(entry=entry, due_at=due, claimed_by="a") is True
    assert periodic_claim(entry=entry, due_at=due, claimed_by="b") is False
    assert (
        periodic_claim(entry=entry, due_at=due - dt.timedelta(seconds=30), claimed_by="b") is False
    )
    assert (
        periodic_claim(entry=entry, due_at=due + dt.timedelta(seconds=30), claimed_by="b") is True
    )
    job = PeriodicJob.objects.get(name=entry.name)
    assert (job.due_at, job.claimed_by) == (due + dt.timedelta(seconds=30), "b")


@pytest.mark.queue
@pytest.mark.usefixtures("task_backend")
@pytest.mark.django_db
def test_a_fired_job_is_enqueued_on_the_configured_backend_once_per_due_time():
    entry = Periodic("yishi.core.tasks.dispatch_events", "hourly")
    now = dt.datetime(2026, 12, 7, 10, 20, tzinfo=UTC)
    assert periodic_fire(entry=entry, now=now, claimed_by="a") == now.replace(minute=0)
    assert periodic_fire(entry=entry, now=now + dt.timedelta(minutes=5), claimed_by="b") is None
    job = PeriodicJob.objects.get(name=entry.name)
    result = default_task_backend.get_result(job.task_id)
    assert result.task.module_path == "yishi.core.tasks.dispatch_events"
    assert waiting_runs(dispatch_events) == 1


@pytest.mark.postgres
@pytest.mark.queue
@pytest.mark.usefixtures("task_backend")
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_running_at_once_enqueue_each_due_run_once():
    """Two real APScheduler schedulers, each with its own database connections, fire the same
    job every second for a few seconds: each due second is claimed by exactly one of them."""
    entry = Periodic("yishi.core.tasks.dispatch_events", "every 1 s")
    fired: dict[str, list] = {"a": [], "b": []}
    errors: list = []
    lock = threading.Lock()
    schedulers = []
    for name in ("a", "b"):
        scheduler = BackgroundScheduler(timezone="UTC")
        scheduler_build(scheduler, [entry], claimed_by=name)

        def record(event, name=name):
            with lock:
                if event.exception is not None:
                    errors.append(event.exception)
                else:
                    fired[name].append(event.retval)

        scheduler.add_listener(record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        schedulers.append(scheduler)
    for scheduler in schedulers:
        scheduler.start()
    time.sleep(3.5)
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)

    assert errors == []
    assert len(fired["a"]) >= 2 and len(fired["b"]) >= 2  # both were firing all along
    claimed = [due for due in fired["a"] + fired["b"] if due is not None]
    assert len(claimed) == len(set(claimed)) >= 2
    assert PeriodicJob.objects.get(name=entry.name).due_at == max(claimed)
    assert waiting_runs(dispatch_events) == 1  # no worker ran: the later runs found it waiting


@pytest.mark.django_db
def test_the_scheduled_audit_check_fails_its_task_on_a_broken_chain():
    from yishi.core.audit import audit_append
    from yishi.core.models import AuditEntry
    from yishi.core.tasks import AuditChainBroken, verify_audit

    entries = [
        audit_append(
            action="matter.publish",
            actor="staff1",
            object_type="matter",
            object_id=f"QR{i}",
            data={"version": i},
        )
        for i in range(3)
    ]
    assert verify_audit.call().startswith("审计日志哈希链完整")
    AuditEntry.objects.filter(pk=entries[1].pk).update(data={"version": 99})
    with pytest.raises(AuditChainBroken):
        verify_audit.call()


@pytest.mark.django_db
def test_the_scheduled_idempotency_purge_deletes_only_expired_records():
    from django.utils import timezone

    from yishi.core.models import IdempotencyRecord
    from yishi.core.tasks import purge_idempotency

    now = timezone.now()
    for key, expires_at in (
        ("old", now - dt.timedelta(minutes=1)),
        ("new", now + dt.timedelta(hours=1)),
    ):
        IdempotencyRecord.objects.create(
            key=key, scope="test", request_hash="0" * 64, expires_at=expires_at
        )
    assert purge_idempotency.call() == 1
    assert list(IdempotencyRecord.objects.filter(scope="test").values_list("key", flat=True)) == [
        "new"
    ]
