"""秒批秒办: instant approval of auto-decidable matters.

A matter with an enabled InstantRule is decided by the machine when an application for it is
submitted (the ``cases.application.submitted`` event). The review points are:

* always: every required material comes from a licence the applicant holds (免证明, trust
  A/B), from shared data (the catalog's source, or the rule's ``shared_materials``) — never
  from an upload, which a human must look at;
* ``{"kind": "holds_licence", "type": "CJRZ", "grace_days": 90}``: the subject holds a
  valid licence of that type (expired no more than ``grace_days`` ago: a renewal);
* ``{"kind": "field", "field": "reason", "op": "in", "value": [...], "label": "..."}``: a
  rule on a form field (ops: eq ne in not_in nonempty);
* ``{"kind": "age", "op": "ge", "value": 60}``: the applicant's age on the day.

All points hold → the application is accepted and every sub-case approved under the rule's
name, the licence issued, and the audit log records the rule, its version and each point.
Any point fails → the application stays with window staff, with a timeline note naming each
failed point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yishi.cases.models import Application, CaseMaterial
from yishi.cases.services import application_accept_auto, case_note, subcase_approve_auto
from yishi.catalog.models import Material, Matter
from yishi.catalog.notice import is_exempt
from yishi.core.audit import audit_append
from yishi.core.dates import full_years
from yishi.core.errors import ValidationFailed
from yishi.licences.models import InstantRule, Licence, LicenceType
from yishi.licences.queries import (
    held_licence_for_applicant,
    held_licence_for_material,
    licences_of_holder,
    material_satisfied_by,
    normalise_material_name,
)

POINT_KINDS = {"holds_licence": "持有证照", "field": "申请表字段", "age": "申请人年龄"}
FIELD_OPS = {"eq": "等于", "ne": "不等于", "in": "属于", "not_in": "不属于", "nonempty": "已填写"}
AGE_OPS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
MAX_POINTS = 20


@dataclass(frozen=True)
class PointResult:
    text: str  # what was checked, in Chinese
    held: bool
    detail: str = ""  # why it failed, or what satisfied it
    # For a material point met by a licence: the material and the licence standing in for it.
    material: Material | None = field(default=None, compare=False, repr=False)
    licence: Licence | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"point": self.text, "held": self.held, "detail": self.detail}

    @property
    def line(self) -> str:
        return f"{self.text}（{self.detail}）" if self.detail else self.text


@dataclass(frozen=True)
class InstantOutcome:
    application_id: int
    approved: bool
    rule: str
    results: tuple[PointResult, ...]
    licences: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[PointResult, ...]:
        return tuple(r for r in self.results if not r.held)


# ---------------------------------------------------------------- validation


def _fail(message: str, path: str) -> ValidationFailed:
    return ValidationFailed(f"{path}：{message}", field=path)


def validate_points(points: Any, *, field: str = "points") -> list[dict[str, Any]]:
    """The review points, checked: a list of known kinds with well-typed values. Raises
    ValidationFailed naming the point (e.g. "points[1].op") in Chinese."""
    if points in (None, ""):
        return []
    if not isinstance(points, list):
        raise _fail("审查要点必须是列表", field)
    if len(points) > MAX_POINTS:
        raise _fail(f"审查要点最多 {MAX_POINTS} 条", field)
    cleaned = []
    for n, point in enumerate(points):
        path = f"{field}[{n}]"
        if not isinstance(point, dict):
            raise _fail("每条审查要点必须是对象", path)
        kind = point.get("kind")
        if kind not in POINT_KINDS:
            known = "、".join(POINT_KINDS)
            raise _fail(f"未知的审查要点类型 {kind!r}（可用：{known}）", f"{path}.kind")
        if kind == "holds_licence":
            code = point.get("type")
            if not isinstance(code, str) or not LicenceType.objects.filter(code=code).exists():
                raise _fail(f"证照类型代码 {code!r} 不存在", f"{path}.type")
            grace = point.get("grace_days", 0)
            if isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= 3650:
                raise _fail("宽限天数应为 0—3650 的整数", f"{path}.grace_days")
        elif kind == "field":
            name = point.get("field")
            if not isinstance(name, str) or not name.strip():
                raise _fail("请填写申请表字段名", f"{path}.field")
            op = point.get("op")
            if op not in FIELD_OPS:
                raise _fail(f"不支持的比较方式 {op!r}", f"{path}.op")
            value = point.get("value")
            if op in ("in", "not_in"):
                if not isinstance(value, list) or not value:
                    raise _fail("“属于/不属于”的取值必须是非空列表", f"{path}.value")
            elif op in ("eq", "ne") and (value is None or isinstance(value, dict | list)):
                raise _fail("“等于/不等于”的取值必须是单个值", f"{path}.value")
        else:  # age
            if point.get("op") not in AGE_OPS:
                raise _fail(f"不支持的比较方式 {point.get('op')!r}", f"{path}.op")
            value = point.get("value")
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 150:
                raise _fail("年龄应为 0—150 的整数", f"{path}.value")
        label = point.get("label", "")
        if not isinstance(label, str) or len(label) > 100:
            raise _fail("说明文字应为不超过 100 字的文本", f"{path}.label")
        cleaned.append(point)
    return cleaned


def validate_shared(names: Any, *, field: str = "shared_materials") -> list[str]:
    if names in (None, ""):
        return []
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise _fail("共享获取的材料必须是材料名称的列表", field)
    return [n.strip() for n in names]


def instant_rule_save(
    *,
    matter: Matter,
    points: Any,
    shared_materials: Any = None,
    enabled: bool = True,
    actor: object = "",
) -> InstantRule:
    """Create or change a matter's instant-approval rule: validated, versioned, audited; the
    matter's flag follows `enabled` so that submission knows without another query."""
    cleaned = validate_points(points)
    shared = validate_shared(shared_materials)
    with transaction.atomic():
        rule = InstantRule.objects.select_for_update(no_key=True).filter(matter=matter).first()
        if rule is None:
            rule = InstantRule(matter=matter)
        changed = (
            rule.pk is None
            or rule.points != cleaned
            or rule.shared_materials != shared
            or rule.enabled != enabled
        )
        rule.points, rule.shared_materials, rule.enabled = cleaned, shared, enabled
        if changed:
            rule.version += 1
        rule.save()
        Matter.objects.filter(pk=matter.pk).update(instant_approval=enabled)
        matter.instant_approval = enabled
        if changed:
            audit_append(
                action="licences.instant_rule.save",
                actor=actor,
                object_type="catalog.matter",
                object_id=matter.code,
                data={
                    "version": rule.version,
                    "enabled": enabled,
                    "points": cleaned,
                    "shared_materials": shared,
                },
            )
    return rule


