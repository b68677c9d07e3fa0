"""Who may see and do what in 数据治理 (the one access policy of the app).

- The chief data officer and administrators: every dataset, finding, score and request.
- A department's data officer (数据专员): the findings of the department's datasets (the
  checks, 校核, 确认, 更正 or 驳回), running the checks on them, and the department's
  supply-and-demand requests, made or received.
- Any member of staff who can see a case: one-click reports on the registry records of
  that case (以用促治).
- Open data (/open-data/, GET /api/v1/open-data) is public.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yishi.cases.access import may_see_application
from yishi.core.roles import Role, has_role
from yishi.governance.models import DataRequest, Dataset, Finding

CHIEF = (Role.CHIEF_DATA_OFFICER, Role.ADMINISTRATOR)
GOVERN = (Role.CHIEF_DATA_OFFICER, Role.DATA_OFFICER, Role.ADMINISTRATOR)


def _department_id(user: Any) -> int | None:
    profile = getattr(user, "staff_profile", None) if getattr(user, "pk", None) else None
    return getattr(profile, "department_id", None)


def is_chief(user: Any) -> bool:
    return has_role(user, *CHIEF)


def may_govern(user: Any) -> bool:
    """The governance pages: the chief data officer, data officers, administrators."""
    if is_chief(user):
        return True
    return has_role(user, Role.DATA_OFFICER) and _department_id(user) is not None


def datasets_visible_to(user: Any) -> QuerySet[Dataset]:
    if is_chief(user):
        return Dataset.objects.all()
    if may_govern(user):
        return Dataset.objects.filter(department_id=_department_id(user))
    return Dataset.objects.none()


def findings_visible_to(user: Any) -> QuerySet[Finding]:
    if is_chief(user):
        return Finding.objects.all()
    if may_govern(user):
        return Finding.objects.filter(dataset__department_id=_department_id(user))
    return Finding.objects.none()


def may_handle(user: Any, finding: Finding) -> bool:
    """校核, 确认, 更正 or 驳回: the owning department's data officer or the chief."""
    return findings_visible_to(user).filter(pk=finding.pk).exists()


def may_report(user: Any, application: Any) -> bool:
    """A member of staff who can see the case may report its registry data."""
    return _department_id(user) is not None and may_see_application(user, application)


def requests_visible_to(user: Any) -> QuerySet[DataRequest]:
    if is_chief(user):
        return DataRequest.objects.all()
    if may_govern(user):
        dep = _department_id(user)
        return DataRequest.objects.filter(Q(requester_id=dep) | Q(dataset__department_id=dep))
    return DataRequest.objects.none()


def may_answer(user: Any, request: DataRequest) -> bool:
    """The owning department's data officer (or the chief) answers and delivers."""
    if is_chief(user):
        return True
    return may_govern(user) and request.dataset.department_id == _department_id(user)


def may_request(user: Any) -> bool:
    return may_govern(user) and _department_id(user) is not None


def may_read_shared(user: Any, request: DataRequest) -> bool:
    """The rows of an API grant: the requesting department's data officers (the key's user
    is the one who asked) and the chief data officer."""
    if is_chief(user):
        return True
    return may_govern(user) and request.requester_id == _department_id(user)
