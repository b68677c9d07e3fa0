"""Reads: who sees which applications and sub-cases, and the deadline lists.

Who sees what is decided in yishi.cases.access; anything outside is "not found" (404), never
"forbidden".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from yishi.cases import access, deadlines
from yishi.cases.models import Application, SubCase
from yishi.core import rows
from yishi.core.errors import NotFound
from yishi.themes.models import Theme

RUNNING = (SubCase.Status.PENDING, SubCase.Status.SUPPLEMENT_REQUESTED)


def applications_visible_to(user: Any) -> QuerySet[Application]:
    return access.applications_visible_to(user).select_related(
        "theme", "matter", "person", "company"
    )


def application_for(user: Any, number: str) -> Application:
    """The application numbered `number` if `user` may see it (cases.access), else NotFound.
    Its theme is loaded with it; other related rows load when read."""
    application = rows.first(Application, number=number)
    if application is None or not access.may_see_application(user, application):
        raise NotFound(f"申请 {number} 不存在", field="number")
    if application.theme_id is not None:
        application.theme = rows.first(Theme, id=application.theme_id)
    return application


def subcases_visible_to(user: Any) -> QuerySet[SubCase]:
    return access.subcases_visible_to(user).select_related("application", "matter", "department")


def subcase_for(user: Any, subcase_id: int) -> SubCase:
    subcase = subcases_visible_to(user).filter(pk=subcase_id).first()
    if subcase is None:
        raise NotFound(f"子件 {subcase_id} 不存在", field="id")
    return subcase


def subcases_by_deadline_state(
    department_id: int, state: str, *, today: dt.date | None = None
) -> list[SubCase]:
    """Running sub-cases of a department whose promised deadline is in `state`
    ("warning" or "overdue"); not those a partner region decides (跨域通办)."""
    day = today or timezone.localdate()
    running = SubCase.objects.filter(
        department_id=department_id, status__in=RUNNING, partner_region=""
    ).order_by("promised_due", "id")
    return [s for s in running if deadlines.deadline_state(s.promised_due, day) == state]


def overdue_subcases(department_id: int, *, today: dt.date | None = None) -> list[SubCase]:
    return subcases_by_deadline_state(department_id, deadlines.OVERDUE, today=today)


def warning_subcases(department_id: int, *, today: dt.date | None = None) -> list[SubCase]:
    return subcases_by_deadline_state(department_id, deadlines.WARNING, today=today)
