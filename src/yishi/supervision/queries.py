"""Reads: which supervision tasks a staff member sees, the countdown of each, overdue tasks.

Staff see the tasks their department supervises and, as feedback (监管反馈), the tasks on
approvals their department issued. Anything else is "not found" (404), never "forbidden".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from yishi.cases.services import staff_profile
from yishi.core.errors import NotFound, ValidationFailed
from yishi.core.roles import Role, has_role
from yishi.core.workdays import working_days_between
from yishi.supervision.models import SupervisionTask

SUPERVISING, APPROVING = "supervising", "approving"
SIDES = (SUPERVISING, APPROVING)
OK, WARNING, OVERDUE = "ok", "warning", "overdue"
WARN_WORKING_DAYS = 3


def _base() -> QuerySet[SupervisionTask]:
    return SupervisionTask.objects.select_related(
        "subcase",
        "application__person",
        "application__company",
        "matter",
        "approving_department",
        "supervising_department",
        "decided_by",
    )


def tasks_visible_to(user: Any, *, side: str | None = None) -> QuerySet[SupervisionTask]:
    """Tasks of the user's department: supervised by it, approved by it, or (side=None) both.
    A superuser without a staff profile sees every task."""
    if side is not None and side not in SIDES:
        raise ValidationFailed(
            "监管方向只能是 supervising（本部门监管）或 approving（本部门审批）", field="side"
        )
    profile = staff_profile(user)
    if has_role(user, Role.ADMINISTRATOR) and side is None:
        return _base()
    if profile is None:
        return _base().none()
    dept = profile.department_id
    if side == SUPERVISING:
        return _base().filter(supervising_department_id=dept)
    if side == APPROVING:
        return _base().filter(approving_department_id=dept)
    return _base().filter(Q(supervising_department_id=dept) | Q(approving_department_id=dept))


def filter_status(tasks: QuerySet[SupervisionTask], status: str | None) -> QuerySet:
    if not status:
        return tasks
    if status not in SupervisionTask.Status.values:
        raise ValidationFailed(
            "核查状态只能是 open（待核查）、compliant（合规）或 non_compliant（不合规）",
            field="status",
        )
    return tasks.filter(status=status)


def task_for(user: Any, task_id: int) -> SupervisionTask:
    task = tasks_visible_to(user).filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"监管任务 {task_id} 不存在", field="id")
    return task


def overdue_tasks(
    *, department_id: int | None = None, today: dt.date | None = None
) -> QuerySet[SupervisionTask]:
    """Open tasks past their due date (optionally of one supervising department)."""
    day = today or timezone.localdate()
    tasks = _base().filter(status=SupervisionTask.Status.OPEN, due_on__lt=day)
    if department_id is not None:
        tasks = tasks.filter(supervising_department_id=department_id)
    return tasks


@dataclass(frozen=True)
class Countdown:
    state: str  # "ok" | "warning" | "overdue" | "" (decided)
    days_left: int  # working days left; 0 when due today or overdue
    label: str


def countdown(task: SupervisionTask, today: dt.date | None = None) -> Countdown:
    """Working days left until the due date of an open task, or how late it is."""
    if task.status != SupervisionTask.Status.OPEN:
        return Countdown("", 0, "已核查")
    day = today or timezone.localdate()
    if day > task.due_on:
        late = working_days_between(task.due_on, day)
        return Countdown(OVERDUE, 0, f"已超期 {late} 个工作日" if late else "已超期")
    left = working_days_between(day, task.due_on)
    if left == 0:
        return Countdown(WARNING, 0, "今日到期")
    state = WARNING if left <= WARN_WORKING_DAYS else OK
    return Countdown(state, left, f"剩余 {left} 个工作日")


def department_counts(department_id: int, *, today: dt.date | None = None) -> dict[str, int]:
    """For the workbench home: open tasks the department supervises, and how many are late."""
    open_tasks = SupervisionTask.objects.filter(
        supervising_department_id=department_id, status=SupervisionTask.Status.OPEN
    )
    day = today or timezone.localdate()
    return {"open": open_tasks.count(), "overdue": open_tasks.filter(due_on__lt=day).count()}
