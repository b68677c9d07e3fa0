"""The canonical serialisation of a licence: the bytes its issuer's seal signs.

Sorted-key, compact, UTF-8 JSON of the number, the type code, the holder (kind and ID
number / unified social credit code), the issuer's department code, the data and the dates.
Verification recomputes it from the stored fields, so any changed field changes the bytes.
A holder not in the registry (kind "subject") is signed with its name; a licence applied for
by someone else (申请人/监护人) also signs that person's ID number. Licences without either
keep the bytes they were first signed with.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

CANONICAL_VERSION = "yishi.licence/1"
SUBJECT = "subject"


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def canonical_fields(
    *,
    number: str,
    type_code: str,
    holder_kind: str,
    holder_id: str,
    issuer_code: str,
    data: dict[str, Any],
    issued_on: dt.date,
    valid_from: dt.date,
    valid_until: dt.date | None,
    holder_name: str | None = None,
    applicant_id: str | None = None,
) -> dict[str, Any]:
    holder: dict[str, Any] = {"kind": holder_kind, "id": holder_id}
    if holder_name is not None:
        holder["name"] = holder_name
    fields = {
        "v": CANONICAL_VERSION,
        "number": number,
        "type": type_code,
        "holder": holder,
        "issuer": issuer_code,
        "data": data,
        "issued_on": _date(issued_on),
        "valid_from": _date(valid_from),
        "valid_until": _date(valid_until),
    }
    if applicant_id:
        fields["applicant"] = {"kind": "person", "id": applicant_id}
    return fields


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    return json.dumps(
        fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def holder_identity(licence: Any) -> tuple[str, str]:
    """(kind, code) of a licence's holder: ("person", ID number), ("company", USCC) or, not
    in the registry, ("subject", ID number or "")."""
    if licence.person_id:
        return "person", str(licence.person.id_number)
    if licence.company_id:
        return "company", str(licence.company.uscc)
    return SUBJECT, str(licence.subject_id_number or "")


def licence_canonical(licence: Any) -> bytes:
    kind, code = holder_identity(licence)
    return canonical_bytes(
        canonical_fields(
            number=licence.number,
            type_code=licence.type.code,
            holder_kind=kind,
            holder_id=code,
            holder_name=str(licence.subject_name) if kind == SUBJECT else None,
            applicant_id=str(licence.applicant.id_number) if licence.applicant_id else None,
            issuer_code=licence.issuer.code,
            data=licence.data,
            issued_on=licence.issued_on,
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
        )
    )
