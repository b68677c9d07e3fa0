"""Reads of e-licences: which type a matter produces, which materials a licence satisfies,
an applicant's wallet, licences expiring soon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from yishi.catalog.models import Material, Matter
from yishi.licences.models import Licence, LicenceType
from yishi.people.models import CompanyAgent
from yishi.people.queries import account_of, acting_companies


def licence_type_for_matter(matter: Matter) -> LicenceType | None:
    """The licence type an approved sub-case of `matter` produces: an explicit link first,
    else a type listing the matter's basic code; None when the matter yields no licence."""
    explicit = LicenceType.objects.filter(issuing_matters=matter).order_by("id").first()
    if explicit is not None:
        return explicit
    if not matter.basic_code:
        return None
    for licence_type in LicenceType.objects.order_by("id"):
        if matter.basic_code in (licence_type.matter_basic_codes or []):
            return licence_type
    return None


def normalise_material_name(text: str) -> str:
    """A material's name as documents are compared: without spaces and book-title marks."""
    return (text or "").strip().strip("《》").strip()


def material_satisfied_by(material: Material, licence_type: LicenceType) -> bool:
    """Whether a catalog material can be satisfied by a licence of this type."""
    names = {normalise_material_name(n) for n in licence_type.all_names()}
    if material.licence_type and normalise_material_name(material.licence_type) in names:
        return True
    if licence_type.material_kind and material.kind == licence_type.material_kind:
        return True
    return normalise_material_name(material.name) in names


def materials_of_application(application: Any) -> list[Material]:
    """The catalog materials of the application's matters (its sub-cases' once accepted)."""
    matter_ids = list(application.subcases.values_list("matter_id", flat=True))
    if not matter_ids:
        if application.theme_id:
            matter_ids = list(application.theme.items.values_list("matter_id", flat=True))
        else:
            matter_ids = [application.matter_id]
    return list(
        Material.objects.filter(matter_id__in=matter_ids).order_by("matter_id", "order", "id")
    )


def material_lines_for_type(licence_type: LicenceType, application: Any) -> list[tuple[str, str]]:
    """(kind key, name) of the application's material lines a licence of this type satisfies,
    keyed as cases store them (Material.kind, else "name:<name>"). When no matter of the
    application asks for it, the type's own kind and name."""
    lines: dict[str, str] = {}
    for material in materials_of_application(application):
        if material_satisfied_by(material, licence_type):
            key = (material.kind or material.name)[:60]
            lines.setdefault(key, material.name)
    if not lines:
        lines[(licence_type.material_kind or licence_type.name)[:60]] = licence_type.name
    return list(lines.items())


def licences_of_holder(*, person: Any = None, company: Any = None) -> QuerySet[Licence]:
    query = Licence.objects.select_related("type", "issuer")
    if company is not None:
        return query.filter(company=company)
    if person is not None:
        return query.filter(person=person)
    return query.none()


def wallet(user: Any) -> QuerySet[Licence]:
    """The licences a logged-in applicant holds, applied for as 申请人/监护人 (a newborn's),
    or holds for the companies they act for."""
    account = account_of(user)
    if account is None:
        return Licence.objects.none()
    companies = [c.pk for c in acting_companies(user, scope=CompanyAgent.Scope.LICENCES)]
    return (
        Licence.objects.select_related("type", "issuer", "person", "company", "applicant")
        .filter(
            Q(person=account.person) | Q(applicant=account.person) | Q(company_id__in=companies)
        )
        .order_by("-issued_on", "-id")
    )


def wallet_licence(user: Any, number: str) -> Licence | None:
    """One licence of the user's wallet, or None (another holder's licence is not found)."""
    return wallet(user).filter(number=number).first()


def expiring_soon(*, within_days: int = 30, today: dt.date | None = None) -> QuerySet[Licence]:
    """Valid licences whose validity ends within `within_days` (from today, inclusive)."""
    day = today or timezone.localdate()
    return (
        Licence.objects.select_related("type", "issuer")
        .filter(
            status=Licence.Status.VALID,
            valid_until__isnull=False,
            valid_until__gte=day,
            valid_until__lte=day + dt.timedelta(days=within_days),
        )
        .order_by("valid_until", "id")
    )


def _valid_licences(
    *, person: Any = None, company: Any = None, today: dt.date | None = None
) -> QuerySet[Licence]:
    day = today or timezone.localdate()
    return (
        licences_of_holder(person=person, company=company)
        .filter(status=Licence.Status.VALID)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
    )


def _satisfying(material: Material, licences: Iterable[Licence]) -> Licence | None:
    return next((lic for lic in licences if material_satisfied_by(material, lic.type)), None)


def held_licence_for_material(
    material: Material, *, person: Any = None, company: Any = None, today: dt.date | None = None
) -> Licence | None:
    """A valid, unexpired licence of the subject that satisfies the material (免证明)."""
    return _satisfying(material, _valid_licences(person=person, company=company, today=today))


def held_licence_for_applicant(
    material: Material, *, person: Any, company: Any = None, today: dt.date | None = None
) -> Licence | None:
    """The licence standing in for a material of an application: the company's own when it
    applies for one, else the applicant's (a company's case may need its representative's
    personal licences)."""
    return held_licence_finder(person=person, company=company, today=today)(material)


def held_licence_finder(
    *, person: Any, company: Any = None, today: dt.date | None = None
) -> Callable[[Material], Licence | None]:
    """held_licence_for_applicant for many materials of one application: the subjects'
    valid licences are read once (a draft's materials page asked once per material)."""
    pools = [_valid_licences(company=company, today=today)] if company is not None else []
    pools.append(_valid_licences(person=person, today=today))
    loaded: list[list[Licence]] = []

    def find(material: Material) -> Licence | None:
        for i, pool in enumerate(pools):
            if i == len(loaded):
                loaded.append(list(pool))  # each subject's licences read on first need
            if (licence := _satisfying(material, loaded[i])) is not None:
                return licence
        return None

    return find


RENEWAL_REMIND_DAYS = 60


def renewal_matter(licence_type: LicenceType) -> Matter | None:
    """A published matter that issues this type again (换领/延续), preferring one decided
    by 秒批秒办; None when the catalog has none."""
    matters = Matter.objects.filter(status=Matter.Status.PUBLISHED).filter(
        Q(licence_types=licence_type) | Q(basic_code__in=licence_type.matter_basic_codes or [])
    )
    return matters.order_by("-instant_approval", "code").first()


def renewal_due(licence: Licence, *, today: dt.date | None = None) -> dict[str, Any] | None:
    """For a valid licence ending within RENEWAL_REMIND_DAYS (or ended, still valid
    otherwise): the days left and the matter to renew it online; None when not due."""
    day = today or timezone.localdate()
    if licence.status != Licence.Status.VALID or licence.valid_until is None:
        return None
    days = (licence.valid_until - day).days
    if days > RENEWAL_REMIND_DAYS:
        return None
    return {"days_left": days, "matter": renewal_matter(licence.type)}
