"""Reads: the clock of a report or item (warning, overdue), overdue lists, the figure for
managers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Q, QuerySet
from django.utils import timezone

from yishi.core.figures import share as _rate
from yishi.core.workdays import working_days_between
from yishi.reports import conf
from yishi.reports.models import Improvement, Report

OK, WARNING, OVERDUE = "ok", "warning", "overdue"


@dataclass(frozen=True)
class Countdown:
    state: str  # ok | warning | overdue | "" (nothing due)
    label: str


def _clock(due: dt.date, day: dt.date, what: str) -> Countdown:
    if day > due:
        late = working_days_between(due, day)
        return Countdown(OVERDUE, f"{what}已超期 {late} 个工作日" if late else f"{what}已超期")
    left = working_days_between(day, due)
    if left == 0:
        return Countdown(WARNING, f"{what}今日到期")
    state = WARNING if left <= conf.warn_days() else OK
    return Countdown(state, f"{what}剩余 {left} 个工作日")


def report_clock(report: Report, today: dt.date | None = None) -> Countdown:
    """The deadline that matters now: the first answer, then the resolution."""
    day = today or timezone.localdate()
    if report.status == Report.Status.SUBMITTED:
        answer = _clock(report.answer_due_on, day, "答复")
        if answer.state == OVERDUE:
            return answer
        resolve = _clock(report.resolve_due_on, day, "办结")
        return resolve if resolve.state == OVERDUE else answer
    if report.status == Report.Status.ANSWERED:
        return _clock(report.resolve_due_on, day, "办结")
    return Countdown("", "")


def item_clock(item: Improvement, today: dt.date | None = None) -> Countdown:
    if item.status == Improvement.Status.DONE:
        return Countdown("", "")
    return _clock(item.due_on, today or timezone.localdate(), "整改")


def overdue_q(day: dt.date) -> Q:
    """Open reports past their answer or resolution deadline."""
    return Q(status=Report.Status.SUBMITTED, answer_due_on__lt=day) | Q(
        status__in=[Report.Status.SUBMITTED, Report.Status.ANSWERED], resolve_due_on__lt=day
    )


def overdue_reports(reports: QuerySet[Report], today: dt.date | None = None) -> QuerySet:
    return reports.filter(overdue_q(today or timezone.localdate()))


def overdue_items(items: QuerySet[Improvement], today: dt.date | None = None) -> QuerySet:
    day = today or timezone.localdate()
    return items.exclude(status=Improvement.Status.DONE).filter(due_on__lt=day)


def figures(
    reports: QuerySet[Report], items: QuerySet[Improvement], today: dt.date | None = None
) -> dict[str, Any]:
    """Reports by status, first-answer on-time rate (answered by the due day, among those
    answered), resolution rate (resolved or closed, among all), average satisfaction; items
    open / in progress / done / overdue."""
    day = today or timezone.localdate()
    by_status = {value: 0 for value in Report.Status.values}
    for status in reports.order_by().values_list("status", flat=True):
        by_status[status] += 1
    total = sum(by_status.values())
    answered = list(
        reports.filter(answered_at__isnull=False).values_list("answered_at", "answer_due_on")
    )
    on_time = sum(1 for at, due in answered if timezone.localdate(at) <= due)
    resolved = by_status[Report.Status.RESOLVED] + by_status[Report.Status.CLOSED]
    average = reports.filter(satisfaction__isnull=False).aggregate(a=Avg("satisfaction"))["a"]
    item_status = {value: 0 for value in Improvement.Status.values}
    for status in items.order_by().values_list("status", flat=True):
        item_status[status] += 1
    return {
        "total": total,
        "by_status": [(Report.Status(k).label, k, n) for k, n in by_status.items()],
        "overdue": overdue_reports(reports, day).count(),
        "answer_on_time_rate": _rate(on_time, len(answered)),
        "resolution_rate": _rate(resolved, total),
        "average_satisfaction": round(float(average), 2) if average is not None else None,
        "rated": reports.filter(satisfaction__isnull=False).count(),
        "items_open": item_status[Improvement.Status.OPEN]
        + item_status[Improvement.Status.IN_PROGRESS],
        "items_in_progress": item_status[Improvement.Status.IN_PROGRESS],
        "items_done": item_status[Improvement.Status.DONE],
        "items_overdue": overdue_items(items, day).count(),
    }
