"""Writes to the subject registries: persons (自然人) and companies (法人).

ID numbers and phone numbers are validated, stored encrypted (SM4) with a keyed-hash index
(HMAC-SM3) beside them, and never written to the audit log or the logs unmasked.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from yishi.core.audit import audit_append
from yishi.core.crypto import mask, mask_phone
from yishi.core.errors import Conflict, NotFound, ValidationFailed
from yishi.core.fields import blind_index
from yishi.core.validators import validate_mobile, validate_ric, validate_uscc
from yishi.people.models import Company, Person
from yishi.people.queries import person_by_id_number

NAME_MAX = 50
COMPANY_NAME_MAX = 150


def _required_text(value: str, *, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"{label}不能为空", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label}最多{max_length}个字，实际为{len(text)}个字", field=field)
    return text


def _optional_text(value: str, *, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationFailed(f"{label}最多{max_length}个字，实际为{len(text)}个字", field=field)
    return text


def person_register(*, name: str, id_number: str, phone: str = "", actor: object = "") -> Person:
    """Register a natural person; birth date, sex and region come from the ID number.

    A second registration of the same ID number is a Conflict (the unique blind index also
    catches two registrations racing each other)."""
    name = _required_text(name, field="name", label="姓名", max_length=NAME_MAX)
    ric = validate_ric(id_number, field="id_number")
    mobile = validate_mobile(phone, field="phone").number if (phone or "").strip() else ""
    index = blind_index(ric.number)
    duplicate = Conflict("该居民身份证号已登记", field="id_number", code="duplicate")
    with transaction.atomic():
        if Person.objects.filter(id_number_index=index).exists():
            raise duplicate
        try:
            with transaction.atomic():
                person = Person.objects.create(
                    name=name,
                    id_number=ric.number,
                    id_number_index=index,
                    birth_date=ric.birth_date,
                    sex=ric.sex,
                    region_code=ric.region_code,
                    phone=mobile,
                    phone_index=blind_index(mobile) if mobile else "",
                )
        except IntegrityError:
            raise duplicate from None
        audit_append(
            action="person.register",
            actor=actor,
            object_type="person",
            object_id=person.pk,
            data={"id_number": mask(ric.number), "phone": mask_phone(mobile)},
        )
    return person


def person_lookup(*, id_number: str, actor: object = "") -> Person:
    """Find a person by full ID number for a member of staff; every lookup, found or not, is
    written to the audit log (with the number masked)."""
    ric = validate_ric(id_number, field="id_number")
    person = person_by_id_number(ric.number)
    # Not one transaction with the NotFound below on purpose: a miss is recorded too.
    audit_append(
        action="person.lookup",
        actor=actor,
        object_type="person",
        object_id=person.pk if person else "",
        data={"id_number": mask(ric.number), "found": person is not None},
    )
    if person is None:
        raise NotFound("未找到该居民身份证号对应的自然人", field="id_number")
    return person


def company_register(
    *,
    name: str,
    uscc: str,
    legal_representative: str = "",
    address: str = "",
    actor: object = "",
) -> Company:
    """Register a company or organisation under its 统一社会信用代码; the registration
    region comes from the code's 3rd–8th characters."""
    name = _required_text(name, field="name", label="名称", max_length=COMPANY_NAME_MAX)
    info = validate_uscc(uscc, field="uscc")
    legal_representative = _optional_text(
        legal_representative, field="legal_representative", label="法定代表人", max_length=50
    )
    address = _optional_text(address, field="address", label="住所", max_length=200)
    duplicate = Conflict("该统一社会信用代码已登记", field="uscc", code="duplicate")
    with transaction.atomic():
        if Company.objects.filter(uscc=info.code).exists():
            raise duplicate
        try:
            with transaction.atomic():
                company = Company.objects.create(
                    name=name,
                    uscc=info.code,
                    legal_representative=legal_representative,
                    region_code=info.region_code,
                    address=address,
                )
        except IntegrityError:
            raise duplicate from None
        audit_append(
            action="company.register",
            actor=actor,
            object_type="company",
            object_id=info.code,
            data={"name": name},
        )
    return company
