"""Quality rules as data: what a rule's JSON definition may say, and how each kind is checked
against the records of its dataset's source table.

Definitions (validated by `rule_clean` before a rule is saved):
- completeness: {"fields": ["address", "legal_representative"], "filter": {...}}
- validity: {"field": "uscc", "check": "uscc" | "ric" | "codes" | "range",
  "codes": ["A", "B"], "min": 0, "max": 100}
- consistency: {"check": "deceased_active_grant"} (grants: the person is dead) or
  {"check": "region_exists", "field": "region_code"} (the code is in the regions table)
- timeliness: {"fields": ["updated_at", "versions__published_at"], "days": 365} (the latest
  of the fields; `days` defaults to the dataset's update frequency)
`filter` (optional, every kind) narrows the records: {"status": "published"}.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Max
from django.utils import timezone

from yishi.core.crypto import mask
from yishi.core.errors import DomainError, ValidationFailed
from yishi.core.validators import validate_ric, validate_uscc

# The platform tables a dataset may be read from, by source code.
SOURCES: dict[str, str] = {
    "people.person": "people.Person",
    "people.company": "people.Company",
    "catalog.matter": "catalog.Matter",
    "policies.grant": "policies.Grant",
    "cases.application": "cases.Application",
    "licences.licence": "licences.Licence",
    "hall.outlet": "hall.Outlet",
}
KINDS = ("completeness", "validity", "consistency", "timeliness")
VALIDITY_CHECKS = ("uscc", "ric", "codes", "range")
CONSISTENCY_CHECKS = ("deceased_active_grant", "region_exists")
CHUNK = 2000


def source_model(source: str) -> type[models.Model] | None:
    label = SOURCES.get(source or "")
    return apps.get_model(label) if label else None


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="definition")


def _model_field(model: type[models.Model], name: str) -> models.Field:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        raise _fail(f"规则定义：数据项“{name}”不在该数据资源的来源表中") from None


def rule_clean(*, kind: str, definition: Any, source: str) -> dict[str, Any]:
    """The definition, checked against the rule kind and the dataset's source table;
    ValidationFailed (field "definition") naming what is wrong otherwise."""
    if kind not in KINDS:
        raise ValidationFailed("规则类别无效", field="kind")
    if not isinstance(definition, dict):
        raise _fail("规则定义须为 JSON 对象")
    model = source_model(source)
    if model is None:
        raise _fail("该数据资源没有平台内的来源表，不能设置质量规则")
    flt = definition.get("filter", {})
    if not isinstance(flt, dict):
        raise _fail("规则定义：filter 须为对象")
    for name in flt:
        _model_field(model, name.split("__")[0])
    if kind == "completeness":
        names = definition.get("fields")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise _fail("完整性规则须列出必填数据项（fields）")
        for name in names:
            _model_field(model, name)
    elif kind == "validity":
        name, check = definition.get("field"), definition.get("check")
        if not isinstance(name, str):
            raise _fail("有效性规则须指定数据项（field）")
        _model_field(model, name)
        if check not in VALIDITY_CHECKS:
            raise _fail("有效性规则的校验方式（check）须为 uscc、ric、codes 或 range")
        if check == "codes" and not (
            isinstance(definition.get("codes"), list) and definition["codes"]
        ):
            raise _fail("代码表校验须列出允许的代码（codes）")
        if check == "range":
            bounds = [definition.get("min"), definition.get("max")]
            if all(b is None for b in bounds) or not all(
                b is None or isinstance(b, int | float) for b in bounds
            ):
                raise _fail("范围校验须给出数值 min 或 max")
    elif kind == "consistency":
        check = definition.get("check")
        if check not in CONSISTENCY_CHECKS:
            raise _fail("一致性规则的校验方式（check）须为 deceased_active_grant 或 region_exists")
        if check == "deceased_active_grant" and source != "policies.grant":
            raise _fail("死亡人员仍享受待遇的检查只适用于待遇数据")
        if check == "region_exists":
            _model_field(model, definition.get("field") or "region_code")
    else:
        names = definition.get("fields")
        if not isinstance(names, list) or not names:
            raise _fail("及时性规则须列出更新时间数据项（fields）")
        for name in names:
            _model_field(model, name.split("__")[0])
        days = definition.get("days")
        if days is not None and (not isinstance(days, int) or days < 1):
            raise _fail("及时性规则的天数（days）须为正整数")
    return definition


@dataclass
class Failure:
    record_id: str
    field: str
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)


def _queryset(model: type[models.Model], definition: dict[str, Any]) -> models.QuerySet:
    return model._default_manager.filter(**definition.get("filter", {})).order_by("pk")


def _label(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name.split("__")[0]).verbose_name)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(qs: models.QuerySet, names: list[str]) -> Iterator[Any]:
    # Model instances (encrypted fields decrypt on load), in key order, chunked.
    yield from qs.only("pk", *names).iterator(chunk_size=CHUNK)


def check_rule(rule: Any, *, today: dt.date | None = None) -> tuple[int, list[Failure]]:
    """(records examined, failures) of one rule over its dataset's source table."""
    definition = rule.definition or {}
    model = source_model(rule.dataset.source)
    if model is None:
        return 0, []
    qs = _queryset(model, definition)
    failures: list[Failure] = []
    kind = rule.kind
    if kind == "completeness":
        names = definition["fields"]
        count = 0
        for obj in _rows(qs, names):
            count += 1
            for name in names:
                if _is_blank(getattr(obj, name)):
                    label = _label(model, name)
                    failures.append(
                        Failure(str(obj.pk), name, f"{label}缺失", {"record": str(obj)})
                    )
        return count, failures
    if kind == "validity":
        name, check = definition["field"], definition["check"]
        label = _label(model, name)
        count = 0
        for obj in _rows(qs, [name]):
            count += 1
            value = getattr(obj, name)
            problem = _invalid(value, check, definition, label)
            if problem:
                shown = mask(str(value)) if check in ("ric", "uscc") else str(value)
                failures.append(
                    Failure(str(obj.pk), name, problem, {"value": str(value), "shown": shown})
                )
        return count, failures
    if kind == "consistency":
        return _consistency(model, qs, definition)
    return _timeliness(model, qs, rule, definition, today or timezone.localdate())


