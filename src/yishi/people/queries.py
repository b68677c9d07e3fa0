"""Reads of the subject registries. Encrypted values are found only through their blind
index (exact match)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from yishi.core.errors import ValidationFailed
from yishi.core.fields import blind_index
from yishi.core.validators import clean_identifier, validate_mobile
from yishi.people.models import (
    ApplicantAccount,
    Company,
    CompanyAgent,
    Person,
    RegistryAccess,
)


def person_by_id_number(value: str) -> Person | None:
    """The person registered under this 居民身份证号, or None (separators and a lower-case x
    are tolerated, as in registration)."""
    number = clean_identifier(value)
    if not number:
        return None
    return Person.objects.filter(id_number_index=blind_index(number)).first()


def persons_by_phone(value: str) -> list[Person]:
    """Persons who gave this mobile number (a phone may be shared in a family)."""
    try:
        number = validate_mobile(value).number
    except ValidationFailed:
        return []
    return list(Person.objects.filter(phone_index=blind_index(number)).order_by("id"))


def company_by_uscc(value: str) -> Company | None:
    code = clean_identifier(value)
    if not code:
        return None
    return Company.objects.filter(uscc=code).first()


def account_of(user: object) -> ApplicantAccount | None:
    """The applicant account of a logged-in user, or None (anonymous users, staff)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return ApplicantAccount.objects.select_related("person", "user").filter(user=user).first()


def _holding(today: dt.date) -> Q:
    """Claims not revoked and not past their end date."""
    return Q(revoked_at__isnull=True) & (
        Q(authorised_until__isnull=True) | Q(authorised_until__gte=today)
    )


def active_agencies(user: object, scope: str | None = None) -> list[CompanyAgent]:
    """The user's authorisations that hold today: verified, not revoked, not past their end
    date, and covering `scope` when one is given (a claim still pending grants nothing)."""
    return [a for a in _verified_agencies(user) if scope is None or a.covers(scope)]


def _verified_agencies(user: object) -> QuerySet[CompanyAgent]:
    # Scopes are a JSON list, not queryable alike on SQLite and PostgreSQL: callers filter
    # them in Python (a user holds few claims).
    if not getattr(user, "is_authenticated", False):
        return CompanyAgent.objects.none()
    return (
        CompanyAgent.objects.filter(
            _holding(timezone.localdate()),
            person__account__user=user,
            verified_at__isnull=False,
        )
        .select_related("company")
        .order_by("company__name", "id")
    )


def acting_companies(user: object, *, scope: str) -> list[Company]:
    """Companies the user may act for today within `scope` (a CompanyAgent.Scope code)."""
    return [agency.company for agency in active_agencies(user, scope)]


def can_act_for(user: object, company: Company, scope: str) -> bool:
    """Whether a verified, current authorisation of the user for `company` covers `scope`."""
    return any(a.covers(scope) for a in _verified_agencies(user).filter(company=company))


def represents(user: object, company: Company) -> bool:
    """Whether the user is the company's verified legal representative today."""
    return (
        _verified_agencies(user)
        .filter(company=company, role=CompanyAgent.Role.LEGAL_REPRESENTATIVE)
        .exists()
    )


def acting_user_ids(company_ids: list[int], *, scope: str) -> list[int]:
    """The accounts (user ids) that may act today within `scope` for any of the companies."""
    agencies = CompanyAgent.objects.filter(
        _holding(timezone.localdate()),
        company_id__in=company_ids,
        verified_at__isnull=False,
        person__account__isnull=False,
    ).select_related("person__account")
    return sorted({a.person.account.user_id for a in agencies if a.covers(scope)})


def company_agents(company: Company) -> list[CompanyAgent]:
    """A company's 经办人 that are not revoked (pending, current or expired), for its legal
    representative's page."""
    return list(
        CompanyAgent.objects.filter(
            company=company, role=CompanyAgent.Role.AGENT, revoked_at__isnull=True
        )
        .select_related("person")
        .order_by("-created_at", "-id")
    )


def pending_claims() -> QuerySet[CompanyAgent]:
    """Claims waiting for window staff: unverified, not revoked, not past their end date."""
    return (
        CompanyAgent.objects.filter(_holding(timezone.localdate()), verified_at__isnull=True)
        .select_related("company", "person")
        .order_by("created_at", "id")
    )


def company_claims(company: Company) -> QuerySet[CompanyAgent]:
    """A company's claims that are not revoked, for window staff."""
    return (
        CompanyAgent.objects.filter(company=company, revoked_at__isnull=True)
        .select_related("company", "person", "verified_by")
        .order_by("-role", "-created_at", "-id")  # the legal representative first
    )


def current_claims(user: object) -> list[CompanyAgent]:
    """The user's claims neither revoked nor past their end date, verified or pending."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        CompanyAgent.objects.filter(_holding(timezone.localdate()), person__account__user=user)
        .select_related("company")
        .order_by("company__name", "id")
    )


def agencies_of(user: object) -> list[CompanyAgent]:
    """All the user's authorisations, current first, for the account page."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        CompanyAgent.objects.filter(person__account__user=user)
        .select_related("company")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at")
    )


# ---------------------------------------------------------------- who read my data

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Relations an eligibility rule counts (policies/rules.py fields_read), recorded like fields.
RELATION_LABELS = {"licences": "持有证照", "agents": "授权人员"}


def registry_field_label(name: str, *, company: bool = False) -> str:
    """The Chinese name of a registry field (its verbose_name) or counted relation."""
    if name in RELATION_LABELS:
        return RELATION_LABELS[name]
    try:
        return str((Company if company else Person)._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def registry_field_known(name: str, *, company: bool = False) -> bool:
    if name in RELATION_LABELS:
        return True
    try:
        field = (Company if company else Person)._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.is_relation


@dataclass(frozen=True)
class AccessRow:
    """One staff read of a person's registry record, as the person is shown it."""

    at: dt.datetime  # in Asia/Shanghai
    reader: str  # masked name, never a username
    department: str
    role: str
    channel: str
    channel_label: str
    field_names: list[str]
    fields: list[str]  # Chinese names
    purpose: str


def registry_reads(person: Person) -> QuerySet[RegistryAccess]:
    """Every staff read of the person's registry record, newest first."""
    return RegistryAccess.objects.filter(person=person).order_by("-at", "-id")


def registry_read_rows(person: Person, *, limit: int = 200, offset: int = 0) -> list[AccessRow]:
    """The person's 谁查看了我的信息 list: a page of their reads, newest first."""
    rows = registry_reads(person).only(
        "at", "reader_name", "reader_department", "reader_role", "channel", "fields", "purpose"
    )[offset : offset + limit]
    return [
        AccessRow(
            at=timezone.localtime(row.at, SHANGHAI),
            reader=row.reader_name,
            department=row.reader_department,
            role=row.reader_role,
            channel=row.channel,
            channel_label=row.get_channel_display(),
            field_names=list(row.fields),
            fields=[registry_field_label(name) for name in row.fields],
            purpose=row.purpose,
        )
        for row in rows
    ]
