"""Who may see and do what in 办不成事反映 and the walks. Every view and API operation asks here.

- A report is its reporter's (their account, or whoever holds its signed link); the duty
  leaders (值班领导) and administrators work every report; a department lead sees the reports
  of their department; a window clerk sees the reports they entered for someone.
- Improvement items: duty leaders and administrators see all and may move any; a department
  lead sees and moves their department's; whoever walked sees the items of their walks.
- Walks are recorded by leaders (department leads, duty leaders, administrators) and by
  residents enrolled as 政务服务体验员; duty leaders and administrators enrol them.
Anything outside a person's reach is "not found", never "forbidden".
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yishi.cases.services import staff_profile
from yishi.core.errors import NotFound
from yishi.core.roles import Role, has_role
from yishi.reports.models import ExperienceOfficer, Improvement, Report, Walk

WORK = (Role.DUTY_LEADER, Role.ADMINISTRATOR)
ENTER = (Role.WINDOW, Role.DUTY_LEADER, Role.ADMINISTRATOR)
LEADERS = (Role.DEPARTMENT_LEAD, Role.DUTY_LEADER, Role.ADMINISTRATOR)
STAFF = (Role.WINDOW, Role.DEPARTMENT_LEAD, Role.DUTY_LEADER, Role.ADMINISTRATOR)


def _dept_id(user: Any) -> int | None:
    profile = staff_profile(user)
    return profile.department_id if profile is not None else None


def can_work_reports(user: Any) -> bool:
    """Answer, resolve and turn reports into improvement items."""
    return has_role(user, *WORK)


def can_enter_reports(user: Any) -> bool:
    """Enter a report at the 办不成事 window on a person's behalf."""
    return has_role(user, *ENTER)


def is_reports_staff(user: Any) -> bool:
    return has_role(user, *STAFF)


def is_department_lead(user: Any) -> bool:
    return has_role(user, Role.DEPARTMENT_LEAD) and _dept_id(user) is not None


def reports_visible_to(user: Any) -> QuerySet[Report]:
    base = Report.objects.select_related("matter", "department", "outlet")
    if getattr(user, "pk", None) is None:
        return base.none()
    if can_work_reports(user):
        return base
    q = Q(reporter_id=user.pk)
    if has_role(user, Role.WINDOW):
        q |= Q(entered_by_id=user.pk)
    if is_department_lead(user):
        q |= Q(department_id=_dept_id(user))
    return base.filter(q)


def report_for(user: Any, report_id: int) -> Report:
    report = reports_visible_to(user).filter(pk=report_id).first()
    if report is None:
        raise NotFound(f"反映 {report_id} 不存在", field="id")
    return report


def is_reporter(user: Any, report: Report) -> bool:
    return getattr(user, "pk", None) is not None and report.reporter_id == user.pk


def improvements_visible_to(user: Any) -> QuerySet[Improvement]:
    base = Improvement.objects.select_related("department", "matter", "walk", "report")
    if getattr(user, "pk", None) is None:
        return base.none()
    if can_work_reports(user):
        return base
    q = Q(walk__walker_id=user.pk)
    if is_department_lead(user):
        q |= Q(department_id=_dept_id(user))
    return base.filter(q)


def improvement_for(user: Any, item_id: int) -> Improvement:
    item = improvements_visible_to(user).filter(pk=item_id).first()
    if item is None:
        raise NotFound(f"整改事项 {item_id} 不存在", field="id")
    return item


def can_progress(user: Any, item: Improvement) -> bool:
    """Record progress on an item: its department's lead, a duty leader, an administrator."""
    if can_work_reports(user):
        return True
    return is_department_lead(user) and _dept_id(user) == item.department_id


def is_officer(user: Any) -> bool:
    if getattr(user, "pk", None) is None:
        return False
    return ExperienceOfficer.objects.filter(user_id=user.pk, active=True).exists()


def can_walk_as_leader(user: Any) -> bool:
    return has_role(user, *LEADERS)


def can_walk(user: Any) -> bool:
    return can_walk_as_leader(user) or is_officer(user)


def can_enrol(user: Any) -> bool:
    return can_work_reports(user)


def walks_visible_to(user: Any) -> QuerySet[Walk]:
    base = Walk.objects.select_related("matter", "department", "walker")
    if getattr(user, "pk", None) is None:
        return base.none()
    if can_work_reports(user):
        return base
    q = Q(walker_id=user.pk)
    if is_department_lead(user):
        q |= Q(department_id=_dept_id(user)) | Q(improvements__department_id=_dept_id(user))
    return base.filter(q).distinct()


def walk_for(user: Any, walk_id: int) -> Walk:
    walk = walks_visible_to(user).filter(pk=walk_id).first()
    if walk is None:
        raise NotFound(f"走流程记录 {walk_id} 不存在", field="id")
    return walk


def sees_figures(user: Any) -> bool:
    """The managers' figure: leaders and administrators."""
    return has_role(user, *LEADERS)
