"""Who sees which figures. District-wide roles (管理员, 值班领导, 首席数据官) see every
department; a department lead (部门负责人) sees the applications in which their department
has a sub-case; nobody else sees the figures (applicants and other staff are refused)."""

from __future__ import annotations

from typing import Any

from yishi.catalog.models import StaffProfile
from yishi.core.roles import Role, has_role

DISTRICT_ROLES = (Role.ADMINISTRATOR, Role.DUTY_LEADER, Role.CHIEF_DATA_OFFICER)
LEAD_ROLES = (Role.DEPARTMENT_LEAD,)


class Scope:
    """What one user may see: every department (`departments` None) or the listed ones."""

    def __init__(self, departments: frozenset[int] | None) -> None:
        self.departments = departments

    @property
    def district(self) -> bool:
        return self.departments is None

    def allows_department(self, department_id: int | None) -> bool:
        return self.departments is None or department_id in self.departments


def scope_of(user: Any) -> Scope | None:
    """The user's scope, or None when they may not see the figures at all."""
    if not getattr(user, "is_authenticated", False):
        return None
    if has_role(user, *DISTRICT_ROLES):
        return Scope(None)
    if has_role(user, *LEAD_ROLES):
        department_id = (
            StaffProfile.objects.filter(user=user).values_list("department_id", flat=True).first()
        )
        if department_id:
            return Scope(frozenset({department_id}))
    return None