def instant_shared_materials(matter: Matter) -> set[str]:
    """The (normalised) names of the materials an enabled 秒批秒办 rule of the matter takes
    from shared data: the applicant is not asked for them."""
    if not matter.instant_approval:
        return set()
    rule = InstantRule.objects.filter(matter=matter, enabled=True).first()
    return {normalise_material_name(n) for n in (rule.shared_materials if rule else [])}


# ---------------------------------------------------------------- evaluation


def _subject(application: Application) -> dict[str, Any]:
    if application.company_id:
        return {"company": application.company}
    return {"person": application.person}


def _renewable(rule: InstantRule) -> dict[str, int]:
    """Licence type code → days after expiry a licence still counts (a renewal's grace)."""
    return {
        p["type"]: int(p.get("grace_days", 0) or 0)
        for p in rule.points or []
        if p.get("kind") == "holds_licence" and p.get("grace_days")
    }


def _licence_for(
    material: Material, application: Application, day: dt.date, grace: Mapping[str, int]
) -> Licence | None:
    """The licence standing in for a material: a valid one the subject holds (the
    representative's own, for a company), else one of a renewable type within its grace."""
    licence = held_licence_for_applicant(
        material, person=application.person, company=application.company, today=day
    )
    if licence is not None or not grace:
        return licence
    for code, days in grace.items():
        licence_type = LicenceType.objects.filter(code=code).first()
        if licence_type is None or not material_satisfied_by(material, licence_type):
            continue
        holder = _subject(application)
        if licence_type.holder_kind == "person":
            holder = {"person": application.person}
        return held_licence_for_material(material, today=day - dt.timedelta(days=days), **holder)
    return None


def _check_materials(
    rule: InstantRule, application: Application, day: dt.date
) -> list[PointResult]:
    shared = {normalise_material_name(n) for n in rule.shared_materials or []}
    grace = _renewable(rule)
    results = []
    materials = Material.objects.filter(matter_id=application.matter_id, required=True)
    for material in materials.order_by("order", "id"):
        text = f"材料「{material.name}」免提交"
        licence = _licence_for(material, application, day, grace)
        if licence is not None:
            results.append(PointResult(text, True, f"电子证照 {licence.number}", material, licence))
        elif normalise_material_name(material.name) in shared or (
            is_exempt(material) and material.source != Material.Source.LICENCE
        ):
            results.append(PointResult(text, True, "部门共享获取"))
        elif material.source == Material.Source.LICENCE:
            results.append(PointResult(text, False, "申请人无可用的电子证照，需人工核验"))
        else:
            results.append(PointResult(text, False, "需申请人提交，须人工审查"))
    return results


def _check_licence(point: Mapping[str, Any], application: Application, day: dt.date) -> PointResult:
    licence_type = LicenceType.objects.filter(code=point["type"]).first()
    name = licence_type.name if licence_type else point["type"]
    text = point.get("label") or f"持有有效的「{name}」"
    grace = int(point.get("grace_days", 0) or 0)
    holder = _subject(application)
    if licence_type is not None and licence_type.holder_kind == "person":
        holder = {"person": application.person}
    found = (
        licences_of_holder(**holder)
        .filter(type=licence_type, status=Licence.Status.VALID)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day - dt.timedelta(days=grace)))
        .order_by("-issued_on")
        .first()
    )
    if found is None:
        return PointResult(text, False, "未查到有效的电子证照")
    return PointResult(text, True, f"电子证照 {found.number}")


