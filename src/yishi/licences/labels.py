"""How a licence's data reads: each item under its type's label, and every choice value as
its option label (中国工商银行, not icbc), from the theme form field it was filled in, through
the one function that shows form values (yishi.themes.form.display_value)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from yishi.licences.models import Licence, LicenceType
from yishi.themes.form import display_value, field_options
from yishi.themes.models import ThemeFormField

# Data items every licence may carry beside its type's fields.
DATA_LABELS = {"holder_name": "持证人", "applicant_name": "申请人/监护人"}


def stored_value_text(field: ThemeFormField | None, value: Any) -> str:
    """A licence data value as shown. Licences store form values in words (display_value at
    issue); one issued before that holds a choice's option code, shown as its label. A value
    already in words is kept: display_value would call it an unknown option."""
    text = "" if value is None else str(value)
    if field is None:
        return text
    if field.kind == ThemeFormField.Kind.CHOICE and text not in field_options(field):
        return text
    return display_value(field, value)


def field_sources(spec: Mapping[str, Any]) -> list[str]:
    """The form fields a licence data item is taken from, first filled one wins (its own key
    when the type names none)."""
    sources = spec.get("from")
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not sources:
        return [str(spec.get("key", ""))]
    return [s for s in sources if isinstance(s, str) and s]


def data_labels(licence_type: LicenceType) -> dict[str, str]:
    labels = dict(DATA_LABELS)
    for spec in licence_type.fields or []:
        if isinstance(spec, dict) and spec.get("key"):
            labels[spec["key"]] = str(spec.get("label") or spec["key"])
    return labels


def _form_fields(licence: Licence) -> dict[str, ThemeFormField]:
    """The issuing application's theme form fields by key (empty for a licence issued by
    hand or imported)."""
    subcase = licence.subcase if licence.subcase_id else None
    theme_id = subcase.application.theme_id if subcase is not None else None
    if not theme_id:
        return {}
    return {f.key: f for f in ThemeFormField.objects.filter(theme_id=theme_id)}


def _fields_by_data_key(
    licence_type: LicenceType, form_fields: Mapping[str, ThemeFormField]
) -> dict[str, ThemeFormField]:
    found: dict[str, ThemeFormField] = {}
    for spec in licence_type.fields or []:
        if not isinstance(spec, dict) or not spec.get("key"):
            continue
        for source in field_sources(spec):
            if source in form_fields:
                found[spec["key"]] = form_fields[source]
                break
    return found


def licence_data_rows(
    licence: Licence, *, skip: Iterable[str] = ("holder_name",)
) -> list[dict[str, str]]:
    """The licence's data as it reads: [{"key", "label", "value"}], choice values labelled
    (licences issued before labels were stored on them hold the option code)."""
    labels = data_labels(licence.type)
    fields = _fields_by_data_key(licence.type, _form_fields(licence))
    skipped = set(skip)
    return [
        {
            "key": key,
            "label": labels.get(key, key),
            "value": stored_value_text(fields.get(key), value),
        }
        for key, value in (licence.data or {}).items()
        if key not in skipped
    ]
