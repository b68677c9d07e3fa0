"""A package's ticked modules as one notice, one form and one material set.

- One form: every module's fields by key (a theme's ThemeFormField rows for its tailoring
  answers, a policy's application_fields); a key several modules use is asked once. Where
  their definitions differ the stricter holds, by construction: a value is accepted only when
  every definition accepts it (themes.form's own checks per definition — kind, pattern,
  number unit, choices — plus a policy's own rule), it is required when any definition
  requires it, and it is shown with the strictest kind.
- One material set: the themes' own merged lines (themes.materials.lines_for_items) and the
  materials of single matters and policy matters, merged again across modules by the same
  rule themes use (same Material.kind or, without one, the same name; the strictest form,
  the most copies, required if any use requires it).
- One notice: the modules in order, each with its matters, departments and time limits, a
  policy with the eligibility of the company when one is given, an offer with its provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from yishi.catalog.models import Material, Matter
from yishi.catalog.notice import is_exempt, promised_limit_text
from yishi.core.errors import ValidationFailed
from yishi.people.models import Company, Person
from yishi.themes import form as theme_form
from yishi.themes import form_rules
from yishi.themes.form_rules import FieldError, FormInvalid
from yishi.themes.materials import (
    FORM_LABELS,
    FORM_RANK,
    MaterialLine,
    join_notes,
    lines_for_items,
)
from yishi.themes.models import ThemeFormField
from yishi.themes.tailoring import applicable_items

from .models import Module, Package

Kind = ThemeFormField.Kind
POLICY_FORM_MATERIAL = "policy_application_form"  # the policy's online form itself
# How strict a kind is: a patterned code beats a choice beats a number or date beats text.
KIND_RANK = {
    Kind.TEXT: 0,
    Kind.TEXTAREA: 0,
    Kind.NUMBER: 1,
    Kind.DATE: 1,
    Kind.CHOICE: 2,
    Kind.MOBILE: 3,
    Kind.REGION: 3,
    Kind.ID_NUMBER: 3,
    Kind.CREDIT_CODE: 3,
}
_POLICY_KINDS = {"text": Kind.TEXT, "textarea": Kind.TEXTAREA, "number": Kind.NUMBER}
_POLICY_KINDS["date"] = Kind.DATE
POLICY_TEXT_MAX = 500


def chosen_modules(package: Package, ids: Iterable[Any] | None) -> list[Module]:
    """The package's modules the company ticked (None: the recommended ones), in order.
    An id that is not one of the package's modules is refused."""
    modules = list(
        package.modules.select_related(
            "theme", "matter", "matter__department", "policy", "offer", "offer__provider"
        )
    )
    if ids is None:
        return [m for m in modules if m.recommended]
    wanted: set[int] = set()
    for raw in ids:
        try:
            wanted.add(int(raw))
        except (TypeError, ValueError):
            raise ValidationFailed("所选模块不正确", field="modules") from None
    known = {m.pk for m in modules}
    if wanted - known:
        raise ValidationFailed(f"「{package.name}」没有所选的模块", field="modules")
    chosen = [m for m in modules if m.pk in wanted]
    if not chosen:
        raise ValidationFailed("请至少勾选一个模块", field="modules")
    return chosen


# ---------------------------------------------------------------- one form


@dataclass
class PackageField:
    """One question of the package's form, with every module definition it stands for."""

    key: str
    definitions: list[ThemeFormField]
    policy_rules: list[dict[str, Any]] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)

    @property
    def strictest(self) -> ThemeFormField:
        return max(self.definitions, key=lambda d: KIND_RANK.get(d.kind, 0))

    @property
    def label(self) -> str:
        return self.strictest.label

    @property
    def kind(self) -> str:
        return self.strictest.kind

    @property
    def required(self) -> bool:
        return any(d.required for d in self.definitions)

    @property
    def prefill(self) -> str:
        return next((d.prefill for d in self.definitions if d.prefill), "")

    @property
    def help_text(self) -> str:
        return self.strictest.help_text or theme_form.DESCRIPTIONS.get(self.kind, "")

    @property
    def options(self) -> dict[str, str]:
        """A choice's options offered by every choice definition (the stricter set)."""
        sets = [theme_form.field_options(d) for d in self.definitions if d.kind == Kind.CHOICE]
        if not sets:
            return {}
        return {v: label for v, label in sets[0].items() if all(v in s for s in sets[1:])}

    @property
    def shared(self) -> bool:
        return len(self.modules) > 1


def _policy_definition(row: Mapping[str, Any]) -> ThemeFormField:
    return ThemeFormField(
        key=row["key"],
        label=row["label"],
        kind=_POLICY_KINDS.get(row.get("kind", "text"), Kind.TEXT),
        required=row.get("required", True),
        prefill=row.get("prefill") or "",
        help_text=row.get("help") or "",
    )


