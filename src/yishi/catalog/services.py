"""Writes to the catalog. A matter travels as a plain dict (the same shape in the demo data,
the Excel import/export and the version snapshots): `matter_to_dict` / `matter_upsert`.

Versions: every publication freezes `matter_to_dict(matter)` into a MatterVersion with its SM3
content hash; a new version is made only when that hash differs from the latest version's, and
old versions are never written again (a case started under version n keeps reading it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils import timezone

from yishi.catalog.commitments import check_commitment_limit, matter_dict_errors
from yishi.catalog.models import Department, Material, Matter, MatterVersion, Region, Topic
from yishi.catalog.search import index_matter
from yishi.core.crypto import sm3_hex
from yishi.core.errors import NotFound, ValidationFailed

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
# 告知承诺/容缺受理 and 审管衔接 elements. Kept apart from the lists above because a matter dict
# may omit them (an older workbook, the demo files): an omitted one keeps the stored value, or
# the default for a new matter. They are part of every snapshot, so changing one publishes.
COMMITMENT_FIELDS = [
    "commitment_defer_days", "commitment_text", "commitment_exclusion", "supervised",
    "supervision_days",
]  # fmt: skip
MATERIAL_COMMITMENT_FIELDS = ["by_commitment", "defer_days"]
# 就近办 / 全城通办: where in the district the matter can be handled. Optional like the
# commitment elements (older workbooks and dicts lack it) and part of every snapshot.
LOCAL_FIELDS = ["outlet_scope"]
OPTIONAL_FIELDS = [*COMMITMENT_FIELDS, *LOCAL_FIELDS]

# Verbose names of the dict keys that are not plain model fields.
REFERENCE_LABELS = {
    "region": "实施区划",
    "department": "实施主体",
    "base": "上级层级事项",
    "topics": "主题分类",
    "materials": "申请材料",
    "supervising_department": "监管部门",
}


def field_label(key: str) -> str:
    """The Chinese name of a matter dict key ("materials.2.name" -> "材料名称")."""
    if key.startswith("materials."):
        return str(Material._meta.get_field(key.rsplit(".", 1)[-1]).verbose_name)
    if key in REFERENCE_LABELS:
        return REFERENCE_LABELS[key]
    try:
        return str(Matter._meta.get_field(key).verbose_name)
    except Exception:  # noqa: BLE001 - an unknown key is shown as it is
        return key


def matter_to_dict(matter: Matter) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(matter, f) for f in MATTER_FIELDS}
    data["region"] = matter.region.code
    data["department"] = matter.department.code
    data["base"] = matter.base.code if matter.base_id else None
    data["topics"] = sorted(t.code for t in matter.topics.all())
    data["materials"] = [
        {f: getattr(m, f) for f in (*MATERIAL_FIELDS, *MATERIAL_COMMITMENT_FIELDS)}
        for m in matter.materials.all()
    ]
    for f in OPTIONAL_FIELDS:
        data[f] = getattr(matter, f)
    data["supervising_department"] = (
        matter.supervising_department.code if matter.supervising_department_id else None
    )
    return data


def content_hash(data: dict[str, Any]) -> str:
    """SM3 of the dict. A local element at its default is left out, so versions published
    before the element existed keep their hash (no new version for an unchanged matter)."""
    data = {
        k: v
        for k, v in data.items()
        if k not in LOCAL_FIELDS or v != Matter._meta.get_field(k).get_default()
    }
    return sm3_hex(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


# --- validation -----------------------------------------------------------------------------


# Characters that XML (and so xlsx) cannot carry; tab and line feed are fine.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def normalise_text(value: str) -> str:
    """Line breaks as "\n" only: browsers submit textareas with "\r\n" and xlsx cannot keep a
    bare "\r", so one form keeps content hashes stable across the admin and Excel."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _required(field: models.Field) -> bool:
    return not field.blank and not field.has_default() and not field.null