def _check_field(point: Mapping[str, Any], application: Application) -> PointResult:
    form = application.form_data if isinstance(application.form_data, dict) else {}
    key, op, value = point["field"], point["op"], point.get("value")
    shown = "、".join(map(str, value)) if isinstance(value, list) else value
    text = point.get("label") or (
        f"申请表「{key}」已填写" if op == "nonempty" else f"申请表「{key}」{FIELD_OPS[op]} {shown}"
    )
    actual = form.get(key)
    actual_text = "" if actual is None else str(actual).strip()
    if op == "nonempty":
        held = bool(actual_text)
    elif op == "eq":
        held = actual_text == str(value)
    elif op == "ne":
        held = actual_text != str(value)
    elif op == "in":
        held = actual_text in {str(v) for v in value}
    else:
        held = actual_text not in {str(v) for v in value}
    return PointResult(text, held, "" if held else f"实际填写：{actual_text or '未填写'}")


def _check_age(point: Mapping[str, Any], application: Application, day: dt.date) -> PointResult:
    op, value = point["op"], int(point["value"])
    text = point.get("label") or f"申请人年龄 {AGE_OPS[op]} {value} 周岁"
    age = full_years(application.person.birth_date, day)
    held = {"ge": age >= value, "gt": age > value, "le": age <= value, "lt": age < value}[op]
    return PointResult(text, held, f"实际 {age} 周岁")


def instant_evaluate(
    rule: InstantRule, application: Application, *, today: dt.date | None = None
) -> list[PointResult]:
    """Every review point of the rule for this application, held or not, in order."""
    day = today or timezone.localdate()
    results = _check_materials(rule, application, day)
    for point in rule.points or []:
        kind = point.get("kind")
        if kind == "holds_licence":
            results.append(_check_licence(point, application, day))
        elif kind == "field":
            results.append(_check_field(point, application))
        elif kind == "age":
            results.append(_check_age(point, application, day))
        else:  # a point saved around the validation: never approve on what was not checked
            results.append(PointResult(f"审查要点 {kind!r}", False, "无法识别的审查要点"))
    return results


# ---------------------------------------------------------------- decision


def instant_decide(*, application_id: int, today: dt.date | None = None) -> InstantOutcome | None:
    """Decide a submitted application of an auto-decidable matter: approve it with its licence
    when every review point holds, or leave it to window staff with the reasons. None when
    there is nothing to decide (no rule, disabled, or no longer submitted). Idempotent."""
    from yishi.licences.services import licence_attach_held, licence_issue_for_subcase

    day = today or timezone.localdate()
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",), no_key=True)
            .select_related("matter", "person", "company")
            .filter(pk=application_id)
            .first()
        )
        if application is None or application.status != Application.Status.SUBMITTED:
            return None
        if application.matter_id is None:
            return None
        rule = InstantRule.objects.filter(matter_id=application.matter_id, enabled=True).first()
        if rule is None:
            return None
        rule.matter = application.matter
        results = tuple(instant_evaluate(rule, application, today=day))
        data = {
            "rule": rule.label,
            "rule_version": rule.version,
            "matter": application.matter.code,
            "points": [r.as_dict() for r in results],
        }
        failed = [r for r in results if not r.held]
        if failed:
            if application.events.filter(action="instant_refer").exists():
                return InstantOutcome(application.pk, False, rule.label, results)
            reasons = "；".join(r.line for r in failed)
            case_note(
                application=application,
                actor=rule.label,
                action="instant_refer",
                note=f"未通过秒批秒办，转人工审核。未满足：{reasons}",
            )
            audit_append(
                action="licences.instant.refer",
                actor=rule.label,
                object_type="cases.application",
                object_id=application.pk,
                data=data,
            )
            return InstantOutcome(application.pk, False, rule.label, results)

        audit_append(
            action="licences.instant.approve",
            actor=rule.label,
            object_type="cases.application",
            object_id=application.pk,
            data=data,
        )
        note = "秒批秒办：审查要点全部满足（" + "；".join(r.line for r in results) + "）"
        accepted = application_accept_auto(
            application=application, rule=rule.label, note=note[:2000], today=day
        )
        for r in results:
            if r.licence is None:
                continue
            CaseMaterial.objects.get_or_create(
                application=application,
                kind=(r.material.kind or r.material.name)[:60],
                source=CaseMaterial.Source.LICENCE,
                defaults={"name": f"{r.material.name}（电子证照 {r.licence.number}）"[:150]},
            )
        licence_attach_held(application_id=application.pk, today=day)
        issued = []
        result_name = application.matter.result_name or "准予办理"
        for subcase in accepted.new_subcases:
            if subcase.status != subcase.Status.PENDING:
                continue
            subcase_approve_auto(
                subcase=subcase,
                rule=rule.label,
                result_name=result_name,
                note=note[:2000],
                today=day,
            )
            licence = licence_issue_for_subcase(subcase_id=subcase.pk, today=day)
            if licence is not None:
                issued.append(licence.number)
    return InstantOutcome(application.pk, True, rule.label, results, tuple(issued))
