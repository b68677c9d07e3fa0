"""Writes to themes. A theme travels as a plain dict (the demo data, exports, the audit log):
`theme_to_dict` / `theme_upsert`, in the style of catalog.services' matters.

Matters are named by their implementation code, prerequisites (`depends_on`) by the codes of
other matters of the same theme. Yes/no questions answer "yes" or "no"; a choice question
answers one of its own choice values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction

from yishi.catalog.models import Department, Matter
from yishi.catalog.services import normalise_text
from yishi.core.audit import audit_append
from yishi.core.crypto import sm3_hex
from yishi.core.errors import ValidationFailed
from yishi.themes.models import FieldMapping, Theme, ThemeFormField, ThemeMatter, ThemeQuestion

YES_NO_VALUES = ("yes", "no")
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")

THEME_FIELDS = [
    "code", "name", "audience", "category", "summary", "conditions", "keywords", "promised_days",
    "order", "status",
]  # fmt: skip
QUESTION_FIELDS = ["code", "text", "help_text", "kind", "choices", "default"]
FIELD_FIELDS = ["key", "label", "kind", "required", "choices", "prefill", "help_text", "condition"]


# --- reading --------------------------------------------------------------------------------


def theme_to_dict(theme: Theme) -> dict[str, Any]:
    """The theme as a plain dict; prerequisites and mappings listed in item order."""
    data: dict[str, Any] = {f: getattr(theme, f) for f in THEME_FIELDS}
    data["lead_department"] = theme.lead_department.code
    data["questions"] = [
        {f: getattr(q, f) for f in QUESTION_FIELDS} for q in theme.questions.order_by("order", "id")
    ]
    items = list(
        theme.items.order_by("order", "id").select_related("matter").prefetch_related("depends_on")
    )
    position = {item.pk: i for i, item in enumerate(items)}
    code_of = {item.pk: item.matter.code for item in items}
    data["items"] = [
        {
            "matter": item.matter.code,
            "condition": item.condition,
            "depends_on": [
                code_of[d.pk]
                for d in sorted(item.depends_on.all(), key=lambda d: position.get(d.pk, 1 << 30))
                if d.pk in code_of
            ],
            "note": item.note,
        }
        for item in items
    ]
    data["fields"] = []
    for f in theme.fields.order_by("order", "id").prefetch_related("mappings"):
        row = {k: getattr(f, k) for k in FIELD_FIELDS}
        mappings = sorted(f.mappings.all(), key=lambda m: position.get(m.item_id, 1 << 30))
        row["mappings"] = [
            {"matter": code_of[m.item_id], "target": m.target}
            for m in mappings
            if m.item_id in code_of
        ]
        data["fields"].append(row)
    return data


def content_hash(data: Mapping[str, Any]) -> str:
    return sm3_hex(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


# --- dependency graph -----------------------------------------------------------------------


def dependency_cycle(graph: Mapping[Any, Iterable[Any]]) -> list[Any] | None:
    """A cycle in `graph` (node -> prerequisites) as [a, b, …, a], or None. Nodes are visited
    in the mapping's order, so the reported cycle is stable."""
    state: dict[Any, int] = {}  # 1 = on the current path, 2 = done
    path: list[Any] = []

    def visit(node: Any) -> list[Any] | None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in graph:
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None


def dependency_stages(graph: Mapping[Any, Iterable[Any]]) -> list[list[Any]]:
    """Nodes grouped in stages: stage 1 needs nothing, stage n needs only earlier stages.
    The graph must have no cycle."""
    level: dict[Any, int] = {}

    def depth(node: Any) -> int:
        if node not in level:
            pre = [p for p in graph.get(node, ()) if p in graph]
            level[node] = 1 + max((depth(p) for p in pre), default=0)
        return level[node]

    for node in graph:
        depth(node)
    stages: list[list[Any]] = [[] for _ in range(max(level.values(), default=0))]
    for node in graph:
        stages[level[node] - 1].append(node)
    return stages


def cycle_message(names: list[str]) -> str:
    """The Chinese message for a cycle found by `dependency_cycle` (a list of prerequisites);
    shown with "→" pointing from a matter to the one that needs its result, as in the plan."""
    return "前置事项存在循环依赖：" + " → ".join(reversed(names))


# --- validation -----------------------------------------------------------------------------


