"""The cases access policy: who may see which applications, sub-cases and material files.
Every view, API operation and file route of applications asks this module.

- An applicant sees their own applications and drafts, and the submitted applications of
  companies they are verified to act for (scope 办理业务).
- A window clerk sees the submitted (not draft) applications of their service centre.
- A reviewer sees applications where their department has a sub-case, from the moment the
  sub-case exists, and only their department's sub-cases.
- A supervisor sees applications through their supervision tasks only (the supervision app's
  policy); nothing here.
- An administrator sees everything.
- Files follow the record they belong to; a draft's files are its owner's alone.

Anything outside is "not found" (404), never "forbidden", so existence is not revealed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.cases.services import staff_profile
from yishi.catalog.centres import centre_of_staff
from yishi.core.roles import Role, has_role
from yishi.people.queries import acting_companies

DRAFT = Application.Status.DRAFT


def _uid(user: Any) -> int | None:
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def application_filter(user: Any) -> Q | None:
    """The Q selecting the applications `user` may see; None means every application."""
    if has_role(user, Role.ADMINISTRATOR):
        return None
    uid = _uid(user)
    if uid is None:
        return Q(pk__in=[])
    q = Q(applicant_id=uid)
    profile = staff_profile(user)
    if profile is None:
        companies = _company_ids(user)
        if companies:
            q |= Q(company_id__in=companies) & ~Q(status=DRAFT)
        return q
    if has_role(user, Role.WINDOW):
        centre = centre_of_staff(profile)
        at_centre = Q(service_centre_id=centre) if centre else Q(service_centre__isnull=True)
        q |= at_centre & ~Q(status=DRAFT)
    if has_role(user, Role.REVIEWER):
        q |= Q(
            pk__in=SubCase.objects.filter(department_id=profile.department_id).values(
                "application_id"
            )
        )
    return q


def _company_ids(user: Any) -> set[int]:
    return {company.pk for company in acting_companies(user, scope="apply")}


def applications_visible_to(user: Any) -> QuerySet[Application]:
    base = Application.objects.all()
    q = application_filter(user)
    return base if q is None else base.filter(q)


def may_see_application(user: Any, application: Application) -> bool:
    """The rule of `application_filter` for one loaded row, without a query where it can."""
    if has_role(user, Role.ADMINISTRATOR):
        return True
    uid = _uid(user)
    if uid is None:
        return False
    if application.applicant_id == uid:
        return True
    if application.status == DRAFT:
        return False
    profile = staff_profile(user)
    if profile is None:
        return bool(application.company_id) and application.company_id in _company_ids(user)
    if has_role(user, Role.WINDOW) and application.service_centre_id == centre_of_staff(profile):
        return True
    return has_role(user, Role.REVIEWER) and (
        SubCase.objects.filter(
            application_id=application.pk, department_id=profile.department_id
        ).exists()
    )


def subcases_visible_to(user: Any) -> QuerySet[SubCase]:
    """A department's sub-cases, for its reviewers; every sub-case for administrators."""
    if has_role(user, Role.ADMINISTRATOR):
        return SubCase.objects.all()
    profile = staff_profile(user)
    if profile is None or not has_role(user, Role.REVIEWER):
        return SubCase.objects.none()
    return SubCase.objects.filter(department_id=profile.department_id)


def materials_visible_to(user: Any) -> QuerySet[CaseMaterial]:
    """Stored material files the user may download: those of applications they may see, and
    of a draft only its owner."""
    uid = _uid(user)
    if uid is None:
        return CaseMaterial.objects.none()
    q = application_filter(user)
    own_draft = Q(application__status=DRAFT, application__applicant_id=uid)
    submitted = ~Q(application__status=DRAFT)
    if q is not None:
        submitted &= Q(application__in=Application.objects.filter(q).values("pk"))
    return CaseMaterial.objects.filter(own_draft | submitted, stored_file__isnull=False)
