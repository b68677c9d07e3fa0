"""The one scheduler of the periodic jobs: APScheduler wakes at each job's times and enqueues
the job's django-tasks task on whatever backend is configured (the database or RQ); workers
run it. `python -m yishi scheduler` runs it; yishi/schedule.py is the list of jobs.

Two schedulers started by mistake (two machines, a restart overlapping the old process) must
not run a job twice. Instead of electing a leader, each due run is claimed in the job's
`PeriodicJob` row by a conditional UPDATE that moves `due_at` forward; only the scheduler
whose UPDATE changed the row enqueues, in the same transaction. Due times are computed from
the schedule alone (a fixed anchor for intervals, wall-clock times for hourly and daily), so
every scheduler names a run the same way. On PostgreSQL the second UPDATE waits for the
first to commit and then finds the condition false; SQLite serialises writers anyway. This
holds on both databases, needs no connection held open, and survives a database restart.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task, TaskResult

log = logging.getLogger(__name__)

# Interval schedules count from this instant, so that every scheduler, whenever it started,
# puts the runs of "every 30 s" on the same grid (00:00:00, 00:00:30, ...).
_ANCHOR = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_UNITS = {"s": 1, "sec": 1, "min": 60, "h": 3600}
_EVERY = re.compile(r"every (\d+) ?(s|sec|min|h)")
_HOURLY = re.compile(r"hourly(?: at :(\d\d))?")
_DAILY = re.compile(r"daily at (\d\d):(\d\d)(?: (\S+))?")


class ScheduleError(ValueError):
    """A schedule text the scheduler does not understand (a programming error in the table)."""


@dataclass(frozen=True)
class Every:
    """Every `seconds` seconds, on a grid counted from _ANCHOR."""

    seconds: int

    def trigger(self) -> BaseTrigger:
        return IntervalTrigger(seconds=self.seconds, start_date=_ANCHOR, timezone=dt.UTC)

    def due(self, now: dt.datetime) -> dt.datetime:
        steps = (now - _ANCHOR) // dt.timedelta(seconds=self.seconds)
        return _ANCHOR + steps * dt.timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class Hourly:
    """Each hour at `minute`."""

    minute: int

    def trigger(self) -> BaseTrigger:
        return CronTrigger(minute=self.minute, second=0, timezone=dt.UTC)

    def due(self, now: dt.datetime) -> dt.datetime:
        at = now.astimezone(dt.UTC).replace(minute=self.minute, second=0, microsecond=0)
        return at if at <= now else at - dt.timedelta(hours=1)


@dataclass(frozen=True)
class Daily:
    """Each day at hour:minute in the time zone `zone` (Asia/Shanghai by default)."""

    hour: int
    minute: int
    zone: str

    def trigger(self) -> BaseTrigger:
        return CronTrigger(
            hour=self.hour, minute=self.minute, second=0, timezone=zoneinfo.ZoneInfo(self.zone)
        )

    def due(self, now: dt.datetime) -> dt.datetime:
        local = now.astimezone(zoneinfo.ZoneInfo(self.zone))
        at = local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if at > now:
            at = (local - dt.timedelta(days=1)).replace(
                hour=self.hour, minute=self.minute, second=0, microsecond=0
            )
        return at.astimezone(dt.UTC)


Schedule = Every | Hourly | Daily


def parse_schedule(text: str) -> Schedule:
    """ "every 30 s" / "every 30 min" / "every 2 h" / "hourly" / "hourly at :15" /
    "daily at 02:00" (TIME_ZONE) / "daily at 02:00 Area/City"."""
    text = " ".join(text.split())
    if match := _EVERY.fullmatch(text):
        seconds = int(match[1]) * _UNITS[match[2]]
        if seconds < 1:
            raise ScheduleError(f"interval must be positive: {text!r}")
        return Every(seconds)
    if match := _HOURLY.fullmatch(text):
        minute = int(match[1] or 0)
        if minute > 59:
            raise ScheduleError(f"minute out of range: {text!r}")
        return Hourly(minute)
    if match := _DAILY.fullmatch(text):
        hour, minute, zone = int(match[1]), int(match[2]), match[3] or settings.TIME_ZONE
        if hour > 23 or minute > 59:
            raise ScheduleError(f"time out of range: {text!r}")
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ScheduleError(f"unknown time zone in {text!r}") from exc
        return Daily(hour, minute, zone)
    raise ScheduleError(f"unknown schedule {text!r}")


@dataclass(frozen=True)
class Periodic:
    """A periodic job: the dotted path of a django-tasks task without arguments, and when."""

    task: str
    schedule: str

    @property
    def name(self) -> str:
        return self.task

    def parsed(self) -> Schedule:
        return parse_schedule(self.schedule)

    def load(self) -> Task:
        found = import_string(self.task)
        if not isinstance(found, Task):
            raise ScheduleError(f"{self.task} is not a django-tasks task")
        return found


def scheduler_identity() -> str:
    """Who claimed a run, for the back-office: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def periodic_claim(*, entry: Periodic, due_at: dt.datetime, claimed_by: str) -> bool:
    """Move the job's last due time to `due_at` unless a scheduler already did; True for the
    one caller that moved it. Call inside the transaction that enqueues the run."""
    from yishi.core.models import PeriodicJob

    PeriodicJob.objects.get_or_create(name=entry.name, defaults={"schedule": entry.schedule})
    return (
        PeriodicJob.objects.filter(name=entry.name)
        .filter(Q(due_at__isnull=True) | Q(due_at__lt=due_at))
        .update(
            due_at=due_at,
            schedule=entry.schedule,
            claimed_at=timezone.now(),
            claimed_by=claimed_by[:200],
            task_id="",
        )
        == 1
    )