def module_fields(module: Module) -> list[ThemeFormField | dict[str, Any]]:
    """A module's own form definitions: a theme's fields for its answers, a policy's fields."""
    if module.kind == Module.Kind.THEME:
        return theme_form.applicable_fields(module.theme, module.answers or {})
    if module.kind == Module.Kind.POLICY:
        return list(module.policy.application_fields or [])
    return []


def package_form(modules: list[Module]) -> list[PackageField]:
    """The one form of the ticked modules, each key once, in order of first use."""
    merged: dict[str, PackageField] = {}
    for module in modules:
        for definition in module_fields(module):
            if isinstance(definition, dict):
                key, rule = definition["key"], definition
                definition = _policy_definition(rule)
            else:
                key, rule = definition.key, None
            entry = merged.setdefault(key, PackageField(key=key, definitions=[]))
            entry.definitions.append(definition)
            if rule is not None:
                entry.policy_rules.append(rule)
            if module.name not in entry.modules:
                entry.modules.append(module.name)
    return list(merged.values())


def fields_separately(modules: list[Module]) -> int:
    """How many fields the modules ask when each is filled on its own."""
    return sum(len(module_fields(m)) for m in modules)


def package_prefill(
    fields: list[PackageField], *, person: Person | None, company: Company | None
) -> dict[str, str]:
    """Values the registries already hold, keyed by field (never log: may hold an ID)."""
    values: dict[str, str] = {}
    for entry in fields:
        source = entry.prefill
        if not source:
            continue
        owner_name, _, attribute = source.partition(".")
        owner = {"person": person, "company": company}.get(owner_name)
        if owner is None:
            continue
        value = theme_form.registry_to_field(entry.strictest, owner, attribute)
        if value:
            values[entry.key] = value
    return values


def _policy_reason(rule: Mapping[str, Any], text: str) -> str:
    """The policy's own check of a value (policies.applications._clean_form), or ""."""
    if len(text) > POLICY_TEXT_MAX:
        return f"不能超过 {POLICY_TEXT_MAX} 字"
    kind = rule.get("kind", "text")
    if kind == "number" and not text.isdigit():
        return "须为不小于 0 的整数"
    if kind == "date":
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            return "须为日期（如 2026-12-01）"
    return ""


