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
from yishi.themes import form_rules
from yishi.themes.form_rules import FieldError, FormInvalid
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
# The hint under a field when the theme gives none: what to write, by example. A plain text
# or choice field needs no hint (its label says it all).
DESCRIPTIONS = {
    Kind.DATE: "例如 2026-12-07",
    Kind.NUMBER: "填写阿拉伯数字，例如 120",
    Kind.ID_NUMBER: "18位居民身份证号",
    Kind.CREDIT_CODE: "18位统一社会信用代码",
    Kind.MOBILE: "11位手机号码",
    Kind.REGION: "行政区划代码（6位、9位或12位）",
}
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_UNKNOWN_KEYS_SHOWN = 10


def field_options(field: ThemeFormField) -> dict[str, str]:
    """A choice field's values with their labels, in the order offered."""
    return {
        str(c.get("value", "")): str(c.get("label") or c.get("value", ""))
        for c in field.choices or []
    }


UNKNOWN_OPTION = "（未知选项）"


def display_value(field: ThemeFormField | None, value: Any) -> str:
    """How a stored form value is shown to people, on every page, message, PDF and export:
    a choice by its label (several choices by their labels joined with 、), an option the
    field no longer offers as 「（未知选项）」 rather than its code, yes/no as 是/否, a date as
    2026年12月7日; anything else as written. An empty value gives ""."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None and field.kind == Kind.CHOICE:
        options = field_options(field)
        values = value if isinstance(value, list | tuple) else [value]
        return "、".join(options.get(str(v).strip(), UNKNOWN_OPTION) for v in values)
    if isinstance(value, list | tuple):
        return "、".join(display_value(field, v) for v in value if v not in (None, ""))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if field is not None and field.kind == Kind.DATE and _DATE_RE.fullmatch(str(value).strip()):
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            return str(value)
        return f"{day.year}年{day.month}月{day.day}日"
    return str(value)


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
    if form_rules.is_time(field):
        description = field.help_text or "时:分，例如 08:30"
        prop["pattern"] = form_rules.TIME_PATTERN
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


def registry_to_field(field: ThemeFormField, owner: Any, attribute: str) -> str:
    """A registry datum in the field's own terms: a date as YYYY-MM-DD; a coded value (性别
    "M", or "1"/"2" from older registries) as the option of a choice field that means it
    ("male"), or as its word ("男") on a text field; "" when a choice field offers nothing
    that means it (a value the form would refuse is never prefilled)."""
    value = getattr(owner, attribute, "")
    if isinstance(value, dt.date):
        return value.isoformat()
    value = "" if value is None else str(value)
    display = getattr(owner, f"get_{attribute}_display", None)
    label = str(display()) if value and callable(display) else ""
    if field.kind == Kind.CHOICE:
        return form_rules.option_for(field_options(field), value, label)
    return label or value


def _registry_value(field: ThemeFormField, person: Person | None, company: Company | None) -> str:
    owner_name, _, attribute = field.prefill.partition(".")
    owner = {"person": person, "company": company}.get(owner_name)
    if owner is None:
        return ""
    return registry_to_field(field, owner, attribute)


def prefill(
    theme: Theme, *, person: Person | None = None, company: Company | None = None
) -> dict[str, str]:
    """Values the platform already holds for the form, keyed by field; empty ones are left out.

    A parent's field is filled from the person only when their sex fits the role: a father
    applying for a newborn gets the 父亲 fields (father_id for mother_id) when those have no
    registry source of their own, never 母亲身份证号.

    The ID number comes decrypted from the model field: never log what this returns.
    """
    fields = list(theme.fields.all())
    by_key = {f.key: f for f in fields}
    roles = form_rules.person_roles(fields)
    values: dict[str, str] = {}
    for field in fields:
        if not field.prefill:
            continue
        target = field
        role = form_rules.ROLE_BY_CODE.get(roles[field.key])
        if (
            person is not None
            and field.prefill.startswith("person.")
            and role is not None
            and role.sex
            and person.sex != role.sex
        ):
            other = by_key.get(form_rules.counterpart_key(field.key) or "")
            if other is None or other.prefill:
                continue
            target = other
        owner_name, _, attribute = field.prefill.partition(".")
        owner = {"person": person, "company": company}.get(owner_name)
        value = registry_to_field(target, owner, attribute) if owner is not None else ""
        if value:
            values[target.key] = value
    return values


def _fail(field: ThemeFormField, reason: str) -> ValidationFailed:
    return ValidationFailed(f"「{field.label}」：{reason}", field=field.key)


def _clean_value(field: ThemeFormField, raw: Any, role: str = form_rules.APPLICANT) -> Any:
    """The value normalised, or ValidationFailed naming the field; `role` is whom the field
    is about (a newborn's 出生日期 has a narrower range than an adult's)."""
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
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise _fail(field, f"“{text}”不是有效日期，应为 YYYY-MM-DD 格式") from None
        reason = form_rules.check_date(field, day, role)
        if reason:
            raise _fail(field, reason)
        return day.isoformat()
    if form_rules.is_time(field):
        try:
            return form_rules.clean_time(text)
        except ValueError as exc:
            raise _fail(field, str(exc)) from None
    if field.kind == Kind.NUMBER:
        is_json_number = isinstance(raw, int | float) and not isinstance(raw, bool)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _fail(field, f"“{text}”不是数字") from None
        if not number.is_finite():
            raise _fail(field, f"“{text}”不是数字")
        reason = form_rules.check_number(field, number, text)
        if reason:
            raise _fail(field, reason)
        if is_json_number:
            return raw
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
    """The merged form's values checked and normalised. Every fault at once: FormInvalid (a
    ValidationFailed whose message and field are the first fault's) lists each field's
    message naming its label, cross-field ones included. Values of fields that do not apply
    to the answers are dropped; a key the theme does not know is refused."""
    answers = answers if answers is not None else {}
    cleaned_answers = validate_answers(theme, answers)
    return validate_form_for_answers(theme, cleaned_answers, data)


def validate_form_for_answers(
    theme: Theme, cleaned_answers: Mapping[str, str], data: Mapping[str, Any]
) -> dict[str, Any]:
    """`validate_form` for answers already checked by `validate_answers` (not checked again);
    same result, same faults."""
    every = list(theme.fields.all())
    unknown = _unknown_keys(theme, {f.key for f in every}, data)
    fields = [f for f in every if condition_holds(f.condition, cleaned_answers)]
    return _clean_fields(fields, data, form_rules.person_roles(every), unknown)


def _unknown_keys(theme: Theme, known: set[str], data: Mapping[str, Any]) -> list[FieldError]:
    unknown = [key for key in data if key not in known]
    # A few name the mistake; thousands of junk keys must not make a huge answer.
    return [
        FieldError(key, str(key), f"主题「{theme.name}」的申请表没有字段 {key}")
        for key in unknown[:MAX_UNKNOWN_KEYS_SHOWN]
    ]


def _clean_fields(
    fields: list[ThemeFormField],
    data: Mapping[str, Any],
    roles: Mapping[str, str],
    errors: list[FieldError],
) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    faults: dict[str, str] = {}
    for field in fields:
        raw = data.get(field.key)
        if _is_blank(raw):
            if field.required:
                faults[field.key] = _fail(field, "必须填写").message
            continue
        try:
            cleaned[field.key] = _clean_value(field, raw, roles.get(field.key, ""))
        except ValidationFailed as exc:
            faults[field.key] = exc.message
    for field, reason in form_rules.cross_field_errors(fields, cleaned, roles):
        faults.setdefault(field.key, _fail(field, reason).message)
    errors = errors + [FieldError(f.key, f.label, faults[f.key]) for f in fields if f.key in faults]
    if errors:
        raise FormInvalid(errors)
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
