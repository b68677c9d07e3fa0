"""Who read a subject's registry record (个人信息查看记录): every read of a person's or a
company's registry data by staff — an eligibility check of someone else, a person lookup, an
administrator opening the record — is written here, with the fields read and the stated
purpose, in the transaction of the read. The person sees their rows on their account
(谁查看了我的信息, like Estonia's data tracker); an applicant's reads of their own data are
not recorded.

Which staff may read is decided by each edge (api.py, admin.py) with `has_role`; the edge
passes the Chinese name of the role the read was allowed under."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from yishi.core.errors import DomainError
from yishi.people.models import Company, Person, RegistryAccess
from yishi.people.queries import registry_field_known

PURPOSE_MIN = 4
PURPOSE_MAX = 200
PURPOSE_LABEL = "查询用途"
ADMIN_PURPOSE = "后台维护"
STAFF_LABEL = "工作人员"  # shown when the reader has no name on record


class PurposeRequired(DomainError):
    """400: the request did not say why the record is read (or said it in too few words)."""

    code = "purpose_required"


def purpose_clean(value: Any) -> str:
    """The stated purpose of a read, whitespace collapsed: 4–200 characters, else a 400
    naming 查询用途 on field `purpose`."""
    text = " ".join(str(value or "").split())
    if not text:
        raise PurposeRequired(
            f"请填写{PURPOSE_LABEL}（{PURPOSE_MIN}至{PURPOSE_MAX}个字），说明为何查看他人信息",
            field="purpose",
        )
    if len(text) < PURPOSE_MIN:
        raise PurposeRequired(
            f"{PURPOSE_LABEL}至少{PURPOSE_MIN}个字，实际为{len(text)}个字", field="purpose"
        )
    if len(text) > PURPOSE_MAX:
        raise PurposeRequired(
            f"{PURPOSE_LABEL}最多{PURPOSE_MAX}个字，实际为{len(text)}个字", field="purpose"
        )
    return text


def mask_name(name: str) -> str:
    """张** — the surname and two stars whatever the length (the length is not told either)."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else STAFF_LABEL


def _reader_name(user: Any) -> str:
    # Chinese order: family name (last_name) first, no space.
    return f"{getattr(user, 'last_name', '') or ''}{getattr(user, 'first_name', '') or ''}"


def _reader_department(user: Any) -> str:
    # `staff_profile` is the reverse accessor of catalog.StaffProfile: read through the
    # relation so that people does not import catalog (which depends on people).
    try:
        profile = user.staff_profile
    except (ObjectDoesNotExist, AttributeError):
        return ""
    return profile.department.name if profile is not None else ""


def _fields(fields: Iterable[str], *, company: bool) -> list[str]:
    names = list(dict.fromkeys(str(f) for f in fields))
    if not names:
        raise ValueError("a registry read names the fields it read")
    unknown = [n for n in names if not registry_field_known(n, company=company)]
    if unknown:
        raise ValueError(f"unknown registry fields: {unknown}")
    return names


def _reader(reader: Any, role: str) -> dict[str, Any]:
    """Who read, as it stands at the time of the read (the person is shown this later)."""
    if getattr(reader, "pk", None) is None:
        raise ValueError("a registry read is recorded against a logged-in staff account")
    return {
        "reader": reader,
        "reader_name": mask_name(_reader_name(reader)),
        "reader_department": _reader_department(reader)[:150],
        "reader_role": (role or STAFF_LABEL)[:50],
    }


def _channel(channel: str) -> str:
    if channel not in RegistryAccess.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    return channel


def registry_access_record(
    *,
    reader: Any,
    role: str,
    fields: Iterable[str],
    purpose: str,
    channel: str,
    person: Person | None = None,
    company: Company | None = None,
) -> RegistryAccess:
    """Record that `reader`, acting as `role` (its Chinese name), read `fields` of one person's
    or one company's registry record for `purpose` through `channel`. Call it inside the
    transaction of the read: no record, no read."""
    if (person is None) == (company is None):
        raise ValueError("a registry read is of exactly one person or one company")
    purpose = purpose_clean(purpose)
    names = _fields(fields, company=company is not None)
    access = RegistryAccess(
        **_reader(reader, role),
        person=person,
        company=company,
        fields=names,
        purpose=purpose,
        channel=_channel(channel),
    )
    with transaction.atomic():
        access.save()
    return access


def registry_access_record_many(
    *,
    reader: Any,
    role: str,
    persons: Iterable[Person],
    fields: Iterable[str],
    purpose: str,
    channel: str,
) -> list[RegistryAccess]:
    """The same read of several persons at once (a page of a list): one row each, one insert."""
    purpose = purpose_clean(purpose)
    names = _fields(fields, company=False)
    who = _reader(reader, role)
    channel = _channel(channel)
    rows = [
        RegistryAccess(**who, person=person, fields=names, purpose=purpose, channel=channel)
        for person in dict.fromkeys(persons)
    ]
    if not rows:
        return []
    with transaction.atomic():
        return RegistryAccess.objects.bulk_create(rows)
