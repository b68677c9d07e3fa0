"""Writes to the catalog. A matter travels as a plain dict (the same shape in the demo data,
the Excel import/export and the version snapshots): `matter_to_dict` / `matter_upsert`."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from yishi.catalog.models import Department, Material, Matter, MatterVersion, Region, Topic
from yishi.catalog.search import index_matter
from yishi.core.crypto import sm3_hex
from yishi.core.errors import ValidationFailed

MATTER_FIELDS = [
    "code", "basic_code", "name", "short_name", "matter_type", "level", "audience", "keywords",
    "legal_basis", "conditions", "process", "legal_limit_days", "promised_limit_days", "handling",
    "fee_required", "fee_standard", "fee_basis", "result_name", "result_type", "result_delivery",
    "place", "hours", "consult_phone", "complaint_phone", "online_depth", "visits", "mobile",
    "cross_region",
]  # fmt: skip
MATERIAL_FIELDS = [
    "name", "kind", "required", "form", "copies", "spec", "source", "licence_type", "deferrable", "note",
]  # fmt: skip


def matter_to_dict(matter: Matter) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(matter, f) for f in MATTER_FIELDS}
    data["region"] = matter.region.code
    data["department"] = matter.department.code
    data["base"] = matter.base.code if matter.base_id else None
    data["topics"] = sorted(t.code for t in matter.topics.all())
    data["materials"] = [
        {f: getattr(m, f) for f in MATERIAL_FIELDS} for m in matter.materials.all()
    ]
    return data


def content_hash(data: dict[str, Any]) -> str:
    return sm3_hex(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


@transaction.atomic
def matter_upsert(data: dict[str, Any], *, actor=None) -> tuple[Matter, bool]:
    """Create or update a matter (with its materials and topics) from a dict and publish it.
    Returns (matter, changed); unchanged content publishes nothing."""
    try:
        region = Region.objects.get(code=data["region"])
    except Region.DoesNotExist:
        raise ValidationFailed(f"区划代码 {data['region']} 不存在", field="region") from None
    try:
        department = Department.objects.get(code=data["department"])
    except Department.DoesNotExist:
        raise ValidationFailed(
            f"部门编码 {data['department']} 不存在", field="department"
        ) from None
    base = None
    if data.get("base"):
        base = Matter.objects.filter(code=data["base"]).first()
        if base is None:
            raise ValidationFailed(f"上级层级事项 {data['base']} 不存在", field="base")
    topics = list(Topic.objects.filter(code__in=data.get("topics", [])))
    if len(topics) != len(set(data.get("topics", []))):
        unknown = set(data["topics"]) - {t.code for t in topics}
        raise ValidationFailed(f"主题分类 {'、'.join(sorted(unknown))} 不存在", field="topics")

    matter = Matter.objects.select_for_update().filter(code=data["code"]).first()
    if (
        matter is not None
        and matter.status == Matter.Status.PUBLISHED
        and content_hash(matter_to_dict(matter)) == content_hash(_normalised(data))
    ):
        return matter, False
    if matter is None:
        matter = Matter(code=data["code"])
    for f in MATTER_FIELDS:
        if f in data:
            setattr(matter, f, data[f])
    matter.region, matter.department, matter.base = region, department, base
    matter.status = Matter.Status.PUBLISHED
    matter.full_clean(exclude=["search_text"])
    matter.save()
    matter.topics.set(topics)
    matter.materials.all().delete()
    Material.objects.bulk_create(
        Material(matter=matter, order=i, **{f: m[f] for f in MATERIAL_FIELDS if f in m})
        for i, m in enumerate(data.get("materials", []), start=1)
    )
    version = matter_publish(matter=matter, actor=actor)
    matter.version = version.number
    return matter, True


def _normalised(data: dict[str, Any]) -> dict[str, Any]:
    """The dict as matter_to_dict would give it back (defaults filled, topics sorted)."""
    defaults = {f: Matter._meta.get_field(f).get_default() for f in MATTER_FIELDS}
    out = {f: data.get(f, defaults[f]) for f in MATTER_FIELDS}
    out["region"], out["department"], out["base"] = (
        data["region"],
        data["department"],
        data.get("base"),
    )
    out["topics"] = sorted(data.get("topics", []))
    mat_defaults = {f: Material._meta.get_field(f).get_default() for f in MATERIAL_FIELDS}
    out["materials"] = [
        {f: m.get(f, mat_defaults[f]) for f in MATERIAL_FIELDS} for m in data.get("materials", [])
    ]
    return out


@transaction.atomic
def matter_publish(*, matter: Matter, actor=None) -> MatterVersion:
    """Freeze the matter's current elements as its next version."""
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    snapshot = matter_to_dict(matter)
    number = matter.version + 1
    version = MatterVersion.objects.create(
        matter=matter,
        number=number,
        snapshot=snapshot,
        content_hash=content_hash(snapshot),
        published_at=timezone.now(),
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    Matter.objects.filter(pk=matter.pk).update(version=number, status=Matter.Status.PUBLISHED)
    matter.version = number
    index_matter(matter)
    return version
