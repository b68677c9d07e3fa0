"""Reads of the subject registries. Encrypted values are found only through their blind
index (exact match)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from yishi.core.errors import ValidationFailed
from yishi.core.fields import blind_index
from yishi.core.validators import clean_identifier, validate_mobile
from yishi.people.models import ApplicantAccount, Company, CompanyAgent, Person


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


def active_agencies(user: object) -> QuerySet[CompanyAgent]:
    """The user's authorisations that hold today: not revoked, not past their end date (and
    confirmed by the registry when AGENT_REQUIRE_VERIFIED)."""
    if not getattr(user, "is_authenticated", False):
        return CompanyAgent.objects.none()
    today = timezone.localdate()
    agencies = CompanyAgent.objects.filter(
        Q(authorised_until__isnull=True) | Q(authorised_until__gte=today),
        person__account__user=user,
        revoked_at__isnull=True,
    )
    if settings.AGENT_REQUIRE_VERIFIED:
        agencies = agencies.filter(verified_at__isnull=False)
    return agencies.select_related("company").order_by("company__name", "id")


def acting_companies(user: object) -> list[Company]:
    """Companies the user may act for today."""
    return [agency.company for agency in active_agencies(user)]


def can_act_for(user: object, company: Company) -> bool:
    return active_agencies(user).filter(company=company).exists()


def agencies_of(user: object) -> list[CompanyAgent]:
    """All the user's authorisations, current first, for the account page."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        CompanyAgent.objects.filter(person__account__user=user)
        .select_related("company")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at")
    )
