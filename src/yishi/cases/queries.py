"""Reads: who sees which applications and sub-cases, and the deadline lists.

Applicants see only their own applications; window staff and administrators see every
application; reviewers see applications with a sub-case of their department and only their
department's sub-cases. Anything outside is "not found" (404), never "forbidden".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from yishi.cases import deadlines
from yishi.cases.models import Application, SubCase
from yishi.cases.services import WINDOW_ROLES, staff_profile
from yishi.core import rows
from yishi.core.errors import NotFound
from yishi.themes.models import Theme

RUNNING = (SubCase.Status.PENDING, SubCase.Status.SUPPLEMENT_REQUESTED)


def applications_visible_to(user: Any) -> QuerySet[Application]:
    base = Application.objects.select_related("theme", "matter", "person", "company")
    profile = staff_profile(user)
    if profile is None:
        return base.filter(applicant_id=getattr(user, "pk", None))
    if profile.role in WINDOW_ROLES:
        return base
    return base.filter(subcases__department_id=profile.department_id).distinct()


def application_for(user: Any, number: str) -> Application:
    """The application numbered `number` if `user` may see it (the rules of
    `applications_visible_to`), else NotFound. Its theme is loaded with it; other related
    rows load when read."""
    application = rows.first(Application, number=number)
    if application is None or not _visible(user, application):
        raise NotFound(f"申请 {number} 不存在", field="number")
    if application.theme_id is not None:
        application.theme = rows.first(Theme, id=application.theme_id)
    return application


def _visible(user: Any, application: Application) -> bool:
    profile = staff_profile(user)
    if profile is None:
        return application.applicant_id == getattr(user, "pk", None)
    if profile.role in WINDOW_ROLES:
        return True
    return SubCase.objects.filter(
        application_id=application.pk, department_id=profile.department_id
    ).exists()


def subcases_visible_to(user: Any) -> QuerySet[SubCase]:
    profile = staff_profile(user)
    base = SubCase.objects.select_related("application", "matter", "department")
    if profile is None:
        return base.none()
    return base.filter(department_id=profile.department_id)


def subcase_for(user: Any, subcase_id: int) -> SubCase:
    subcase = subcases_visible_to(user).filter(pk=subcase_id).first()
    if subcase is None:
        raise NotFound(f"子件 {subcase_id} 不存在", field="id")
    return subcase


def subcases_by_deadline_state(
    department_id: int, state: str, *, today: dt.date | None = None
) -> list[SubCase]:
    """Running sub-cases of a department whose promised deadline is in `state`
    ("warning" or "overdue")."""
    day = today or timezone.localdate()
    running = SubCase.objects.filter(department_id=department_id, status__in=RUNNING).order_by(
        "promised_due", "id"
    )
    return [s for s in running if deadlines.deadline_state(s.promised_due, day) == state]


def overdue_subcases(department_id: int, *, today: dt.date | None = None) -> list[SubCase]:
    return subcases_by_deadline_state(department_id, deadlines.OVERDUE, today=today)


def warning_subcases(department_id: int, *, today: dt.date | None = None) -> list[SubCase]:
    return subcases_by_deadline_state(department_id, deadlines.WARNING, today=today)