def validate_package_form(fields: list[PackageField], data: Any) -> dict[str, Any]:
    """The one form checked against every definition of each field; every fault at once
    (themes' FormInvalid, each message naming the field's label)."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationFailed("申请表内容格式不正确", field="form_data")
    known = {f.key for f in fields}
    errors = [
        FieldError(str(key), str(key), f"本次申请表没有字段 {key}")
        for key in list(data)[: theme_form.MAX_UNKNOWN_KEYS_SHOWN]
        if key not in known
    ]
    roles = form_rules.person_roles([f.strictest for f in fields])
    cleaned: dict[str, Any] = {}
    for entry in fields:
        raw = data.get(entry.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if entry.required:
                errors.append(FieldError(entry.key, entry.label, f"「{entry.label}」：必须填写"))
            continue
        role = roles.get(entry.key, form_rules.APPLICANT)
        try:
            ordered = sorted(entry.definitions, key=lambda d: -KIND_RANK.get(d.kind, 0))
            values = [theme_form._clean_value(d, raw, role) for d in ordered]
            options = entry.options
            if entry.kind == Kind.CHOICE and str(values[0]) not in options:
                raise ValidationFailed(f"「{entry.label}」：“{raw}”不是可选项", field=entry.key)
            for rule in entry.policy_rules:
                reason = _policy_reason(rule, str(raw).strip())
                if reason:
                    raise ValidationFailed(f"「{entry.label}」：{reason}", field=entry.key)
        except ValidationFailed as exc:
            errors.append(FieldError(entry.key, entry.label, exc.message))
            continue
        cleaned[entry.key] = values[0]
    if errors:
        raise FormInvalid(errors)
    return cleaned


def module_form_data(module: Module, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """The one form's values a module's own form takes (its keys only)."""
    keys = [d["key"] if isinstance(d, dict) else d.key for d in module_fields(module)]
    return {k: cleaned[k] for k in keys if k in cleaned}


# ---------------------------------------------------------------- one material set


def _single_line(material: Material, matter: Matter) -> MaterialLine:
    return MaterialLine(
        kind=material.kind,
        name=material.name,
        required=material.required,
        form=FORM_LABELS.get(material.form, material.form),
        form_code=material.form,
        copies=material.copies,
        source=material.source,
        licence_type=material.licence_type,
        deferrable=material.deferrable,
        note=material.note,
        matters=[matter.name],
        exempt=is_exempt(material),
        produced_in_theme=False,
        material_ids=[material.id],
    )


def module_lines(module: Module) -> list[MaterialLine]:
    if module.kind == Module.Kind.THEME:
        items = applicable_items(module.theme, module.answers or {})
        return lines_for_items(module.theme, items)
    matter = module.matter if module.kind == Module.Kind.MATTER else None
    if module.kind == Module.Kind.POLICY:
        matter = module.policy.matter
    if matter is None:
        return []
    return [
        _single_line(m, matter)
        for m in matter.materials.all().order_by("order", "id")
        if m.kind != POLICY_FORM_MATERIAL
    ]


def _merge(lines: list[MaterialLine]) -> MaterialLine:
    if len(lines) == 1:
        return lines[0]
    strictest = max(lines, key=lambda x: FORM_RANK.get(x.form_code, 0))
    bringing = [x for x in lines if not (x.exempt or x.produced_in_theme)]
    matters: list[str] = []
    for line in lines:
        matters.extend(m for m in line.matters if m not in matters)
    first = lines[0]
    return MaterialLine(
        kind=first.kind,
        name=first.name,
        required=any(x.required for x in lines),
        form=strictest.form,
        form_code=strictest.form_code,
        copies=max(x.copies for x in lines),
        source=(bringing[0] if bringing else first).source,
        licence_type=next((x.licence_type for x in lines if x.licence_type), ""),
        deferrable=all(x.deferrable for x in lines),
        note=join_notes([x.note for x in lines]),
        matters=matters,
        # Brought unless every use is obtained by a department or produced along the way.
        exempt=not bringing and all(x.exempt for x in lines),
        produced_in_theme=not bringing and any(x.produced_in_theme for x in lines),
        produced_by=next((x.produced_by for x in lines if x.produced_by), ""),
        material_ids=[i for x in lines for i in x.material_ids],
    )


def package_materials(modules: list[Module]) -> list[MaterialLine]:
    """The one material set of the ticked modules, each document once."""
    grouped: dict[str, list[MaterialLine]] = {}
    for module in modules:
        for line in module_lines(module):
            grouped.setdefault(line.key, []).append(line)
    return [_merge(lines) for lines in grouped.values()]


def materials_separately(modules: list[Module]) -> int:
    return sum(sum(len(line.material_ids) for line in module_lines(m)) for m in modules)


# ---------------------------------------------------------------- one notice


@dataclass(frozen=True)
class NoticeStep:
    name: str
    department: str
    limit: str


@dataclass(frozen=True)
class NoticeModule:
    id: int
    kind: str
    kind_label: str
    name: str
    summary: str
    steps: tuple[NoticeStep, ...]
    eligible: bool | None = None  # a policy, for a given company
    missing: tuple[str, ...] = ()
    provider: str = ""


@dataclass(frozen=True)
class PackageNotice:
    package: Package
    modules: tuple[NoticeModule, ...]
    fields: tuple[PackageField, ...]
    materials: tuple[MaterialLine, ...]
    fields_separately: int
    materials_separately: int

    @property
    def to_bring(self) -> tuple[MaterialLine, ...]:
        return tuple(m for m in self.materials if m.to_bring)

    @property
    def shared_fields(self) -> tuple[PackageField, ...]:
        return tuple(f for f in self.fields if f.shared)


def _notice_module(module: Module, company: Company | None, on: dt.date) -> NoticeModule:
    label = str(Module.Kind(module.kind).label)
    if module.kind == Module.Kind.THEME:
        items = applicable_items(module.theme, module.answers or {})
        steps = tuple(
            NoticeStep(i.matter.name, i.matter.department.name, promised_limit_text(i.matter))
            for i in items
        )
        return NoticeModule(module.pk, module.kind, label, module.name, module.theme.summary, steps)
    if module.kind == Module.Kind.MATTER:
        m = module.matter
        step = NoticeStep(m.name, m.department.name, promised_limit_text(m))
        return NoticeModule(module.pk, module.kind, label, m.name, "", (step,))
    if module.kind == Module.Kind.POLICY:
        from yishi.policies import rules

        policy = module.policy
        steps: tuple[NoticeStep, ...] = ()
        if policy.matter_id:
            m = policy.matter
            steps = (NoticeStep(m.name, m.department.name, promised_limit_text(m)),)
        eligible, missing = None, ()
        if company is not None:
            evaluation = rules.evaluate(policy.rule, company, on)
            eligible, missing = bool(evaluation.eligible), tuple(evaluation.missing)
        return NoticeModule(
            module.pk,
            module.kind,
            label,
            policy.name,
            policy.description,
            steps,
            eligible=eligible,
            missing=missing,
        )
    offer = module.offer
    return NoticeModule(
        module.pk, module.kind, label, offer.name, offer.summary, (), provider=offer.provider.name
    )


def package_notice(
    package: Package,
    modules: list[Module],
    *,
    company: Company | None = None,
    on: dt.date | None = None,
) -> PackageNotice:
    """The one notice of the ticked modules (with the company's eligibility for policies)."""
    from django.utils import timezone

    day = on or timezone.localdate()
    return PackageNotice(
        package=package,
        modules=tuple(_notice_module(m, company, day) for m in modules),
        fields=tuple(package_form(modules)),
        materials=tuple(package_materials(modules)),
        fields_separately=fields_separately(modules),
        materials_separately=materials_separately(modules),
    )
