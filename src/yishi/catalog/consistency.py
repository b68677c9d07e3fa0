"""The 五级同 check: an implementation entry (实施清单) must carry the same standard elements as
the matter one level above it. Code, region, department and level differ by nature, and so do
the local service details (place, hours, phones, delivery, keywords, topics); everything else
is compared."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from yishi.catalog.models import Material, Matter

# Compared in this order; the differences list follows it.
COMPARED_ELEMENTS = [
    "basic_code", "name", "matter_type", "audience", "legal_basis", "conditions", "process",
    "materials", "legal_limit_days", "promised_limit_days", "handling", "fee_required",
    "fee_standard", "fee_basis", "result_name", "result_type", "online_depth", "visits",
    "mobile", "cross_region",
]  # fmt: skip

MATERIALS_LABEL = "申请材料"

Difference = tuple[str, str, str]


def _display(matter: Matter, field_name: str) -> str:
    field = Matter._meta.get_field(field_name)
    value = getattr(matter, field_name)
    if value is None:
        return "（未规定）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.choices:
        return str(getattr(matter, f"get_{field_name}_display")())
    return str(value)


def _materials(matter: Matter) -> list[tuple[str, bool, str]]:
    return [(m.name, m.required, m.form) for m in matter.materials.all()]


def _materials_display(materials: list[tuple[str, bool, str]]) -> str:
    if not materials:
        return "（无）"
    forms = dict(Material.Form.choices)
    return "；".join(
        f"{name}（{'必需' if required else '非必需'}，{forms.get(form, form)}）"
        for name, required, form in materials
    )


def element_differences(matter: Matter) -> list[Difference]:
    """(element's Chinese name, this level's value, the level above's value) for every compared
    element that differs from `matter.base`; empty when there is no base or nothing differs."""
    base = matter.base
    if base is None:
        return []
    out: list[Difference] = []
    for name in COMPARED_ELEMENTS:
        if name == "materials":
            mine, theirs = _materials(matter), _materials(base)
            if mine != theirs:
                out.append((MATERIALS_LABEL, _materials_display(mine), _materials_display(theirs)))
            continue
        if getattr(matter, name) != getattr(base, name):
            label = str(Matter._meta.get_field(name).verbose_name)
            out.append((label, _display(matter, name), _display(base, name)))
    return out


def _with_bases(queryset: QuerySet[Matter]) -> QuerySet[Matter]:
    materials = Prefetch("materials", queryset=Material.objects.order_by("order", "id"))
    return (
        queryset.filter(base__isnull=False)
        .select_related("base")
        .prefetch_related(materials, Prefetch("base__materials", queryset=materials.queryset))
    )


def matters_differing(queryset: QuerySet[Matter] | None = None) -> list[Matter]:
    """Every matter (of `queryset`, default all) whose elements differ from the level above."""
    qs = _with_bases(queryset if queryset is not None else Matter.objects.all())
    return [m for m in qs if element_differences(m)]


def differing_ids(queryset: QuerySet[Matter] | None = None) -> list[int]:
    return [m.pk for m in matters_differing(queryset)]


def differences_report(matters: Iterable[Matter]) -> list[dict[str, Any]]:
    """Rows for a report: one per differing matter, with its list of differences."""
    return [
        {"code": m.code, "name": m.name, "base": m.base.code, "differences": diffs}
        for m in matters
        if (diffs := element_differences(m))
    ]
