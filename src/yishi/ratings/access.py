"""The ratings access policy. Raters: only the person served may rate (the application's
applicant or a verified agent of its company, the assist request's account, the holder of a
ticket's token, any signed-in user for the portal); another's target is "not found".
Follow-ups: a department lead (部门负责人) sees and handles their department's; supervisors
(监管人员) and administrators see all, and supervisors decide appeals."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yishi.cases.models import Application
from yishi.cases.services import staff_profile
from yishi.core.roles import Role, has_role
from yishi.people.queries import acting_companies
from yishi.ratings.models import FollowUp

VIEW_ROLES = (Role.DEPARTMENT_LEAD, Role.SUPERVISOR, Role.ADMINISTRATOR)


def _uid(user: Any) -> int | None:
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def may_rate_application(user: Any, application: Application) -> bool:
    uid = _uid(user)
    if uid is None or application.status == Application.Status.DRAFT:
        return False
    if application.applicant_id == uid:
        return True
    if not application.company_id:
        return False
    return any(c.pk == application.company_id for c in acting_companies(user, scope="apply"))


def may_see_followups(user: Any) -> bool:
    return has_role(user, *VIEW_ROLES)


def followups_visible_to(user: Any) -> QuerySet[FollowUp]:
    """All follow-ups for supervisors and administrators; a lead's department's for leads."""
    if has_role(user, Role.SUPERVISOR, Role.ADMINISTRATOR):
        return FollowUp.objects.all()
    if has_role(user, Role.DEPARTMENT_LEAD):
        profile = staff_profile(user)
        if profile is not None and profile.department_id:
            return FollowUp.objects.filter(department_id=profile.department_id)
    return FollowUp.objects.none()


def may_handle(user: Any, followup: FollowUp) -> bool:
    """回访, 整改, 情况说明 and filing an appeal: the department's lead or an administrator."""
    if has_role(user, Role.ADMINISTRATOR):
        return True
    if not has_role(user, Role.DEPARTMENT_LEAD):
        return False
    profile = staff_profile(user)
    return profile is not None and profile.department_id == followup.department_id


def may_decide_appeal(user: Any) -> bool:
    return has_role(user, Role.SUPERVISOR, Role.ADMINISTRATOR)
