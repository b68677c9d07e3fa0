"""The ID card read at the terminal against the person the ticket is for: the number, the
name and the birth date recognised on the card must each equal the registry's. A field
that cannot be read, or that differs, refuses the check with a Chinese message naming it."""

from __future__ import annotations

from typing import Any

from yishi.core.crypto import mask
from yishi.core.display import mask_name
from yishi.core.errors import ValidationFailed
from yishi.people.models import Person

CHECKED = (("id_number", "公民身份号码"), ("name", "姓名"), ("birth_date", "出生日期"))


def _registered(person: Person, key: str) -> str:
    if key == "id_number":
        return (person.id_number or "").strip().upper()
    if key == "name":
        return (person.name or "").strip()
    return person.birth_date.isoformat() if person.birth_date else ""


def compare_card(fields: dict[str, Any], person: Person) -> dict[str, Any]:
    """`fields` as yishi.core.ocr.Recognition.fields (objects with `.value`). Returns what
    is kept of the check (masked); raises ValidationFailed on the first unreadable or
    differing field, in the order number, name, birth date."""
    for key, label in CHECKED:
        found = fields.get(key)
        value = (getattr(found, "value", "") or "").strip()
        if key == "id_number":
            value = value.upper()
        if not value:
            raise ValidationFailed(
                f"未能识别身份证上的{label}，请把身份证人像面放平、对准镜头后重新拍摄",
                field=key,
            )
        if value != _registered(person, key):
            raise ValidationFailed(
                f"身份证上的{label}与取号人登记的不一致，身份核验未通过", field=key
            )
    return {
        "id_number": mask(_registered(person, "id_number")),
        "name": mask_name(person.name, fallback=""),
        "birth_date": _registered(person, "birth_date")[:4] + "年",
        "checked": [label for _, label in CHECKED],
    }