def _label(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _text(model: type[models.Model], name: str, value: Any, key: str, *, where: str = "") -> str:
    """A checked text element: required unless the field is blank=True, within max_length."""
    field = model._meta.get_field(name)
    label = f"{where}「{field.verbose_name}」"
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{label}应为文本，收到 {value!r}", field=key)
    value = normalise_text(value).strip()
    if not value and not field.blank:
        raise ValidationFailed(f"{label}不能为空", field=key)
    if field.max_length and len(value) > field.max_length:
        raise ValidationFailed(
            f"{label}不能超过 {field.max_length} 个字，当前 {len(value)} 个字", field=key
        )
    return value


def _choice(model: type[models.Model], name: str, value: Any, key: str, *, where: str = "") -> str:
    field = model._meta.get_field(name)
    allowed = [c[0] for c in field.flatchoices]
    if value is None and field.has_default():
        value = field.get_default()
    if value not in allowed:
        shown = "、".join(
            f"{v}（{label}）" if v else f"空（{label}）" for v, label in field.flatchoices
        )
        raise ValidationFailed(
            f"{where}「{field.verbose_name}」{value!r} 不是允许的取值，应为：{shown}", field=key
        )
    return value


def _slug(model: type[models.Model], name: str, value: Any, key: str, *, where: str = "") -> str:
    value = _text(model, name, value, key, where=where)
    if not _SLUG.fullmatch(value):
        raise ValidationFailed(
            f"{where}「{_label(model, name)}」{value} 只能包含英文字母、数字、连字符和下划线",
            field=key,
        )
    return value


def _choices_list(value: Any, key: str, *, where: str) -> list[dict[str, str]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationFailed(f"{where}的选项应为列表：[{{value, label}}, …]", field=key)
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, choice in enumerate(value):
        if not (
            isinstance(choice, Mapping)
            and isinstance(choice.get("value"), str)
            and choice["value"].strip()
            and isinstance(choice.get("label"), str)
            and choice["label"].strip()
        ):
            raise ValidationFailed(
                f"{where}的第 {i + 1} 个选项应有取值（value）和名称（label）", field=key
            )
        if choice["value"] in seen:
            raise ValidationFailed(f"{where}的选项取值 {choice['value']} 重复", field=key)
        seen.add(choice["value"])
        out.append({"value": choice["value"].strip(), "label": choice["label"].strip()})
    return out


def condition_check(
    condition: Any, questions: Mapping[str, tuple[str, set[str]]], key: str, *, where: str
) -> dict[str, Any]:
    """A checked condition. `questions` maps question code -> (question text, values offered).
    Accepts {"all": [...]} and, for "or", {"any": [...]} (as themes.tailoring does); a bare
    clause {"q": …, "in": […]} is stored as {"all": [clause]}."""
    if condition in (None, "", {}):
        return {}
    shape = (
        f'{where}的适用情形格式不正确：应为 {{}} 或 {{"all": [{{"q": 问题编码, "in": [取值, …]}}]}}'
        '（“或”关系用 "any"）'
    )
    if isinstance(condition, Mapping) and set(condition) == {"q", "in"}:
        condition = {"all": [condition]}
    if not isinstance(condition, Mapping) or len(condition) != 1:
        raise ValidationFailed(shape, field=key)
    ((op, terms),) = condition.items()
    if op not in ("all", "any") or not isinstance(terms, list) or not terms:
        raise ValidationFailed(shape, field=key)
    out = []
    for term in terms:
        if not (
            isinstance(term, Mapping)
            and set(term) == {"q", "in"}
            and isinstance(term["q"], str)
            and isinstance(term["in"], list)
            and term["in"]
            and all(isinstance(v, str) for v in term["in"])
        ):
            raise ValidationFailed(shape, field=key)
        code = term["q"]
        if code not in questions:
            raise ValidationFailed(f"{where}的适用情形引用了不存在的问题 {code}", field=key)
        text, offered = questions[code]
        for value in term["in"]:
            if value not in offered:
                raise ValidationFailed(
                    f"{where}的适用情形中，问题「{text}」没有取值 {value}"
                    f"（可选：{'、'.join(sorted(offered))}）",
                    field=key,
                )
        out.append({"q": code, "in": list(term["in"])})
    return {op: out}


def question_values(kind: str, choices: list[dict[str, str]]) -> set[str]:
    if kind == ThemeQuestion.Kind.YES_NO:
        return set(YES_NO_VALUES)
    return {c["value"] for c in choices}


def _clean_questions(rows: Any) -> tuple[list[dict[str, Any]], dict[str, tuple[str, set[str]]]]:
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        raise ValidationFailed("「情形引导问题」应为列表", field="questions")
    out: list[dict[str, Any]] = []
    known: dict[str, tuple[str, set[str]]] = {}
    for i, row in enumerate(rows):
        where = f"第 {i + 1} 个情形引导问题"
        if not isinstance(row, Mapping):
            raise ValidationFailed(f"{where}格式不正确", field=f"questions.{i}")
        code = _slug(ThemeQuestion, "code", row.get("code"), f"questions.{i}.code", where=where)
        if code in known:
            raise ValidationFailed(f"问题编码 {code} 重复", field=f"questions.{i}.code")
        text = _text(ThemeQuestion, "text", row.get("text"), f"questions.{i}.text", where=where)
        where = f"问题「{text}」"
        clean = {
            "code": code,
            "text": text,
            "help_text": _text(
                ThemeQuestion, "help_text", row.get("help_text"), f"questions.{i}.help_text",
                where=where,
            ),
            "kind": _choice(ThemeQuestion, "kind", row.get("kind"), f"questions.{i}.kind",
                            where=where),
        }  # fmt: skip
        choices = _choices_list(row.get("choices"), f"questions.{i}.choices", where=where)
        if clean["kind"] == ThemeQuestion.Kind.CHOICE and len(choices) < 2:
            raise ValidationFailed(
                f"单选问题「{text}」缺少选项（至少 2 个）", field=f"questions.{i}.choices"
            )
        if clean["kind"] == ThemeQuestion.Kind.YES_NO and choices:
            raise ValidationFailed(
                f"是/否问题「{text}」不需要选项，请留空", field=f"questions.{i}.choices"
            )
        clean["choices"] = choices
        offered = question_values(clean["kind"], choices)
        default = _text(
            ThemeQuestion, "default", row.get("default"), f"questions.{i}.default", where=where
        )
        if default and default not in offered:
            raise ValidationFailed(
                f"问题「{text}」的默认答案 {default} 不是它的选项（可选：{'、'.join(sorted(offered))}）",
                field=f"questions.{i}.default",
            )
        clean["default"] = default
        known[code] = (text, offered)
        out.append(clean)
    return out, known


def _clean_items(
    rows: Any, questions: Mapping[str, tuple[str, set[str]]]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        raise ValidationFailed("「主题事项」应为列表", field="items")
    codes = [r.get("matter") if isinstance(r, Mapping) else None for r in rows]
    matters = {
        m.code: m for m in Matter.objects.filter(code__in=[c for c in codes if isinstance(c, str)])
    }
    names: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        key = f"items.{i}"
        if not isinstance(row, Mapping):
            raise ValidationFailed(f"第 {i + 1} 项事项格式不正确", field=key)
        code = row.get("matter")
        if not isinstance(code, str) or not code.strip():
            raise ValidationFailed(f"第 {i + 1} 项事项缺少事项编码", field=f"{key}.matter")
        matter = matters.get(code)
        if matter is None:
            raise ValidationFailed(
                f"第 {i + 1} 项事项：事项编码 {code} 不存在", field=f"{key}.matter"
            )
        if matter.status != Matter.Status.PUBLISHED:
            raise ValidationFailed(
                f"第 {i + 1} 项事项：事项 {code}（{matter.name}）未发布，不能加入主题",
                field=f"{key}.matter",
            )
        if code in names:
            raise ValidationFailed(
                f"事项 {code}（{matter.name}）在主题中重复", field=f"{key}.matter"
            )
        names[code] = matter.name
        where = f"第 {i + 1} 项事项（{matter.name}）"
        depends = row.get("depends_on") or []
        if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
            raise ValidationFailed(f"{where}的前置事项应为事项编码列表", field=f"{key}.depends_on")
        out.append(
            {
                "matter": code,
                "condition": condition_check(
                    row.get("condition"), questions, f"{key}.condition", where=where
                ),
                "depends_on": list(dict.fromkeys(depends)),
                "note": _text(ThemeMatter, "note", row.get("note"), f"{key}.note", where=where),
            }
        )
    if len(out) < 2:
        raise ValidationFailed("一件事主题至少应包含 2 个事项", field="items")
    position = {item["matter"]: i for i, item in enumerate(out)}
    for i, item in enumerate(out):
        for dep in item["depends_on"]:
            if dep not in position:
                raise ValidationFailed(
                    f"第 {i + 1} 项事项（{names[item['matter']]}）的前置事项 {dep} 不在本主题中",
                    field=f"items.{i}.depends_on",
                )
        item["depends_on"].sort(key=position.__getitem__)
    cycle = dependency_cycle({item["matter"]: item["depends_on"] for item in out})
    if cycle:
        raise ValidationFailed(
            cycle_message([names[c] for c in cycle]),
            field=f"items.{position[cycle[0]]}.depends_on",
        )
    return out, names


def _clean_fields(
    rows: Any, questions: Mapping[str, tuple[str, set[str]]], names: Mapping[str, str]
) -> list[dict[str, Any]]:
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        raise ValidationFailed("「一表申请字段」应为列表", field="fields")
    position = {code: i for i, code in enumerate(names)}
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        key = f"fields.{i}"
        where = f"第 {i + 1} 个一表字段"
        if not isinstance(row, Mapping):
            raise ValidationFailed(f"{where}格式不正确", field=key)
        field_key = _slug(ThemeFormField, "key", row.get("key"), f"{key}.key", where=where)
        if field_key in seen:
            raise ValidationFailed(f"字段标识 {field_key} 重复", field=f"{key}.key")
        seen.add(field_key)
        label = _text(ThemeFormField, "label", row.get("label"), f"{key}.label", where=where)
        where = f"一表字段「{label}」"
        kind = _choice(ThemeFormField, "kind", row.get("kind"), f"{key}.kind", where=where)
        choices = _choices_list(row.get("choices"), f"{key}.choices", where=where)
        if kind == ThemeFormField.Kind.CHOICE and len(choices) < 2:
            raise ValidationFailed(
                f"单选字段「{label}」缺少选项（至少 2 个）", field=f"{key}.choices"
            )
        required = row.get("required", True)
        if not isinstance(required, bool):
            raise ValidationFailed(f"{where}的「必填」应为 true 或 false", field=f"{key}.required")
        prefill = row.get("prefill") or ""
        clean = {
            "key": field_key,
            "label": label,
            "kind": kind,
            "required": required,
            "choices": choices,
            "prefill": _choice(ThemeFormField, "prefill", prefill, f"{key}.prefill", where=where),
            "help_text": _text(
                ThemeFormField, "help_text", row.get("help_text"), f"{key}.help_text", where=where
            ),
            "condition": condition_check(
                row.get("condition"), questions, f"{key}.condition", where=where
            ),
        }
        mappings = row.get("mappings") or []
        if not isinstance(mappings, list):
            raise ValidationFailed(f"{where}的字段映射应为列表", field=f"{key}.mappings")
        clean_mappings: list[dict[str, str]] = []
        mapped: set[str] = set()
        for j, mapping in enumerate(mappings):
            mkey = f"{key}.mappings.{j}"
            if not isinstance(mapping, Mapping):
                raise ValidationFailed(f"{where}的第 {j + 1} 个映射格式不正确", field=mkey)
            matter = mapping.get("matter")
            if matter not in names:
                raise ValidationFailed(
                    f"{where}映射的事项 {matter} 不在本主题中", field=f"{mkey}.matter"
                )
            if matter in mapped:
                raise ValidationFailed(
                    f"{where}对事项「{names[matter]}」的映射重复", field=f"{mkey}.matter"
                )
            mapped.add(matter)
            target = _text(
                FieldMapping, "target", mapping.get("target"), f"{mkey}.target",
                where=f"{where}映射到「{names[matter]}」的",
            )  # fmt: skip
            clean_mappings.append({"matter": matter, "target": target})
        clean_mappings.sort(key=lambda m: position[m["matter"]])
        clean["mappings"] = clean_mappings
        out.append(clean)
    return out


def theme_validate(data: Mapping[str, Any]) -> dict[str, Any]:
    """The normalised (canonical) theme dict, or ValidationFailed naming the field at fault."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("主题数据格式不正确")
    out: dict[str, Any] = {
        "code": _slug(Theme, "code", data.get("code"), "code"),
        "name": _text(Theme, "name", data.get("name"), "name"),
        "audience": _choice(Theme, "audience", data.get("audience"), "audience"),
        "category": _choice(Theme, "category", data.get("category"), "category"),
        "summary": _text(Theme, "summary", data.get("summary"), "summary"),
        "conditions": _text(Theme, "conditions", data.get("conditions"), "conditions"),
        "keywords": _text(Theme, "keywords", data.get("keywords"), "keywords"),
    }
    for name in ("promised_days", "order"):
        value = data.get(name, None if name == "promised_days" else 0)
        if value is None and name == "promised_days":
            out[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767:
            raise ValidationFailed(
                f"「{_label(Theme, name)}」应为不小于 0 的整数，收到 {value!r}", field=name
            )
        out[name] = value
    out["status"] = _choice(Theme, "status", data.get("status"), "status")
    dept = data.get("lead_department")
    if not isinstance(dept, str) or not dept.strip():
        raise ValidationFailed("缺少「牵头部门」", field="lead_department")
    if not Department.objects.filter(code=dept).exists():
        raise ValidationFailed(f"牵头部门 {dept} 不存在", field="lead_department")
    out["lead_department"] = dept
    out["questions"], known = _clean_questions(data.get("questions"))
    out["items"], names = _clean_items(data.get("items"), known)
    out["fields"] = _clean_fields(data.get("fields"), known, names)
    return out


# --- writes ---------------------------------------------------------------------------------


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    if hasattr(actor, "get_username"):
        return actor.get_username()
    return str(actor)


def _sync_questions(theme: Theme, rows: list[dict[str, Any]]) -> None:
    existing = {q.code: q for q in theme.questions.all()}
    for order, row in enumerate(rows, start=1):
        question = existing.pop(row["code"], None) or ThemeQuestion(theme=theme)
        for f in QUESTION_FIELDS:
            setattr(question, f, row[f])
        question.order = order
        question.save()
    ThemeQuestion.objects.filter(pk__in=[q.pk for q in existing.values()]).delete()


def _sync_items(theme: Theme, rows: list[dict[str, Any]]) -> dict[str, ThemeMatter]:
    existing = {i.matter.code: i for i in theme.items.select_related("matter")}
    matters = {m.code: m for m in Matter.objects.filter(code__in=[r["matter"] for r in rows])}
    by_code: dict[str, ThemeMatter] = {}
    for order, row in enumerate(rows, start=1):
        item = existing.pop(row["matter"], None) or ThemeMatter(
            theme=theme, matter=matters[row["matter"]]
        )
        item.order = order
        item.condition = row["condition"]
        item.note = row["note"]
        item.save()
        by_code[row["matter"]] = item
    ThemeMatter.objects.filter(pk__in=[i.pk for i in existing.values()]).delete()
    for row in rows:
        by_code[row["matter"]].depends_on.set([by_code[d] for d in row["depends_on"]])
    return by_code


def _sync_fields(theme: Theme, rows: list[dict[str, Any]], items: dict[str, ThemeMatter]) -> None:
    existing = {f.key: f for f in theme.fields.all()}
    for order, row in enumerate(rows, start=1):
        field = existing.pop(row["key"], None) or ThemeFormField(theme=theme)
        for f in FIELD_FIELDS:
            setattr(field, f, row[f])
        field.order = order
        field.save()
        wanted = {m["matter"]: m["target"] for m in row["mappings"]}
        current = {m.item_id: m for m in field.mappings.all()}
        for code, target in wanted.items():
            mapping = current.pop(items[code].pk, None)
            if mapping is None:
                FieldMapping.objects.create(field=field, item=items[code], target=target)
            elif mapping.target != target:
                mapping.target = target
                mapping.save(update_fields=["target"])
        FieldMapping.objects.filter(pk__in=[m.pk for m in current.values()]).delete()
    ThemeFormField.objects.filter(pk__in=[f.pk for f in existing.values()]).delete()


@transaction.atomic
def theme_upsert(data: Mapping[str, Any], *, actor=None) -> tuple[Theme, bool]:
    """Create or update a theme with its questions, matters, dependencies and merged form.
    Returns (theme, changed); content equal to what is stored writes nothing."""
    clean = theme_validate(data)
    theme = Theme.objects.select_for_update(no_key=True).filter(code=clean["code"]).first()
    if theme is not None and theme_to_dict(theme) == clean:
        return theme, False
    created = theme is None
    if theme is None:
        theme = Theme(code=clean["code"])
    for f in THEME_FIELDS:
        setattr(theme, f, clean[f])
    theme.lead_department = Department.objects.get(code=clean["lead_department"])
    theme.save()
    _sync_questions(theme, clean["questions"])
    items = _sync_items(theme, clean["items"])
    _sync_fields(theme, clean["fields"], items)
    audit_append(
        action="theme.publish",
        actor=_actor_name(actor),
        object_type="theme",
        object_id=theme.code,
        data={
            "created": created,
            "status": theme.status,
            "matters": len(clean["items"]),
            "hash": content_hash(clean),
        },
    )
    return theme, True