def _invalid(value: Any, check: str, definition: dict[str, Any], label: str) -> str:
    if _is_blank(value):
        return ""  # a blank value is completeness' business
    try:
        if check == "uscc":
            validate_uscc(value, field="value")
        elif check == "ric":
            validate_ric(value, field="value")
        elif check == "codes":
            if str(value) not in [str(c) for c in definition["codes"]]:
                return f"{label}不在代码表中"
        else:
            number = float(value)
            low, high = definition.get("min"), definition.get("max")
            if (low is not None and number < low) or (high is not None and number > high):
                return f"{label}超出允许范围"
    except DomainError as exc:
        return exc.message if label in exc.message else f"{label}无效：{exc.message}"
    except (TypeError, ValueError):
        return f"{label}不是数值"
    return ""


def _consistency(model, qs, definition) -> tuple[int, list[Failure]]:
    check = definition["check"]
    failures: list[Failure] = []
    if check == "deceased_active_grant":
        open_grants = qs.filter(status__in=["active", "contested"])
        count = qs.count()
        dead = open_grants.filter(person__deceased_on__isnull=False).select_related(
            "person", "policy"
        )
        failures = [
            Failure(
                str(grant.pk),
                "status",
                f"享受人已于{grant.person.deceased_on:%Y-%m-%d}死亡，待遇仍在发放",
                {"record": grant.person.name, "policy": grant.policy.name},
            )
            for grant in dead.iterator(chunk_size=CHUNK)
        ]
        return count, failures
    name = definition.get("field") or "region_code"
    label = _label(model, name)
    known = set(apps.get_model("catalog", "Region").objects.values_list("code", flat=True))
    count = 0
    for pk, code in qs.values_list("pk", name).iterator(chunk_size=CHUNK):
        count += 1
        if code and code not in known and code.ljust(12, "0") not in known:
            failures.append(Failure(str(pk), name, f"{label}“{code}”在区划表中不存在", {}))
    return count, failures


def _timeliness(model, qs, rule, definition, today: dt.date) -> tuple[int, list[Failure]]:
    days = definition.get("days") or rule.dataset.frequency_days
    names = definition["fields"]
    annotations = {f"_t{i}": Max(name) for i, name in enumerate(names) if "__" in name}
    plain = [name for name in names if "__" not in name]
    qs = qs.annotate(**annotations) if annotations else qs
    rows = qs.values_list("pk", *plain, *annotations.keys())
    count = 0
    failures: list[Failure] = []
    limit = today - dt.timedelta(days=days)
    for row in rows.iterator(chunk_size=CHUNK):
        count += 1
        stamps = [v for v in row[1:] if v is not None]
        latest = (
            max((timezone.localdate(v) if isinstance(v, dt.datetime) else v) for v in stamps)
            if stamps
            else None
        )
        if latest is None or latest < limit:
            when = f"{latest:%Y-%m-%d}" if latest else "从未"
            failures.append(
                Failure(str(row[0]), names[0], f"超过{days}天未更新（最近更新：{when}）", {})
            )
    return count, failures
