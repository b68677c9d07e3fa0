"""One form (一表申请): the theme's fields as JSON Schema, prefilled from the registries,
validated once with precise Chinese messages, then fanned out onto each matter's own fields.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from yishi.core.errors import ValidationFailed
from yishi.core.validators import (
    validate_mobile,
    validate_region_code,
    validate_ric,
    validate_uscc,
)
from yishi.people.models import Company, Person
from yishi.themes.models import Theme, ThemeFormField
from yishi.themes.tailoring import condition_holds, validate_answers

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
Kind = ThemeFormField.Kind

PATTERNS = {
    Kind.ID_NUMBER: r"^[0-9]{17}[0-9Xx]$",
    Kind.CREDIT_CODE: r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    Kind.MOBILE: r"^1[3-9][0-9]{9}$",
    Kind.REGION: r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$",
}
DESCRIPTIONS = {
    Kind.TEXT: "文本",
    Kind.TEXTAREA: "多行文本",
    Kind.DATE: "日期，格式 YYYY-MM-DD",
    Kind.NUMBER: "数字",
    Kind.CHOICE: "单选",
    Kind.ID_NUMBER: "18位居民身份证号",
    Kind.CREDIT_CODE: "18位统一社会信用代码",
    Kind.MOBILE: "11位手机号码",
    Kind.REGION: "行政区划代码（6位、9位或12位）",
}
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def field_options(field: ThemeFormField) -> dict[str, str]:
    """A choice field's values with their labels, in the order offered."""
    return {
        str(c.get("value", "")): str(c.get("label") or c.get("value", ""))
        for c in field.choices or []
    }


def applicable_fields(
    theme: Theme, answers: Mapping[str, Any] | None = None
) -> list[ThemeFormField]:
    """The form fields that apply to the answers (None: every field), in form order."""
    fields = list(theme.fields.all())
    if answers is None:
        return fields
    cleaned = validate_answers(theme, answers)
    return [f for f in fields if condition_holds(f.condition, cleaned)]


def _applicable_item_ids(theme: Theme, answers: Mapping[str, Any] | None) -> dict[int, str]:
    """Applicable item id → matter code."""
    items = list(theme.items.all())
    if answers is not None:
        cleaned = validate_answers(theme, answers)
        items = [i for i in items if condition_holds(i.condition, cleaned)]
    return {i.id: i.matter.code for i in items}


def _property(field: ThemeFormField, item_codes: Mapping[int, str]) -> dict[str, Any]:
    prop: dict[str, Any] = {"title": field.label, "type": "string"}
    description = field.help_text or DESCRIPTIONS.get(field.kind, "")
    if description:
        prop["description"] = description
    if field.kind == Kind.NUMBER:
        prop["type"] = "number"
    elif field.kind == Kind.DATE:
        prop["format"] = "date"
    elif field.kind == Kind.CHOICE:
        options = field_options(field)
        prop["enum"] = list(options)
        prop["x-labels"] = options
    elif field.kind in PATTERNS:
        prop["pattern"] = PATTERNS[field.kind]
    if field.kind in (Kind.ID_NUMBER, Kind.CREDIT_CODE):
        prop["minLength"] = prop["maxLength"] = 18
    if field.kind == Kind.TEXTAREA:
        prop["x-widget"] = "textarea"
    prop["x-kind"] = field.kind
    if field.prefill:
        prop["x-prefill"] = field.prefill
    prop["x-maps-to"] = [
        {"matter": item_codes[m.item_id], "target": m.target}
        for m in field.mappings.all()
        if m.item_id in item_codes
    ]
    return prop