def _check_value(field: models.Field, value: Any, key: str) -> tuple[Any, str | None]:
    """(value, error) for one scalar element; the value is returned unchanged when valid."""
    label = str(field.verbose_name)
    if value is None or value == "":
        if field.null and value is None:
            return None, None
        if _required(field):
            return value, f"缺少必填要素「{label}」"
        if field.blank and isinstance(field, models.CharField | models.TextField):
            return "", None
        return value, f"「{label}」不能为空"
    if field.choices:
        allowed = [c[0] for c in field.flatchoices]
        if value not in allowed or isinstance(value, bool):
            return value, f"{label} {value} 不是允许的取值"
        return value, None
    if isinstance(field, models.BooleanField):
        if not isinstance(value, bool):
            return value, f"「{label}」应为“是”或“否”，收到 {value}"
        return value, None
    if isinstance(field, models.PositiveSmallIntegerField):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767:
            return value, f"「{label}」应为不小于 0 的整数，收到 {value}"
        return value, None
    if isinstance(field, models.CharField | models.TextField):
        if not isinstance(value, str):
            return value, f"「{label}」应为文本，收到 {value}"
        value = normalise_text(value)
        if _CONTROL.search(value):
            return value, f"「{label}」含有不可见的控制字符，请删除后重试"
        if not value.strip() and _required(field):
            return value, f"缺少必填要素「{label}」"
        if field.max_length and len(value) > field.max_length:
            return value, f"「{label}」不能超过 {field.max_length} 个字，当前 {len(value)} 个字"
    return value, None


