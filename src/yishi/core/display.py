"""How people are named on screen: by a masked name (王**), never by a login name such as
"m-14813e22…" (an applicant's username is a blind index, meaningless and not to be shown).

The person behind an account is read through reverse accessors (`applicant`, set by
people.ApplicantAccount; `staff_profile`, set by catalog.StaffProfile), so that core imports
neither app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist

APPLICANT = "申请人"
STAFF = "工作人员"
SYSTEM = "系统"


def mask_name(name: str, *, fallback: str = STAFF) -> str:
    """张** — the surname and two stars whatever the length (the length is not told either)."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else fallback


def _related(user: Any, name: str) -> Any:
    try:
        return getattr(user, name, None)
    except ObjectDoesNotExist:
        return None


def applicant_person(user: Any) -> Any:
    """The registry person behind an applicant account, or None for any other account."""
    account = _related(user, "applicant")
    return getattr(account, "person", None) if account is not None else None


def user_real_name(user: Any) -> str:
    """The account holder's name in Chinese order, from the registry for an applicant."""
    person = applicant_person(user)
    if person is not None:
        return person.name or ""
    # Chinese order: family name (last_name) first, no space.
    return f"{getattr(user, 'last_name', '') or ''}{getattr(user, 'first_name', '') or ''}"


def user_masked_name(user: Any) -> str:
    """王** for an applicant or a named staff member; 申请人 / 工作人员 when no name is on
    record; 系统 for no user at all."""
    if user is None:
        return SYSTEM
    fallback = APPLICANT if applicant_person(user) is not None else STAFF
    return mask_name(user_real_name(user), fallback=fallback)


def username_masked_names(usernames: Iterable[str]) -> dict[str, str]:
    """username_masked_name for many login names in one query (a page of the audit log)."""
    wanted = {u for u in usernames if u}
    users = get_user_model().objects.filter(username__in=wanted).select_related("applicant__person")
    found = {user.username: user_masked_name(user) for user in users}
    return {u: found.get(u, SYSTEM) for u in wanted} | {"": SYSTEM}


def username_masked_name(username: str) -> str:
    """The masked name of the account with this login name (as the audit log stores it);
    an unknown or empty login name reads as 系统."""
    if not username:
        return SYSTEM
    user = (
        get_user_model()
        .objects.filter(username=username)
        .select_related("applicant__person")
        .first()
    )
    return user_masked_name(user) if user is not None else SYSTEM