def form_schema(theme: Theme, answers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The merged form of the applicable fields as a JSON Schema (draft 2020-12)."""
    fields = applicable_fields(theme, answers)
    item_codes = _applicable_item_ids(theme, answers)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": f"{theme.name}一表申请",
        "description": f"「{theme.name}」各事项共用的一张申请表，每项只填一次。",
        "type": "object",
        "properties": {f.key: _property(f, item_codes) for f in fields},
        "required": [f.key for f in fields if f.required],
        "additionalProperties": False,
    }


def _registry_value(field: ThemeFormField, person: Person | None, company: Company | None) -> str:
    owner_name, _, attribute = field.prefill.partition(".")
    owner = {"person": person, "company": company}.get(owner_name)
    if owner is None:
        return ""
    value = getattr(owner, attribute, "")
    if isinstance(value, dt.date):
        return value.isoformat()
    value = "" if value is None else str(value)
    if attribute == "sex" and value in Person.Sex.values:
        # A choice field may offer the code ("M") or the word ("男"); text fields get the word.
        label = str(Person.Sex(value).label)
        options = field_options(field)
        if field.kind != Kind.CHOICE or (value not in options and label in options):
            return label
    return value


def prefill(
    theme: Theme, *, person: Person | None = None, company: Company | None = None
) -> dict[str, str]:
    """Values the platform already holds for the form, keyed by field; empty ones are left out.

    The ID number comes decrypted from the model field: never log what this returns.
    """
    values: dict[str, str] = {}
    for field in theme.fields.all():
        if not field.prefill:
            continue
        value = _registry_value(field, person, company)
        if value:
            values[field.key] = value
    return values


def _fail(field: ThemeFormField, reason: str) -> ValidationFailed:
    return ValidationFailed(f"「{field.label}」：{reason}", field=field.key)


def _clean_value(field: ThemeFormField, raw: Any) -> Any:
    text = raw.strip() if isinstance(raw, str) else str(raw)
    try:
        if field.kind == Kind.ID_NUMBER:
            return validate_ric(text, field=field.key).number
        if field.kind == Kind.CREDIT_CODE:
            return validate_uscc(text, field=field.key).code
        if field.kind == Kind.MOBILE:
            return validate_mobile(text, field=field.key).number
        if field.kind == Kind.REGION:
            return validate_region_code(text, field=field.key).code
    except ValidationFailed as exc:
        raise _fail(field, exc.message) from None
    if field.kind == Kind.DATE:
        try:
            if not _DATE_RE.fullmatch(text):
                raise ValueError(text)
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise _fail(field, f"“{text}”不是有效日期，应为 YYYY-MM-DD 格式") from None
    if field.kind == Kind.NUMBER:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return raw
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _fail(field, f"“{text}”不是数字") from None
        if not number.is_finite():
            raise _fail(field, f"“{text}”不是数字")
        return int(number) if number == number.to_integral_value() else float(number)
    if field.kind == Kind.CHOICE:
        options = field_options(field)
        if text not in options:
            offered = "、".join(f"{v}（{label}）" for v, label in options.items())
            raise _fail(field, f"“{text}”不是可选项，可选：{offered}")
    return text


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def validate_form(
    theme: Theme, answers: Mapping[str, Any] | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The merged form's values checked and normalised; ValidationFailed(field=<key>) with a
    message naming the field's label for the first fault. Values of fields that do not apply
    to the answers are dropped; a key the theme does not know is refused."""
    _refuse_unknown_keys(theme, {f.key for f in theme.fields.all()}, data)
    return _clean_fields(applicable_fields(theme, answers if answers is not None else {}), data)


def validate_form_for_answers(
    theme: Theme, cleaned_answers: Mapping[str, str], data: Mapping[str, Any]
) -> dict[str, Any]:
    """`validate_form` for answers already checked by `validate_answers` (not checked again);
    same result, same faults."""
    every = list(theme.fields.all())
    _refuse_unknown_keys(theme, {f.key for f in every}, data)
    fields = [f for f in every if condition_holds(f.condition, cleaned_answers)]
    return _clean_fields(fields, data)


def _refuse_unknown_keys(theme: Theme, known: set[str], data: Mapping[str, Any]) -> None:
    for key in data:
        if key not in known:
            raise ValidationFailed(f"主题「{theme.name}」的申请表没有字段 {key}", field=key)


def _clean_fields(fields: list[ThemeFormField], data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field in fields:
        raw = data.get(field.key)
        if _is_blank(raw):
            if field.required:
                raise _fail(field, "必须填写")
            continue
        cleaned[field.key] = _clean_value(field, raw)
    return cleaned


def per_matter_values(
    theme: Theme, answers: Mapping[str, Any] | None, cleaned: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """The one form fanned out onto each applicable matter's own field names:
    {matter code: {target field: value}}, every applicable matter present, in theme order."""
    item_codes = _applicable_item_ids(theme, answers if answers is not None else {})
    result: dict[str, dict[str, Any]] = {code: {} for code in item_codes.values()}
    for field in theme.fields.all():
        if field.key not in cleaned:
            continue
        for mapping in field.mappings.all():
            if mapping.item_id in item_codes:
                result[item_codes[mapping.item_id]][mapping.target] = cleaned[field.key]
    return result
