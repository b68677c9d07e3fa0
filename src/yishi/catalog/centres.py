"""Service centres (政务服务中心) as places where applications are handled: the district's own
centre is the default for online applications and for window staff bound to no centre."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from yishi.catalog.models import Department

_TTL_SECONDS = 60.0
_memo: dict[str, tuple[float, int | None]] = {}


def service_centres() -> QuerySet[Department]:
    """Every service centre, the district's first, then by code."""
    return Department.objects.filter(kind=Department.Kind.SERVICE_CENTRE).order_by(
        "region__code", "code"
    )


def district_centre_id() -> int | None:
    """The centre of the district served (its region is the district), or None when the
    catalog has none; read at most once a minute per process (centres are hardly edited)."""
    code = settings.DISTRICT_CODE
    hit = _memo.get(code)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _TTL_SECONDS:
        return hit[1]
    pk = (
        Department.objects.filter(kind=Department.Kind.SERVICE_CENTRE, region__code=code)
        .order_by("code")
        .values_list("pk", flat=True)
        .first()
    )
    _memo[code] = (now, pk)
    return pk


def forget_district_centre() -> None:
    _memo.clear()


def centre_of_staff(profile: Any) -> int | None:
    """The centre whose applications a window clerk handles."""
    return profile.service_centre_id or district_centre_id()


def centre_choice(code: str | None) -> int | None:
    """The centre an applicant picked (by department code), or the district's by default;
    an unknown code or a department that is no centre is None (the caller says so)."""
    if not code:
        return district_centre_id()
    return service_centres().filter(code=code).values_list("pk", flat=True).first()