def periodic_fire(
    *, entry: Periodic, now: dt.datetime | None = None, claimed_by: str = ""
) -> dt.datetime | None:
    """Enqueue the run of `entry` due at or before `now`, unless it was claimed already or a
    run of the task is still waiting to start (a busy or stopped worker gets no pile of
    copies). Returns the due time this call claimed, or None."""
    from yishi.core.models import PeriodicJob
    from yishi.core.tasks import enqueue_unless_waiting

    due_at = entry.parsed().due(now or timezone.now())
    task = entry.load()
    _drop_stale_connections()
    try:
        with transaction.atomic():
            if not periodic_claim(
                entry=entry, due_at=due_at, claimed_by=claimed_by or scheduler_identity()
            ):
                return None
            result: TaskResult | None = enqueue_unless_waiting(task)
            if result is not None:
                PeriodicJob.objects.filter(name=entry.name).update(task_id=result.id[:64])
    finally:
        _drop_stale_connections()
    log.info(
        "periodic job %s due %s: %s",
        entry.name,
        due_at.isoformat(),
        f"enqueued as {result.id}" if result is not None else "a run is already waiting",
    )
    return due_at


def _drop_stale_connections() -> None:
    """A long-running process: drop the connections the database closed or that outlived
    CONN_MAX_AGE, as Django does around each request. Not inside a caller's transaction
    (a test's), where Django would close the connection it runs in."""
    if not connection.in_atomic_block:
        close_old_connections()


def schedule_check(entries: Iterable[Periodic]) -> None:
    """Fail at start, not at 02:00, on a bad entry: each schedule parses, each path is a
    task, no job is listed twice."""
    seen: set[str] = set()
    for entry in entries:
        entry.parsed()
        entry.load()
        if entry.name in seen:
            raise ScheduleError(f"{entry.name} is listed twice")
        seen.add(entry.name)


def scheduler_build(
    scheduler: BaseScheduler, entries: Iterable[Periodic], *, claimed_by: str = ""
) -> BaseScheduler:
    """Add each entry to an APScheduler `scheduler` (not started). A run due while no
    scheduler was up (a restart, the first start) is enqueued at start, once: the claim
    tells whether anyone enqueued it."""
    entries = list(entries)
    schedule_check(entries)
    claimed_by = claimed_by or scheduler_identity()
    now = timezone.now()
    for entry in entries:
        common = {"kwargs": {"entry": entry, "claimed_by": claimed_by}, "max_instances": 1}
        scheduler.add_job(
            periodic_fire,
            trigger=entry.parsed().trigger(),
            id=entry.name,
            name=entry.name,
            coalesce=True,  # after a pause: one run, not one per missed time
            misfire_grace_time=None,  # however late, a due run still happens (once)
            **common,
        )
        # Catch up on the run due now, if nobody enqueued it. A one-off job, so that the
        # interval triggers keep their grid.
        scheduler.add_job(
            periodic_fire,
            trigger="date",
            run_date=now,
            id=f"{entry.name}:catch-up",
            name=f"{entry.name} (catch-up)",
            misfire_grace_time=None,
            **common,
        )
    return scheduler
