"""Open data: which columns may be published (nothing personal) and the rows of an open
dataset. A column is personal when it is read from an encrypted field, from a relation to a
person or an account, from a table whose rows are persons or their cases, or when its name
is one of the personal names (a person's name, ID number, birth date, phone, address …)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Count
from django.db.models.functions import TruncMonth

from yishi.core.fields import EncryptedJSONField, EncryptedTextField
from yishi.governance.rules import source_model

# Tables whose every row is about one natural person (or their case): never opened.
PERSONAL_SOURCES = {
    "people.person",
    "cases.application",
    "policies.grant",
    "licences.licence",
}
PERSONAL_MODELS = {"people.person", "people.applicantaccount", "auth.user"}
# Column names that hold a person's data whichever table they come from.
PERSONAL_NAMES = {
    "id_number",
    "legal_representative",
    "legal_representative_id_number",
    "birth_date",
    "sex",
    "deceased_on",
    "mobile",
    "person",
    "person_name",
    "applicant",
    "applicant_name",
    "holder_name",
    "email",
    "home_address",
    "disability_certificate_no",
}
# Computed (aggregate) sources: name → (columns, row function).
COMPUTED = ("stats.monthly_applications",)
# What an open table publishes: only its current rows.
OPEN_FILTERS: dict[str, dict[str, Any]] = {
    "catalog.matter": {"status": "published"},
    "hall.outlet": {"is_active": True},
}


def _model_label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def column_is_personal(source: str, name: str) -> bool:
    """Whether publishing column `name` of `source` would publish personal data."""
    if name in PERSONAL_NAMES or name.endswith(("id_number", "_index")):
        return True
    if source in PERSONAL_SOURCES:
        return True
    model = source_model(source)
    if model is None:
        return source not in COMPUTED
    try:
        field = model._meta.get_field(name.split("__")[0])
    except FieldDoesNotExist:
        return True  # an unknown column is refused: nothing unchecked is published
    if isinstance(field, EncryptedTextField | EncryptedJSONField):
        return True
    related = getattr(field, "related_model", None)
    return related is not None and _model_label(related) in PERSONAL_MODELS


def personal_columns(dataset: Any) -> list[str]:
    """The dataset's columns that may not be published (by label)."""
    return [
        str(c.get("label") or c.get("name"))
        for c in dataset.fields
        if not isinstance(c, dict)
        or not isinstance(c.get("name"), str)
        or column_is_personal(dataset.source, c["name"])
    ]


def columns(dataset: Any) -> list[dict[str, str]]:
    return [
        {"name": c["name"], "label": c.get("label", c["name"]), "type": c.get("type", "string")}
        for c in dataset.fields
    ]


def rows(dataset: Any) -> list[dict[str, Any]]:
    """The published rows of an open dataset (only its catalogued, checked columns)."""
    if personal_columns(dataset):  # a dataset edited after publishing is not served
        return []
    names = [c["name"] for c in dataset.fields]
    if dataset.source == "stats.monthly_applications":
        return _monthly_applications()
    model = source_model(dataset.source)
    if model is None:
        return []
    qs = model._default_manager.filter(**OPEN_FILTERS.get(dataset.source, {}))
    return [dict(row) for row in qs.order_by("pk").values(*names)[:10000]]


def _monthly_applications() -> list[dict[str, Any]]:
    application = apps.get_model("cases", "Application")
    found = (
        application.objects.exclude(submitted_at__isnull=True)
        .annotate(month=TruncMonth("submitted_at"))
        .values("month", "matter__name")
        .annotate(count=Count("id"))
        .order_by("month", "matter__name")
    )
    return [
        {
            "month": f"{r['month']:%Y-%m}" if r["month"] else "",
            "matter": r["matter__name"] or "一件事",
            "count": r["count"],
        }
        for r in found
    ]
