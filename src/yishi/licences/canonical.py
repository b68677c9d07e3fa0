"""The canonical serialisation of a licence: the bytes its issuer's seal signs.

Sorted-key, compact, UTF-8 JSON of the number, the type code, the holder (kind and ID
number / unified social credit code), the issuer's department code, the data and the dates.
Verification recomputes it from the stored fields, so any changed field changes the bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

CANONICAL_VERSION = "yishi.licence/1"


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
) -> dict[str, Any]:
    return {
        "v": CANONICAL_VERSION,
        "number": number,
        "type": type_code,
        "holder": {"kind": holder_kind, "id": holder_id},
        "issuer": issuer_code,
        "data": data,
        "issued_on": _date(issued_on),
        "valid_from": _date(valid_from),
        "valid_until": _date(valid_until),
    }


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    return json.dumps(
        fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def holder_identity(licence: Any) -> tuple[str, str]:
    """(kind, code) of a licence's holder: ("person", ID number) or ("company", USCC)."""
    if licence.person_id:
        return "person", str(licence.person.id_number)
    return "company", str(licence.company.uscc)


def licence_canonical(licence: Any) -> bytes:
    kind, code = holder_identity(licence)
    return canonical_bytes(
        canonical_fields(
            number=licence.number,
            type_code=licence.type.code,
            holder_kind=kind,
            holder_id=code,
            issuer_code=licence.issuer.code,
            data=licence.data,
            issued_on=licence.issued_on,
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
        )
    )
