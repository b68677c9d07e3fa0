"""Reads of the subject registries. Encrypted values are found only through their blind
index (exact match)."""

from __future__ import annotations

from yishi.core.errors import ValidationFailed
from yishi.core.fields import blind_index
from yishi.core.validators import clean_identifier, validate_mobile
from yishi.people.models import Company, Person


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
