"""Who may see and do what in the remote virtual window (the app's one access policy).

- The resident's pages (/remote/) are for applicant accounts (the identity check and the
  application need a person in the registry); a session is its resident's alone (404 to
  anyone else, staff included).
- The clerk's console is for window staff and administrators (who may work the outlet of a
  remote window: yishi.hall.services.require_staff); a live session is its clerk's alone —
  the one who called the ticket.
- The websocket of a session admits exactly its two members: the resident and the clerk who
  called it.
- A recording opens only for the clerk's supervisor: a department lead (部门负责人) of the
  clerk's own department. Not the clerk, not an administrator, not the resident.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yishi.cases.services import staff_profile
from yishi.core.roles import Role, has_role
from yishi.people.queries import account_of
from yishi.remote.models import Recording, RemoteSession

CLERK_ROLES = (Role.WINDOW, Role.ADMINISTRATOR)


def _uid(user: Any) -> int | None:
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def is_resident(user: Any) -> bool:
    return _uid(user) is not None and account_of(user) is not None


def is_clerk(user: Any) -> bool:
    return _uid(user) is not None and has_role(user, *CLERK_ROLES)


def is_lead(user: Any) -> bool:
    return _uid(user) is not None and has_role(user, Role.DEPARTMENT_LEAD)


def is_session_resident(user: Any, session: RemoteSession) -> bool:
    uid = _uid(user)
    return uid is not None and session.resident_id == uid


def is_session_clerk(user: Any, session: RemoteSession) -> bool:
    uid = _uid(user)
    return uid is not None and session.clerk_id == uid and is_clerk(user)


def member_role(user: Any, session: RemoteSession) -> str | None:
    """ "person" or "clerk" for the two members of a session, None for anyone else."""
    if is_session_resident(user, session):
        return "person"
    if is_session_clerk(user, session):
        return "clerk"
    return None


def own_sessions(user: Any) -> QuerySet[RemoteSession]:
    uid = _uid(user)
    if uid is None:
        return RemoteSession.objects.none()
    return RemoteSession.objects.filter(resident_id=uid)


def recordings_visible_to(user: Any) -> QuerySet[Recording]:
    """A department lead's: the recordings made by clerks of their department."""
    if not is_lead(user):
        return Recording.objects.none()
    profile = staff_profile(user)
    if profile is None or not profile.department_id:
        return Recording.objects.none()
    return Recording.objects.filter(clerk__staff_profile__department_id=profile.department_id)


def may_play(user: Any, recording: Recording) -> bool:
    return recordings_visible_to(user).filter(pk=recording.pk).exists()
