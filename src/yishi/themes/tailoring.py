"""Tailoring (情形引导): the applicant's answers decide which matters and form fields of a theme
apply. A condition is JSON over the answers (see the themes.models docstring):

- ``{}`` always holds;
- ``{"all": [{"q": "<question>", "in": ["<value>", …]}, …]}`` holds when every clause holds;
- ``{"any": [ … ]}`` holds when one clause holds (accepted for administrators who need "or");
- a bare clause ``{"q": …, "in": […]}`` is read as ``{"all": [clause]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from yishi.core.errors import ValidationFailed
from yishi.themes.models import Theme, ThemeMatter, ThemeQuestion

YES, NO = "yes", "no"
YES_NO_LABELS = {YES: "是", NO: "否"}


def question_options(question: ThemeQuestion) -> dict[str, str]:
    """The values a question accepts, each with its label, in the order offered."""
    if question.kind == ThemeQuestion.Kind.YES_NO:
        return dict(YES_NO_LABELS)
    options: dict[str, str] = {}
    for choice in question.choices or []:
        value = str(choice.get("value", ""))
        options[value] = str(choice.get("label") or value)
    return options


def answer_label(question: ThemeQuestion, value: str) -> str:
    """An answer in words (是/否 or the choice's label)."""
    return question_options(question).get(value, value)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return YES if value else NO
    return "" if value is None else str(value).strip()


def validate_answers(theme: Theme, answers: Mapping[str, Any] | None) -> dict[str, str]:
    """The answers checked against the theme's questions, with defaults filled in.

    Raises ValidationFailed(field="answers.<code>") for a question the theme does not ask, a
    value that is not offered, or a question left unanswered that has no default.
    """
    questions = list(theme.questions.all())
    by_code = {q.code: q for q in questions}
    given = dict(answers or {})
    for code in given:
        if code not in by_code:
            raise ValidationFailed(
                f"主题「{theme.name}」没有编码为 {code} 的情形问题", field=f"answers.{code}"
            )
    cleaned: dict[str, str] = {}
    for question in questions:
        value = _as_text(given.get(question.code))
        if not value:
            value = question.default.strip()
        if not value:
            raise ValidationFailed(
                f"请回答问题「{question.text}」", field=f"answers.{question.code}"
            )
        options = question_options(question)
        if value not in options:
            offered = "、".join(f"{v}（{label}）" for v, label in options.items())
            raise ValidationFailed(
                f"问题「{question.text}」的答案 {value} 不是可选项，可选：{offered}",
                field=f"answers.{question.code}",
            )
        cleaned[question.code] = value
    return cleaned


def _clause_holds(clause: Mapping[str, Any], answers: Mapping[str, str]) -> bool:
    try:
        code, values = clause["q"], clause["in"]
    except (KeyError, TypeError):
        raise ValidationFailed(
            f'适用情形格式不正确：{clause!r} 应为 {{"q": 问题编码, "in": [答案…]}}',
            field="condition",
        ) from None
    if isinstance(values, str):
        values = [values]
    return answers.get(code) in {str(v) for v in values}


def condition_holds(condition: Mapping[str, Any] | None, answers: Mapping[str, str]) -> bool:
    """Whether a matter's or a field's condition holds for (validated) answers."""
    if not condition:
        return True
    if "q" in condition:
        return _clause_holds(condition, answers)
    unknown = set(condition) - {"all", "any"}
    if unknown:
        raise ValidationFailed(
            f"适用情形格式不正确：不支持的键 {'、'.join(sorted(unknown))}", field="condition"
        )
    holds = all(_clause_holds(c, answers) for c in condition.get("all", []))
    if "any" in condition:
        holds = holds and any(_clause_holds(c, answers) for c in condition["any"])
    return holds


def applicable_items(theme: Theme, answers: Mapping[str, Any] | None) -> list[ThemeMatter]:
    """The theme's matters that apply to the answers, in theme order; None means all of them.

    An item whose prerequisite does not apply still applies: the dependency simply drops out
    (see `prerequisites`).
    """
    items = list(theme.items.all())
    if answers is None:
        return items
    return select_applicable(items, validate_answers(theme, answers))


def select_applicable(
    items: Iterable[ThemeMatter], cleaned: Mapping[str, str]
) -> list[ThemeMatter]:
    """The items whose condition holds for answers already checked by `validate_answers`
    (lets a caller validate once and load the items its own way)."""
    return [item for item in items if condition_holds(item.condition, cleaned)]


def prerequisites(item: ThemeMatter, applicable: Iterable[ThemeMatter]) -> list[ThemeMatter]:
    """The item's prerequisites that are themselves applicable, in theme order."""
    by_id = {i.id: i for i in applicable}
    wanted = {d.id for d in item.depends_on.all()}
    return [i for i_id, i in by_id.items() if i_id in wanted]


def layers(theme: Theme, items: list[ThemeMatter]) -> list[list[ThemeMatter]]:
    """Topological layers of the items: layer 0 needs nothing, layer n needs something of layer
    n-1. Raises ValidationFailed naming the matters when the dependencies form a cycle."""
    needs = {item.id: [p.id for p in prerequisites(item, items)] for item in items}
    by_id = {item.id: item for item in items}
    level: dict[int, int] = {}
    remaining = list(items)
    while remaining:
        ready = [i for i in remaining if all(p in level for p in needs[i.id])]
        if not ready:
            cycle = _find_cycle(needs, {i.id for i in remaining})
            names = " → ".join(by_id[i].matter.name for i in cycle)
            raise ValidationFailed(
                f"主题「{theme.name}」的前置事项形成循环：{names}", field="depends_on"
            )
        for item in ready:
            level[item.id] = 1 + max((level[p] for p in needs[item.id]), default=-1)
        remaining = [i for i in remaining if i.id not in level]
    result: list[list[ThemeMatter]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for item in items:
        result[level[item.id]].append(item)
    return result


def _find_cycle(needs: dict[int, list[int]], stuck: set[int]) -> list[int]:
    """One cycle among the stuck items, closed (its first item repeated at the end)."""
    # Every stuck item needs another stuck item, so walking prerequisites must revisit one.
    path: list[int] = []
    seen: dict[int, int] = {}
    node = min(stuck)
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = next(p for p in needs[node] if p in stuck)
    # Shown in the catalog's direction: "A → B" means B needs A's result.
    cycle = [*path[seen[node] :], node]
    return list(reversed(cycle))
