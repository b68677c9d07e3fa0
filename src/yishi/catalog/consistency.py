"""The 五级同 check: an implementation entry (实施清单) must carry the same elements as the
matter one level above it (省 → 市 → 县 → 乡 → 村, through `base`).

The compared element set is configurable: `YISHI_FIVE_LEVEL_ELEMENTS` in the settings, a list
of matter dict keys (yishi.catalog.services.MATTER_FIELDS, OPTIONAL_FIELDS, "materials").
By default it is every element of the catalog except the two that name the entry itself at
its level (实施编码 and 行使层级, different at every level by definition; region and
department are references, not elements). Local details such as 办理地点 are compared too:
a difference there is reported, and a district that wants them left out narrows the setting.
Materials are compared on every material element, in their order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, QuerySet

from yishi.catalog.models import Material, Matter, RegionLevel
from yishi.catalog.services import (
    MATERIAL_COMMITMENT_FIELDS,
    MATERIAL_FIELDS,
    MATTER_FIELDS,
    OPTIONAL_FIELDS,
)

# They name the entry at its own level: compared, they would differ everywhere.
IDENTITY_ELEMENTS = ("code", "level")
MATERIALS = "materials"
MATERIALS_LABEL = "申请材料"
# The catalog's order, with the materials after the process as on a service guide.
ALL_ELEMENTS = [
    *(
        e
        for f in MATTER_FIELDS
        if f not in IDENTITY_ELEMENTS
        for e in ((f, MATERIALS) if f == "process" else (f,))
    ),
    *OPTIONAL_FIELDS,
]
MATERIAL_ELEMENTS = [*MATERIAL_FIELDS, *MATERIAL_COMMITMENT_FIELDS]

Difference = tuple[str, str, str]


def compared_elements() -> list[str]:
    """The configured element keys, in the order of ALL_ELEMENTS (the report follows it)."""
    wanted = getattr(settings, "YISHI_FIVE_LEVEL_ELEMENTS", None)
    if wanted is None:
        return list(ALL_ELEMENTS)
    known = {*ALL_ELEMENTS, *IDENTITY_ELEMENTS}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise ImproperlyConfigured(f"YISHI_FIVE_LEVEL_ELEMENTS 含有未知要素：{'、'.join(unknown)}")
    return [e for e in [*IDENTITY_ELEMENTS, *ALL_ELEMENTS] if e in set(wanted)]


def element_label(name: str) -> str:
    if name == MATERIALS:
        return MATERIALS_LABEL
    return str(Matter._meta.get_field(name).verbose_name)


def _display(matter: Matter, field_name: str) -> str:
    field = Matter._meta.get_field(field_name)
    value = getattr(matter, field_name)
    if value is None:
        return "（未规定）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.choices:
        return str(getattr(matter, f"get_{field_name}_display")())
    if value == "":
        return "（空）"
    return str(value)


def _materials(matter: Matter) -> list[tuple[Any, ...]]:
    return [tuple(getattr(m, f) for f in MATERIAL_ELEMENTS) for m in matter.materials.all()]


_NAME, _REQUIRED, _FORM = (MATERIAL_ELEMENTS.index(f) for f in ("name", "required", "form"))


def _material_value(index: int, value: Any) -> str:
    field = Material._meta.get_field(MATERIAL_ELEMENTS[index])
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.choices:
        return str(dict(field.choices).get(value, value))
    return str(value) if value not in ("", None) else "（空）"


def _materials_display(mine: list[tuple[Any, ...]], theirs: list[tuple[Any, ...]]) -> str:
    """Each material as 名称（必需，原件）, followed by the other material elements in which it
    differs from the same-named material on the other side."""
    if not mine:
        return "（无）"
    forms = dict(Material.Form.choices)
    others = {t[_NAME]: t for t in theirs}
    out = []
    for m in mine:
        text = (
            f"{m[_NAME]}（{'必需' if m[_REQUIRED] else '非必需'}，{forms.get(m[_FORM], m[_FORM])}）"
        )
        other = others.get(m[_NAME])
        if other is not None:
            extra = [
                f"{Material._meta.get_field(MATERIAL_ELEMENTS[i]).verbose_name}："
                f"{_material_value(i, m[i])}"
                for i in range(len(MATERIAL_ELEMENTS))
                if i not in (_NAME, _REQUIRED, _FORM) and m[i] != other[i]
            ]
            if extra:
                text += "〔" + "，".join(extra) + "〕"
        out.append(text)
    return "；".join(out)


def _differs(matter: Matter, base: Matter, name: str) -> Difference | None:
    if name == MATERIALS:
        mine, theirs = _materials(matter), _materials(base)
        if mine == theirs:
            return None
        return (
            MATERIALS_LABEL,
            _materials_display(mine, theirs),
            _materials_display(theirs, mine),
        )
    if getattr(matter, name) == getattr(base, name):
        return None
    return (element_label(name), _display(matter, name), _display(base, name))


def element_differences(matter: Matter, elements: list[str] | None = None) -> list[Difference]:
    """(element's Chinese name, this level's value, the level above's value) for every compared
    element that differs from `matter.base`; empty when there is no base or nothing differs."""
    base = matter.base
    if base is None:
        return []
    out = []
    for name in elements if elements is not None else compared_elements():
        found = _differs(matter, base, name)
        if found is not None:
            out.append(found)
    return out


def _with_bases(queryset: QuerySet[Matter]) -> QuerySet[Matter]:
    materials = Prefetch("materials", queryset=Material.objects.order_by("order", "id"))
    return (
        queryset.filter(base__isnull=False)
        .select_related("base", "region", "base__region")
        .prefetch_related(materials, Prefetch("base__materials", queryset=materials.queryset))
    )


def matters_differing(queryset: QuerySet[Matter] | None = None) -> list[Matter]:
    """Every matter (of `queryset`, default all) whose elements differ from the level above."""
    elements = compared_elements()
    qs = _with_bases(queryset if queryset is not None else Matter.objects.all())
    return [m for m in qs if element_differences(m, elements)]


def differing_ids(queryset: QuerySet[Matter] | None = None) -> list[int]:
    return [m.pk for m in matters_differing(queryset)]


def differences_report(matters: Iterable[Matter]) -> list[dict[str, Any]]:
    """Rows for a report: one per differing matter, with its list of differences."""
    elements = compared_elements()
    return [
        {"code": m.code, "name": m.name, "base": m.base.code, "differences": diffs}
        for m in matters
        if (diffs := element_differences(m, elements))
    ]


def five_level_report(queryset: QuerySet[Matter] | None = None) -> dict[str, Any]:
    """The 五级同 report: each difference at each level (the matter, its level and region, the
    element, its value there and one level up), grouped by 基本编码, and a count of
    differences per level and element."""
    elements = compared_elements()
    qs = _with_bases(queryset if queryset is not None else Matter.objects.all()).order_by(
        "basic_code", "level", "code"
    )
    levels = dict(RegionLevel.choices)
    groups: dict[str, dict[str, Any]] = {}
    counts: dict[tuple[str, int], int] = {}
    compared = 0
    for m in qs:
        compared += 1
        diffs = element_differences(m, elements)
        if not diffs:
            continue
        group = groups.setdefault(m.basic_code, {"basic_code": m.basic_code, "rows": []})
        for label, mine, theirs in diffs:
            group["rows"].append(
                {
                    "level": levels.get(m.level, m.level),
                    "level_value": m.level,
                    "region": m.region.name,
                    "code": m.code,
                    "name": m.name,
                    "element": label,
                    "value": mine,
                    "base_value": theirs,
                    "base_region": m.base.region.name,
                    "base_code": m.base.code,
                }
            )
            counts[(label, m.level)] = counts.get((label, m.level), 0) + 1
    level_order = [v for v, _ in RegionLevel.choices]
    labels = [element_label(e) for e in elements]
    summary = [
        {"element": label, "per_level": [counts.get((label, lv), 0) for lv in level_order]}
        for label in labels
        if any(counts.get((label, lv), 0) for lv in level_order)
    ]
    return {
        "elements": labels,
        "levels": [levels[v] for v in level_order],
        "summary": summary,
        "groups": list(groups.values()),
        "compared": compared,
    }