def matter_clean(
    data: Mapping[str, Any],
    *,
    pending_levels: Mapping[str, int] | None = None,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Check a matter dict completely. Returns (normalised dict, errors); each error is
    (key, Chinese message) with keys as in the dict ("materials.0.name" for a material).
    `pending_levels` maps codes of matters about to be created (an import) to their level,
    so they count as known bases."""
    errors: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    for key in (*MATTER_FIELDS, *OPTIONAL_FIELDS):
        field = Matter._meta.get_field(key)
        if key not in data and field.has_default():
            out[key] = field.get_default()
            continue
        value, error = _check_value(field, data.get(key), key)
        out[key] = value
        if error:
            errors.append((key, error))

    legal, promised = out.get("legal_limit_days"), out.get("promised_limit_days")
    if (
        isinstance(legal, int)
        and isinstance(promised, int)
        and not any(k in {"legal_limit_days", "promised_limit_days"} for k, _ in errors)
        and promised > legal
    ):
        errors.append(("promised_limit_days", "承诺办结时限不得超过法定办结时限"))
    if out.get("handling") == Matter.Handling.INSTANT and promised not in (0, None):
        errors.append(("promised_limit_days", "即办件的承诺办结时限应为 0"))

    for key, model in (("region", Region), ("department", Department)):
        code = data.get(key)
        out[key] = code
        if not code:
            errors.append((key, f"缺少必填要素「{REFERENCE_LABELS[key]}」"))
        elif not model.objects.filter(code=code).exists():
            noun = "区划代码" if key == "region" else "部门编码"
            errors.append((key, f"{noun} {code} 不存在"))

    supervising = data.get("supervising_department") or None
    out["supervising_department"] = supervising
    if supervising is not None and not Department.objects.filter(code=supervising).exists():
        errors.append(("supervising_department", f"监管部门编码 {supervising} 不存在"))

    base = data.get("base") or None
    out["base"] = base
    if base is not None:
        base_level = (pending_levels or {}).get(base)
        if base_level is None:
            base_level = Matter.objects.filter(code=base).values_list("level", flat=True).first()
        if base == data.get("code"):
            errors.append(("base", "上级层级事项不能是事项本身"))
        elif base_level is None:
            errors.append(("base", f"上级层级事项 {base} 不存在"))
        elif isinstance(out.get("level"), int) and base_level >= out["level"]:
            errors.append(("base", f"上级层级事项 {base} 的层级应高于本事项的行使层级"))

    topics = data.get("topics") or []
    if isinstance(topics, str) or not isinstance(topics, list | tuple):
        errors.append(("topics", "「主题分类」应为编码列表"))
        topics = []
    out["topics"] = sorted(set(topics))
    known = set(Topic.objects.filter(code__in=out["topics"]).values_list("code", flat=True))
    unknown = [t for t in out["topics"] if t not in known]
    if unknown:
        errors.append(("topics", f"主题分类 {'、'.join(unknown)} 不存在"))

    out["materials"] = []
    seen: set[str] = set()
    for i, material in enumerate(data.get("materials") or []):
        clean: dict[str, Any] = {}
        for key in (*MATERIAL_FIELDS, *MATERIAL_COMMITMENT_FIELDS):
            field = Material._meta.get_field(key)
            full_key = f"materials.{i}.{key}"
            if key not in material and field.has_default():
                clean[key] = field.get_default()
                continue
            value = material.get(key)
            if key == "name" and not (isinstance(value, str) and value.strip()):
                errors.append((full_key, f"第 {i + 1} 项申请材料：材料名称不能为空"))
                clean[key] = value
                continue
            clean[key], error = _check_value(field, value, full_key)
            if error:
                errors.append((full_key, f"第 {i + 1} 项申请材料：{error}"))
        name = clean.get("name")
        if isinstance(name, str) and name.strip():
            if name in seen:
                errors.append((f"materials.{i}.name", f"申请材料「{name}」重复"))
            seen.add(name)
        out["materials"].append(clean)
    errors.extend(matter_dict_errors(out))
    return out, errors


def matter_validate(
    data: Mapping[str, Any], *, pending_levels: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """The normalised dict, or ValidationFailed naming the first field at fault."""
    out, errors = matter_clean(data, pending_levels=pending_levels)
    if errors:
        key, message = errors[0]
        raise ValidationFailed(message, field=key)
    return out


def _raise_from_django(exc: DjangoValidationError) -> None:
    """A model ValidationError as ValidationFailed with the field's Chinese name."""
    for key, messages in exc.message_dict.items():
        message = "；".join(str(m) for m in messages)
        if key == NON_FIELD_ERRORS:
            field = "promised_limit_days" if "承诺办结时限" in message else None
            raise ValidationFailed(message, field=field) from None
        raise ValidationFailed(f"「{field_label(key)}」：{message}", field=key) from None
    raise ValidationFailed("事项要素校验失败") from None


# --- writes ---------------------------------------------------------------------------------


@transaction.atomic
def matter_upsert(
    data: Mapping[str, Any], *, actor=None, expect_new: bool = False
) -> tuple[Matter, bool]:
    """Create or update a matter (with its materials and topics) from a dict and publish it.
    Returns (matter, changed); content equal to the latest version publishes nothing.
    With `expect_new`, an existing code is an error (a duplicate). Commitment elements the
    dict leaves out keep their stored values (see OPTIONAL_FIELDS)."""
    code = data.get("code")
    matter = (
        Matter.objects.select_for_update(no_key=True).filter(code=code).first()
        if isinstance(code, str) and code
        else None
    )
    if matter is not None and expect_new:
        raise ValidationFailed(f"实施编码 {code} 已存在", field="code")
    clean = matter_validate(_with_stored_commitment(data, matter))
    new_hash = content_hash(clean)
    if matter is not None:
        latest = matter.versions.order_by("-number").values_list("content_hash", flat=True)
        if latest.first() == new_hash and content_hash(matter_to_dict(matter)) == new_hash:
            return matter, False
    else:
        matter = Matter(code=clean["code"])
    for f in MATTER_FIELDS:
        setattr(matter, f, clean[f])
    matter.region = Region.objects.get(code=clean["region"])
    matter.department = Department.objects.get(code=clean["department"])
    matter.base = Matter.objects.get(code=clean["base"]) if clean["base"] else None
    for f in OPTIONAL_FIELDS:
        setattr(matter, f, clean[f])
    matter.supervising_department = (
        Department.objects.get(code=clean["supervising_department"])
        if clean["supervising_department"]
        else None
    )
    flagged = [
        i
        for i, m in enumerate(clean["materials"])
        if m.get("deferrable") is True or m.get("by_commitment") is True
    ]
    if flagged:
        check_commitment_limit(matter_pk=matter.pk, field=f"materials.{flagged[0]}.deferrable")
    matter.status = Matter.Status.PUBLISHED
    try:
        matter.full_clean(exclude=["search_text"])
    except DjangoValidationError as exc:
        _raise_from_django(exc)
    matter.save()
    matter.topics.set(Topic.objects.filter(code__in=clean["topics"]))
    matter.materials.all().delete()
    Material.objects.bulk_create(
        Material(matter=matter, order=i, **m) for i, m in enumerate(clean["materials"], start=1)
    )
    version = matter_publish(matter=matter, actor=actor)
    matter.version = version.number
    return matter, True


def _with_stored_commitment(data: Mapping[str, Any], matter: Matter | None) -> dict[str, Any]:
    """`data` with the commitment elements it omits taken from the stored matter (materials
    matched by name), so a dict or workbook without them never clears them."""
    out = dict(data)
    if matter is None:
        return out
    for f in OPTIONAL_FIELDS:
        if f not in out:
            out[f] = getattr(matter, f)
    if "supervising_department" not in out:
        out["supervising_department"] = (
            matter.supervising_department.code if matter.supervising_department_id else None
        )
    stored = {m.name: m for m in matter.materials.all()}
    materials = []
    for material in out.get("materials") or []:
        if isinstance(material, Mapping) and material.get("name") in stored:
            material = dict(material)
            for f in MATERIAL_COMMITMENT_FIELDS:
                if f not in material:
                    material[f] = getattr(stored[material["name"]], f)
        materials.append(material)
    if "materials" in out:
        out["materials"] = materials
    return out


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    if hasattr(actor, "get_username"):
        return actor.get_username()
    return str(actor)


def _audit(**kwargs) -> None:
    # Imported lazily, as the lead asked: core.audit was written alongside this module.
    from yishi.core.audit import audit_append

    audit_append(**kwargs)


@transaction.atomic
def matter_publish(*, matter: Matter, actor=None) -> MatterVersion:
    """Freeze the matter's current elements as its next version."""
    matter = Matter.objects.select_for_update(no_key=True).get(pk=matter.pk)
    snapshot = matter_to_dict(matter)
    number = matter.version + 1
    digest = content_hash(snapshot)
    version = MatterVersion.objects.create(
        matter=matter,
        number=number,
        snapshot=snapshot,
        content_hash=digest,
        published_at=timezone.now(),
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    Matter.objects.filter(pk=matter.pk).update(version=number, status=Matter.Status.PUBLISHED)
    matter.version = number
    matter.status = Matter.Status.PUBLISHED
    index_matter(matter)
    _audit(
        action="matter.publish",
        actor=_actor_name(actor),
        object_type="matter",
        object_id=matter.code,
        data={"version": number, "hash": digest},
    )
    return version


def matter_has_changes(matter: Matter) -> bool:
    """Whether the matter's current elements differ from its latest published version."""
    latest = matter.versions.order_by("-number").values_list("content_hash", flat=True).first()
    return latest != content_hash(matter_to_dict(matter))


@transaction.atomic
def matter_publish_if_changed(*, matter: Matter, actor=None) -> MatterVersion | None:
    """Publish the next version only when the elements changed since the latest one
    (the admin calls this after the row, its materials and its topics are saved)."""
    matter = Matter.objects.select_for_update(no_key=True).get(pk=matter.pk)
    if not matter_has_changes(matter):
        return None
    return matter_publish(matter=matter, actor=actor)


@transaction.atomic
def matter_withdraw(*, matter: Matter, actor=None) -> Matter:
    """Stop offering a matter: it leaves search and the portal; its versions stay."""
    matter = Matter.objects.select_for_update(no_key=True).get(pk=matter.pk)
    if matter.status == Matter.Status.WITHDRAWN:
        return matter
    matter.status = Matter.Status.WITHDRAWN
    Matter.objects.filter(pk=matter.pk).update(status=matter.status)
    index_matter(matter)
    _audit(
        action="matter.withdraw",
        actor=_actor_name(actor),
        object_type="matter",
        object_id=matter.code,
        data={"version": matter.version},
    )
    return matter


def matter_version_for(matter: Matter, number: int) -> dict[str, Any]:
    """The elements of `matter` as published in version `number` (a copy of the snapshot)."""
    version = MatterVersion.objects.filter(matter=matter, number=number).first()
    if version is None:
        raise NotFound(f"事项 {matter.code} 没有第 {number} 版", field="version")
    return json.loads(json.dumps(version.snapshot))
