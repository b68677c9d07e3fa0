"""Who may see and do what in 帮办代办 (the one access policy of the app).

- The person: their own requests (signed in: through their account; anonymous: the
  requests this browser session opened, kept in the session).
- Staff: window staff and administrators see every request (the district's 帮办 desk);
  reviewers and department leads see their department's requests and those they handle.
- 代办 authorisations are recorded and used by window staff and administrators.
- The figures (响应率, 解决率, 满意度) are for every staff member; they carry no personal data.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yishi.assist.models import AssistRequest, ProxyAuthorisation
from yishi.cases.services import staff_profile
from yishi.core.roles import Role, has_role, roles_of

GUEST_KEY = "assist_guest_requests"
ALL_ROLES = (Role.WINDOW, Role.ADMINISTRATOR)
DEPARTMENT_ROLES = (Role.REVIEWER, Role.DEPARTMENT_LEAD)
PROXY_ROLES = (Role.WINDOW, Role.ADMINISTRATOR)


def _uid(user: Any) -> int | None:
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def is_assist_staff(user: Any) -> bool:
    return has_role(user, *ALL_ROLES, *DEPARTMENT_ROLES)


def is_staff_member(user: Any) -> bool:
    """Any role at all: the figures are open to every staff member."""
    return bool(roles_of(user))


def may_proxy(user: Any) -> bool:
    return has_role(user, *PROXY_ROLES)


def staff_filter(user: Any) -> Q | None:
    """The requests a staff member sees, or None for none."""
    if has_role(user, *ALL_ROLES):
        return Q()
    if has_role(user, *DEPARTMENT_ROLES):
        profile = staff_profile(user)
        mine = Q(clerk_id=user.pk)
        return mine | Q(department_id=profile.department_id) if profile else mine
    return None


def staff_requests(user: Any) -> QuerySet[AssistRequest]:
    rule = staff_filter(user)
    if rule is None:
        return AssistRequest.objects.none()
    return AssistRequest.objects.filter(rule)


def may_staff(user: Any, request: AssistRequest) -> bool:
    return staff_requests(user).filter(pk=request.pk).exists()


def guest_ids(session: Any) -> list[int]:
    if session is None:
        return []
    return [int(i) for i in session.get(GUEST_KEY, []) if str(i).isdigit()]


def remember_guest(session: Any, request: AssistRequest) -> None:
    ids = guest_ids(session)
    if request.pk not in ids:
        session[GUEST_KEY] = [*ids[-19:], request.pk]


def is_owner(user: Any, session: Any, request: AssistRequest) -> bool:
    """The person helped: their account, or (anonymous request) the session that opened it."""
    uid = _uid(user)
    if request.account_id is not None:
        return uid is not None and request.account.user_id == uid
    return request.pk in guest_ids(session)


def own_requests(user: Any, session: Any) -> QuerySet[AssistRequest]:
    uid = _uid(user)
    rule = Q(account__isnull=True, pk__in=guest_ids(session))
    if uid is not None:
        rule |= Q(account__user_id=uid)
    return AssistRequest.objects.filter(rule)


def may_join(user: Any, session: Any, request: AssistRequest) -> bool:
    """Whether the user may read and write the request's chat."""
    return is_owner(user, session, request) or (is_assist_staff(user) and may_staff(user, request))


def authorisations_of(user: Any) -> QuerySet[ProxyAuthorisation]:
    """An applicant's own authorisations (to confirm or revoke them)."""
    uid = _uid(user)
    if uid is None:
        return ProxyAuthorisation.objects.none()
    return ProxyAuthorisation.objects.filter(
        Q(account__user_id=uid) | Q(person__account__user_id=uid)
    ).distinct()
