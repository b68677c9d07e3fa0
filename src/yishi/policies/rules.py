"""Eligibility rules: a small JSON language over the person and company registries, with two
evaluators that must agree — `evaluate` (one subject, in Python, with an explanation) and
`eligible_queryset` (every eligible subject, one SQL query built from ORM expressions).

Nodes
    {"field": F, "op": OP, "value": V}      comparison on a catalogue field (see field_catalogue)
    {"all": [...]} / {"any": [...]}         and / or (non-empty)
    {"not": {...}}                          negation
    {"has_licence": "<LicenceType.code>"}  holds a licence of that type valid on the date
    {"count": {"of": "licences", "op": "ge", "value": 2, "type": "<code>"?}}

Null semantics (identical in both evaluators): an empty string in a text/choice field counts as
NULL; every comparison (eq, ne, lt, le, gt, ge, in, not_in, between, startswith) with a NULL field
is false; is_null / not_null test for it; `not` is two-valued negation, so `not` of a comparison
on a NULL field is true. The SQL side pushes every `not` down to the leaves (negation normal
form); a positive comparison on NULL is unknown and drops the row like false, and a negated
leaf on a nullable column reads "NOT (cmp) OR column IS NULL" — so SQL's three-valued logic
never leaks through a NOT, and the query keeps the shape (and indexes) of a hand-written one.
The hypothesis tests in tests/policies/test_rules_agreement.py check the two agree.

Age: full years at the reference date. Someone born on 29 February becomes a year older on
1 March in common years (the birthday has not passed on 28 February). In SQL, "age >= n" is
"birth_date <= (the date n years before `on`, clamped to the month's last day)", which is exact
and uses the birth_date index.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Left
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)

from yishi.core.dates import full_years
from yishi.core.errors import ValidationFailed
from yishi.people.models import Company, Person

SUBJECT_PERSON = "person"
SUBJECT_COMPANY = "company"
SUBJECTS = (SUBJECT_PERSON, SUBJECT_COMPANY)

MAX_DEPTH = 10
MAX_NODES = 200

TYPE_LABELS = {
    "int": "整数",
    "decimal": "数值",
    "date": "日期",
    "bool": "是/否",
    "str": "文本",
    "choice": "选项",
}

OPS = (
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "in",
    "not_in",
    "between",
    "is_null",
    "not_null",
    "startswith",
)
_ORDERED_OPS = (
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "in",
    "not_in",
    "between",
    "is_null",
    "not_null",
)
OPS_BY_TYPE = {
    "int": _ORDERED_OPS,
    "decimal": _ORDERED_OPS,
    "date": _ORDERED_OPS,
    "bool": ("eq", "ne"),
    "str": ("eq", "ne", "in", "not_in", "startswith", "is_null", "not_null"),
    "choice": ("eq", "ne", "in", "not_in", "is_null", "not_null"),
}
COUNT_OPS = ("eq", "ne", "lt", "le", "gt", "ge")
OP_SYMBOLS = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
    "in": "属于",
    "not_in": "不属于",
    "between": "介于",
    "is_null": "为空",
    "not_null": "不为空",
    "startswith": "开头为",
}

# GB/T 4754-2017 门类 (sections).
INDUSTRY_SECTIONS = (
    ("A", "农、林、牧、渔业"),
    ("B", "采矿业"),
    ("C", "制造业"),
    ("D", "电力、热力、燃气及水生产和供应业"),
    ("E", "建筑业"),
    ("F", "批发和零售业"),
    ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"),
    ("J", "金融业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"),
    ("N", "水利、环境和公共设施管理业"),
    ("O", "居民服务、修理和其他服务业"),
    ("P", "教育"),
    ("Q", "卫生和社会工作"),
    ("R", "文化、体育和娱乐业"),
    ("S", "公共管理、社会保障和社会组织"),
    ("T", "国际组织"),
)

_INT_LIMIT = 1_000_000_000
_AGE_LIMIT = 150
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class FieldSpec:
    """A name usable in rules: its value type, Chinese label and, for choices, (code, label)s.
    `computed` fields (age, alive, …) are derived from stored columns at the reference date."""

    name: str
    type: str
    label: str
    choices: tuple[tuple[Any, str], ...] | None = None
    computed: bool = False
    # Whether a subject could still come to meet a condition on this field by acting (apply
    # for something, register, keep paying, hire): only such unmet conditions make a policy
    # "nearly" met. Identity and standing (age, sex, hukou, a disability, founding date) are
    # not attainable. `presence_attainable`: the same for "为空/不为空" (is_null/not_null),
    # which on a status field asks whether the subject has the status at all — by default no.
    attainable: bool = True
    presence_attainable: bool = False

    def choice_label(self, value: Any) -> str:
        for code, label in self.choices or ():
            if code == value:
                return label
        return str(value)


@dataclass(frozen=True)
class ConditionResult:
    text: str
    held: bool
    # The condition in plain words with the subject's value ("从业人数需达到 3（目前为 2）")
    # and whether the subject could still meet it (see FieldSpec.attainable).
    plain: str = ""
    attainable: bool = False


@dataclass(frozen=True)
class Evaluation:
    eligible: bool
    conditions: list[ConditionResult] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # The failed conditions behind `missing`, one for one, with plain text and attainability.
    unmet: list[ConditionResult] = field(default_factory=list)

    @property
    def nearly_met_by(self) -> list[str]:
        """Plain texts of the unmet conditions when every one is attainable, else []."""
        if not self.unmet or not all(c.attainable for c in self.unmet):
            return []
        return [c.plain for c in self.unmet]


# --- catalogue ------------------------------------------------------------------------------


def _spec(model, name: str, type_: str, *, choices=None, attainable: bool = True) -> FieldSpec:
    label = str(model._meta.get_field(name).verbose_name)
    return FieldSpec(
        name,
        type_,
        label,
        tuple(choices) if choices is not None else None,
        attainable=attainable,
    )


FIXED = {"attainable": False}  # identity or standing: never "nearly" met


def _person_catalogue() -> dict[str, FieldSpec]:
    P = Person
    specs = [
        FieldSpec("age", "int", "年龄", computed=True, **FIXED),
        FieldSpec("alive", "bool", "在世", computed=True, **FIXED),
        _spec(P, "birth_date", "date", **FIXED),
        _spec(P, "sex", "choice", choices=P.Sex.choices, **FIXED),
        _spec(P, "region_code", "str", **FIXED),  # 户籍: not moved to get a benefit
        _spec(P, "deceased_on", "date", **FIXED),
        _spec(P, "low_income_household", "bool"),  # one may apply for 低保
        _spec(P, "disability_type", "choice", choices=P.DisabilityType.choices, **FIXED),
        _spec(P, "disability_grade", "int", choices=P.DisabilityGrade.choices, **FIXED),
        _spec(P, "needs_long_term_care", "bool"),  # one may ask for a care-needs assessment
        _spec(P, "employment_status", "choice", choices=P.EmploymentStatus.choices, **FIXED),
        _spec(P, "unemployment_registered", "bool"),  # one may register
        _spec(P, "unemployment_insured_months", "int"),  # one may keep paying
        _spec(P, "left_job_involuntarily", "bool", **FIXED),
        _spec(P, "pension_status", "choice", choices=P.PensionStatus.choices, **FIXED),
    ]
    return {s.name: s for s in specs}


def _company_catalogue() -> dict[str, FieldSpec]:
    C = Company
    specs = [
        _spec(C, "industry_code", "str", **FIXED),
        FieldSpec(
            "industry_section", "choice", "行业门类", INDUSTRY_SECTIONS, computed=True, **FIXED
        ),
        _spec(C, "size_class", "choice", choices=C.SizeClass.choices, **FIXED),
        _spec(C, "registration_date", "date", **FIXED),
        FieldSpec("years_since_registration", "int", "成立年限", computed=True, **FIXED),
        _spec(C, "employees", "int"),  # one may hire
        _spec(C, "paid_in_capital", "decimal"),  # one may pay in capital
        _spec(C, "tax_credit_grade", "choice", choices=C.TaxCreditGrade.choices),  # 信用修复
        _spec(C, "status", "choice", choices=C.Status.choices, **FIXED),
        _spec(C, "key_project", "bool", **FIXED),
        _spec(C, "region_code", "str", **FIXED),
    ]
    return {s.name: s for s in specs}


PRESENCE_OPS = ("is_null", "not_null")


def leaf_attainable(node: dict, catalogue: dict[str, FieldSpec]) -> bool:
    """Whether a subject failing this leaf could still come to meet it: obtaining a licence
    or adding to a count can be done; a field condition as its FieldSpec declares."""
    if "has_licence" in node or "count" in node:
        return True
    spec = catalogue[node["field"]]
    if node["op"] in PRESENCE_OPS:
        return spec.attainable and spec.presence_attainable
    return spec.attainable


def _leaves(node: dict) -> list[dict]:
    if _is_leaf(node):
        return [node]
    children = node.get("all") or node.get("any") or ([node["not"]] if "not" in node else [])
    return [leaf for child in children for leaf in _leaves(child)]


_CATALOGUES: dict[str, dict[str, FieldSpec]] = {}

# Relations `count` may count, per subject: name -> Chinese label.
COUNTABLE = {
    SUBJECT_PERSON: {"licences": "有效证照"},
    SUBJECT_COMPANY: {"licences": "有效证照", "agents": "有效授权人员"},
}

# Computed "years since" fields: name -> the date column they are computed from.
_YEARS_SINCE = {"age": "birth_date", "years_since_registration": "registration_date"}


def field_catalogue(subject: str) -> dict[str, FieldSpec]:
    """The fields a rule for `subject` ("person" or "company") may name."""
    if subject not in SUBJECTS:
        raise ValidationFailed(
            f"未知的主体类型“{subject}”，应为 person 或 company", field="subject"
        )
    if subject not in _CATALOGUES:
        build = _person_catalogue if subject == SUBJECT_PERSON else _company_catalogue
        _CATALOGUES[subject] = build()
    return _CATALOGUES[subject]


def _model(subject: str):
    return Person if subject == SUBJECT_PERSON else Company


def fields_read(rule: dict, subject: str) -> list[str]:
    """The registry columns evaluating a (validated) rule reads, in the model's field order:
    computed fields name the column they come from (age → birth_date, alive → deceased_on);
    has_licence / count name the relation ("licences", "agents"), after the columns. This is
    what a read of one subject's eligibility is recorded as having looked at."""
    catalogue = field_catalogue(subject)
    found: set[str] = set()

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        for key in ("all", "any"):
            for child in node.get(key) or ():
                walk(child)
        if "not" in node:
            walk(node["not"])
        if "has_licence" in node:
            found.add("licences")
        if isinstance(node.get("count"), dict):
            found.add(str(node["count"].get("of")))
        name = node.get("field")
        if isinstance(name, str) and name in catalogue:
            if name in _YEARS_SINCE:
                found.add(_YEARS_SINCE[name])
            elif name == "alive":
                found.add("deceased_on")
            elif name == "industry_section":
                found.add("industry_code")
            else:
                found.add(name)

    walk(rule)
    columns = [f.name for f in _model(subject)._meta.concrete_fields if f.name in found]
    return columns + sorted(found - set(columns))


# --- validation -----------------------------------------------------------------------------


def validate_rule(rule: dict, subject: str) -> None:
    """Refuse anything either evaluator could not evaluate exactly the same way, with a Chinese
    message naming the field and a JSON path ("rule.all[1].field") in `field`."""
    catalogue = field_catalogue(subject)
    counter = [0]
    _validate_node(rule, subject, catalogue, "rule", 1, counter)


def _fail(message: str, path: str) -> None:
    raise ValidationFailed(message, field=path)


def _validate_node(node, subject, catalogue, path, depth, counter) -> None:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        _fail(f"规则过于复杂：条件不能超过 {MAX_NODES} 个", "rule")
    if depth > MAX_DEPTH:
        _fail(f"规则嵌套过深：不能超过 {MAX_DEPTH} 层", path)
    if not isinstance(node, dict) or not node:
        _fail("规则条件必须是非空的 JSON 对象", path)
    keys = set(node)
    if keys & {"all", "any"}:
        if len(keys) != 1:
            _fail("all / any 条件中不能有其他键：" + "、".join(sorted(keys)), path)
        (kind,) = keys
        children = node[kind]
        if not isinstance(children, list) or not children:
            _fail(f"“{kind}”必须是非空的条件列表", f"{path}.{kind}")
        for i, child in enumerate(children):
            _validate_node(child, subject, catalogue, f"{path}.{kind}[{i}]", depth + 1, counter)
        return
    if "not" in keys:
        if len(keys) != 1:
            _fail("not 条件中不能有其他键：" + "、".join(sorted(keys)), path)
        _validate_node(node["not"], subject, catalogue, f"{path}.not", depth + 1, counter)
        return
    if "has_licence" in keys:
        if len(keys) != 1:
            _fail("has_licence 条件中不能有其他键", path)
        _validate_licence_type(node["has_licence"], f"{path}.has_licence")
        return
    if "count" in keys:
        if len(keys) != 1:
            _fail("count 条件中不能有其他键", path)
        _validate_count(node["count"], subject, f"{path}.count")
        return
    if "field" in keys:
        _validate_leaf(node, catalogue, path)
        return
    _fail(
        "无法识别的规则条件：应包含 field、all、any、not、has_licence 或 count 之一，实际为 "
        + "、".join(sorted(map(str, keys))),
        path,
    )


def _validate_licence_type(code, path: str) -> None:
    from yishi.licences.models import LicenceType

    if not isinstance(code, str) or not code:
        _fail("证照类型代码必须是非空文本", path)
    if not LicenceType.objects.filter(code=code).exists():
        _fail(f"未知的证照类型代码“{code}”", path)


def _validate_count(spec, subject: str, path: str) -> None:
    if not isinstance(spec, dict):
        _fail('count 必须是 JSON 对象，如 {"of": "licences", "op": "ge", "value": 2}', path)
    allowed = {"of", "op", "value"} | ({"type"} if spec.get("of") == "licences" else set())
    extra = set(spec) - allowed
    if extra:
        _fail("count 中有无法识别的键：" + "、".join(sorted(map(str, extra))), path)
    of = spec.get("of")
    if of not in COUNTABLE[subject]:
        names = "、".join(COUNTABLE[subject])
        _fail(f"count 不能统计“{of}”：可统计的有 {names}", f"{path}.of")
    if spec.get("op") not in COUNT_OPS:
        _fail(f"count 不支持运算符“{spec.get('op')}”：可用 {'、'.join(COUNT_OPS)}", f"{path}.op")
    value = spec.get("value")
    if not _is_int(value) or not 0 <= value <= _INT_LIMIT:
        _fail(f"count 的 value 必须是非负整数，实际为 {value!r}", f"{path}.value")
    if "type" in spec:
        _validate_licence_type(spec["type"], f"{path}.type")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_leaf(node: dict, catalogue: dict[str, FieldSpec], path: str) -> None:
    extra = set(node) - {"field", "op", "value"}
    if extra:
        _fail("条件中有无法识别的键：" + "、".join(sorted(map(str, extra))), path)
    name = node["field"]
    spec = catalogue.get(name) if isinstance(name, str) else None
    if spec is None:
        _fail(f"未知字段“{name}”：可用字段为 {'、'.join(catalogue)}", f"{path}.field")
    op = node.get("op")
    if op not in OPS:
        _fail(f"字段“{spec.label}”({name})的运算符“{op}”无法识别", f"{path}.op")
    if op not in OPS_BY_TYPE[spec.type]:
        _fail(
            f"字段“{spec.label}”({name})是{TYPE_LABELS[spec.type]}，不支持运算符“{op}”"
            f"（可用：{'、'.join(OPS_BY_TYPE[spec.type])}）",
            f"{path}.op",
        )
    vpath = f"{path}.value"
    if op in ("is_null", "not_null"):
        if "value" in node:
            _fail(f"运算符“{op}”不需要 value", vpath)
        return
    if "value" not in node:
        _fail(f"字段“{spec.label}”({name})的条件缺少 value", vpath)
    value = node["value"]
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            _fail(f"运算符“{op}”的 value 必须是非空列表", vpath)
        for i, item in enumerate(value):
            _check_scalar(spec, item, f"{vpath}[{i}]", membership=True)
    elif op == "between":
        if not isinstance(value, list) or len(value) != 2:
            _fail("运算符“between”的 value 必须是 [下限, 上限]", vpath)
        lo = _check_scalar(spec, value[0], f"{vpath}[0]")
        hi = _check_scalar(spec, value[1], f"{vpath}[1]")
        if lo > hi:
            _fail(f"字段“{spec.label}”({name})的范围下限不能大于上限", vpath)
    elif op == "startswith":
        _check_scalar(spec, value, vpath)
    else:
        _check_scalar(spec, value, vpath, membership=op in ("eq", "ne"))


def _describe_json(value) -> str:
    if isinstance(value, bool):
        return "布尔值 " + ("true" if value else "false")
    if isinstance(value, int | float):
        return f"数字 {value}"
    if isinstance(value, str):
        return f"文本“{value}”"
    if value is None:
        return "null"
    return "列表或对象"


def _check_scalar(spec: FieldSpec, value, path: str, *, membership: bool = False):
    """Check one comparison value against the field's type; return it converted."""
    who = f"字段“{spec.label}”({spec.name})是{TYPE_LABELS[spec.type]}"
    wrong = f"{who}，不能与{_describe_json(value)}比较"
    if spec.type == "int":
        if not _is_int(value):
            _fail(wrong, path)
        limit = _AGE_LIMIT if spec.name == "age" else _INT_LIMIT
        low = 0 if spec.name == "age" else -_INT_LIMIT
        if not low <= value <= limit:
            _fail(f"{who}，取值应在 {low} 至 {limit} 之间", path)
        if membership and spec.choices and value not in {c for c, _ in spec.choices}:
            _fail(f"{who}，取值“{value}”不在可选值 {_choice_codes(spec)} 中", path)
        return value
    if spec.type == "decimal":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            _fail(wrong, path)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            _fail(f"{who}，“{value}”不是数字", path)
        if not number.is_finite() or abs(number) >= Decimal(10) ** 12:
            _fail(f"{who}，“{value}”超出范围", path)
        if number.as_tuple().exponent < -2:
            _fail(f"{who}，最多两位小数", path)
        return number
    if spec.type == "date":
        if not isinstance(value, str):
            _fail(wrong, path)
        try:
            if not _DATE_RE.match(value):
                raise ValueError
            return datetime.date.fromisoformat(value)
        except ValueError:
            _fail(f"{who}，“{value}”不是 YYYY-MM-DD 格式的日期", path)
    if spec.type == "bool":
        if not isinstance(value, bool):
            _fail(wrong, path)
        return value
    # str / choice
    if not isinstance(value, str):
        _fail(wrong, path)
    if spec.type == "choice" and value not in {c for c, _ in spec.choices or ()}:
        _fail(f"{who}，取值“{value}”不在可选值 {_choice_codes(spec)} 中", path)
    if value == "":
        _fail(f"{who}，取值不能为空文本（判断是否为空请用 is_null / not_null）", path)
    if len(value) > 100:
        _fail(f"{who}，取值过长", path)
    return value


def _choice_codes(spec: FieldSpec) -> str:
    return "、".join(f"{c}({label})" for c, label in spec.choices or ())


# --- shared helpers -------------------------------------------------------------------------


def _years_before(on: datetime.date, years: int) -> datetime.date | None:
    """The latest date d with "full years from d to `on`" >= years, or None when no date can
    be that old (before year 1). A 29 February `on` in a common target year clamps to 28th."""
    year = on.year - years
    if year < 1:
        return None
    if year > 9999:
        return datetime.date.max
    day = min(on.day, calendar.monthrange(year, on.month)[1])
    return datetime.date(year, on.month, day)


def _licence_q(on: datetime.date, type_code: str | None) -> Q:
    from yishi.licences.models import Licence

    q = Q(status=Licence.Status.VALID, valid_from__lte=on) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )
    if type_code is not None:
        q &= Q(type__code=type_code)
    return q


def _normalise(spec: FieldSpec, value):
    if spec.type == "decimal":
        return Decimal(str(value))
    if spec.type == "date":
        return datetime.date.fromisoformat(value)
    return value


# --- Python evaluator -----------------------------------------------------------------------


def _actual(spec: FieldSpec, obj, on: datetime.date):
    """The subject's value for a catalogue field, with "" mapped to None."""
    if spec.name in _YEARS_SINCE:
        return full_years(getattr(obj, _YEARS_SINCE[spec.name]), on)
    if spec.name == "alive":
        return obj.deceased_on is None or obj.deceased_on > on
    if spec.name == "industry_section":
        return (obj.industry_code or "")[:1] or None
    value = getattr(obj, spec.name)
    if value == "" and spec.type in ("str", "choice"):
        return None
    if spec.type == "decimal" and value is not None:
        return Decimal(value)
    return value


def _compare(op: str, actual, value) -> bool:
    if op == "is_null":
        return actual is None
    if op == "not_null":
        return actual is not None
    if actual is None:
        return False
    if op == "eq":
        return actual == value
    if op == "ne":
        return actual != value
    if op == "lt":
        return actual < value
    if op == "le":
        return actual <= value
    if op == "gt":
        return actual > value
    if op == "ge":
        return actual >= value
    if op == "in":
        return actual in value
    if op == "not_in":
        return actual not in value
    if op == "between":
        return value[0] <= actual <= value[1]
    if op == "startswith":
        return str(actual).startswith(value)
    raise ValueError(op)


def _related_rows(obj, relation: str) -> list:
    cache = getattr(obj, "_prefetched_objects_cache", {})
    if relation in cache:
        return list(cache[relation])
    manager = getattr(obj, relation)
    if relation == "licences":
        return list(manager.select_related("type"))
    return list(manager.all())


def _count_related(obj, relation: str, on: datetime.date, type_code: str | None) -> int:
    rows = _related_rows(obj, relation)
    if relation == "agents":  # verified authorisations in force on the day
        return sum(
            1
            for a in rows
            if a.revoked_at is None
            and a.verified_at is not None
            and (a.authorised_until is None or a.authorised_until >= on)
        )
    return sum(
        1
        for lic in rows
        if lic.status == "valid"
        and lic.valid_from <= on
        and (lic.valid_until is None or lic.valid_until >= on)
        and (type_code is None or lic.type.code == type_code)
    )


class _Evaluator:
    def __init__(self, subject: str, on: datetime.date, *, explain: bool = True):
        self.subject = subject
        self.on = on
        self.explain = explain
        self.catalogue = field_catalogue(subject)
        self.conditions: list[ConditionResult] = []
        self.names: dict[str, str] = {}

    def node(self, node: dict) -> tuple[bool, list[ConditionResult]]:
        """(held, unmet conditions) for one node; leaves append to self.conditions."""
        if "all" in node:
            results = [self.node(c) for c in node["all"]]
            held = all(h for h, _ in results)
            return held, [] if held else [m for h, ms in results if not h for m in ms]
        if "any" in node:
            results = [self.node(c) for c in node["any"]]
            held = any(h for h, _ in results)
            return held, [] if held else [m for _, ms in results for m in ms]
        if "not" in node:
            child = node["not"]
            if _is_leaf(child):
                inner, actual = self.leaf(child)
                held = not inner
                text = self.text(child, actual, negated=True)
                plain = self.plain(child, negated=True) if self.explain else ""
                attainable = leaf_attainable(child, self.catalogue)
            else:
                saved = self.conditions
                self.conditions = []
                inner, _ = self.node(child)
                self.conditions = saved
                held = not inner
                text = self.text(child, None, negated=True)
                plain = f"不满足“{text[3:-1]}”" if self.explain else ""
                attainable = all(leaf_attainable(n, self.catalogue) for n in _leaves(child))
        else:
            held, actual = self.leaf(node)
            text = self.text(node, actual)
            plain = self.plain(node) if self.explain else ""
            attainable = leaf_attainable(node, self.catalogue)
        if not self.explain:
            return held, []
        result = ConditionResult(text, held, plain, attainable)
        self.conditions.append(result)
        return held, [] if held else [result]

    def plain(self, node: dict, *, negated: bool = False) -> str:
        """The leaf in plain words with the subject's value, for near-miss explanations."""
        return _plain_leaf(node, self.catalogue, self.obj, self.on, self.names, negated=negated)

    def text(self, node: dict, actual: str | None, *, negated: bool = False) -> str:
        if not self.explain:
            return ""
        if _is_leaf(node):
            body = _describe_leaf(node, self.catalogue, self.names)
        else:
            body = _describe(node, self.catalogue, top=True, names=self.names)
        if negated:
            body = f"并非「{body}」"
        return body if actual is None else f"{body}（实际 {actual}）"

    def leaf(self, node: dict) -> tuple[bool, str | None]:
        """(held, the subject's actual value as shown) for a leaf: a field comparison,
        has_licence or count."""
        if "has_licence" in node:
            n = _count_related(self.obj, "licences", self.on, node["has_licence"])
            return n > 0, "持有" if n else "未持有"
        if "count" in node:
            spec = node["count"]
            n = _count_related(self.obj, spec["of"], self.on, spec.get("type"))
            return _compare(spec["op"], n, spec["value"]), str(n)
        spec = self.catalogue[node["field"]]
        op = node["op"]
        actual = _actual(spec, self.obj, self.on)
        value = node.get("value")
        if op in ("in", "not_in", "between"):
            value = [_normalise(spec, v) for v in value]
        elif value is not None:
            value = _normalise(spec, value)
        shown = _format_value(spec, actual) if self.explain else None
        return _compare(op, actual, value), shown

    def run(self, rule: dict, obj) -> Evaluation:
        self.obj = obj
        held, unmet = self.node(rule)
        return Evaluation(
            eligible=held,
            conditions=self.conditions,
            missing=[c.text for c in unmet],
            unmet=unmet,
        )


def _is_leaf(node: dict) -> bool:
    return "field" in node or "has_licence" in node or "count" in node


def evaluate(rule: dict, subject_obj, on: datetime.date, *, explain: bool = True) -> Evaluation:
    """Evaluate a (validated) rule for one Person or Company at date `on`, explaining which
    leaf conditions held. `missing` lists the failed conditions that made the rule fail (those
    under an `any` that held are not missing). explain=False skips the texts (conditions and
    missing stay empty) for bulk use."""
    subject = SUBJECT_PERSON if isinstance(subject_obj, Person) else SUBJECT_COMPANY
    return _Evaluator(subject, on, explain=explain).run(rule, subject_obj)


# --- SQL compiler ---------------------------------------------------------------------------


class _Compiler:
    """Rule → Q in negation normal form: `not` is pushed down to the leaves (De Morgan), so no
    SQL NOT ever wraps a subexpression that could be NULL except at a leaf, where the NULL case
    is spelled out. A positive leaf needs no guard (NULL compares unknown, the row drops out,
    as in Python); a negated leaf adds "OR column IS NULL" (and "= ''" for text) on nullable
    columns only. The SQL stays as lean as a hand-written query and keeps its indexes."""

    def __init__(self, subject: str, on: datetime.date):
        self.subject = subject
        self.on = on
        self.catalogue = field_catalogue(subject)
        self.model = _model(subject)

    def node(self, node: dict, negated: bool = False) -> Q:
        if "all" in node or "any" in node:
            conjunction = "all" in node
            children = node["all"] if conjunction else node["any"]
            if negated:
                conjunction = not conjunction
            parts = [self.node(child, negated) for child in children]
            if not parts:
                # all([]) is true and any([]) false (validation refuses both anyway)
                return Q() if conjunction else Q(pk__in=[])
            q = parts[0]
            for part in parts[1:]:
                q = (q & part) if conjunction else (q | part)
            return q
        if "not" in node:
            return self.node(node["not"], not negated)
        if "has_licence" in node:
            q = Q(Exists(self._licences(node["has_licence"])))
        elif "count" in node:
            q = self.count(node["count"])
        else:
            return self.leaf(node, negated)
        return ~q if negated else q  # Exists and a coalesced count are never NULL

    def _licences(self, type_code: str | None):
        from yishi.licences.models import Licence

        holder = "person" if self.subject == SUBJECT_PERSON else "company"
        return Licence.objects.filter(**{holder: OuterRef("pk")}).filter(
            _licence_q(self.on, type_code)
        )

    def count(self, spec: dict) -> Q:
        if spec["of"] == "licences":
            rows = self._licences(spec.get("type"))
            key = "person" if self.subject == SUBJECT_PERSON else "company"
        else:
            from yishi.people.models import CompanyAgent

            rows = CompanyAgent.objects.filter(
                Q(authorised_until__isnull=True) | Q(authorised_until__gte=self.on),
                company=OuterRef("pk"),
                revoked_at__isnull=True,
                verified_at__isnull=False,
            )
            key = "company"
        counted = rows.order_by().values(key).annotate(n=Count("pk")).values("n")
        n = Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
        if spec["op"] == "ne":
            return ~Q(Exact(n, spec["value"]))
        return Q(_LOOKUPS[spec["op"]](n, spec["value"]))

    def _column(self, spec: FieldSpec) -> str:
        if spec.name in _YEARS_SINCE:
            return _YEARS_SINCE[spec.name]
        if spec.name == "industry_section":
            return "industry_code"
        return spec.name

    def absent(self, spec: FieldSpec) -> Q | None:
        """When the field counts as NULL (None if it never does)."""
        field = self.model._meta.get_field(self._column(spec))
        q = Q(**{f"{field.name}__isnull": True}) if field.null else None
        if spec.type in ("str", "choice") and field.blank and not field.null:
            q = Q(**{field.name: ""})
        elif spec.type in ("str", "choice") and field.blank:
            q |= Q(**{field.name: ""})
        return q

    def leaf(self, node: dict, negated: bool) -> Q:
        spec = self.catalogue[node["field"]]
        op = node["op"]
        absent = None if spec.name == "alive" else self.absent(spec)
        if op in ("is_null", "not_null"):
            if absent is None:
                holds = Q(pk__in=[])
                return ~holds if negated == (op == "is_null") else holds
            return absent if negated == (op == "not_null") else ~absent
        if spec.name == "alive":
            alive = Q(deceased_on__isnull=True) | Q(deceased_on__gt=self.on)
            return alive if ((op == "eq") == node["value"]) != negated else ~alive
        raw = node["value"]
        if op in ("in", "not_in", "between"):
            value = [_normalise(spec, v) for v in raw]
        else:
            value = _normalise(spec, raw)
        if spec.name in _YEARS_SINCE:
            q = self.years_since(_YEARS_SINCE[spec.name], op, value)
        else:
            if spec.name == "industry_section":
                lhs = Left(F("industry_code"), 1, output_field=CharField())
            else:
                lhs = F(spec.name)
            q = self.compare(lhs, op, value)
            if op in ("ne", "not_in") and spec.type in ("str", "choice"):
                q &= ~Q(Exact(F(self._column(spec)), ""))  # "" counts as NULL
        if not negated:
            return q
        return ~q | absent if absent is not None else ~q

    def compare(self, lhs, op: str, value) -> Q:
        if op == "ne":
            return ~Q(Exact(lhs, value))
        if op == "not_in":
            return ~Q(In(lhs, value))
        if op == "between":
            return Q(GreaterThanOrEqual(lhs, value[0])) & Q(LessThanOrEqual(lhs, value[1]))
        if op == "startswith":
            return Q(Exact(Left(lhs, len(value), output_field=CharField()), value))
        return Q(_LOOKUPS[op](lhs, value))

    def years_since(self, column: str, op: str, n) -> Q:
        """Full years since `column` compared with n, as ranges on the column itself: exact,
        and the column's index applies. NULL dates drop out (positive context)."""
        col = F(column)
        nothing = Q(pk__in=[])

        def at_least(k: int) -> Q:
            cutoff = _years_before(self.on, k)
            return nothing if cutoff is None else Q(LessThanOrEqual(col, cutoff))

        def at_most(k: int) -> Q:
            cutoff = _years_before(self.on, k + 1)
            return Q(IsNull(col, False)) if cutoff is None else Q(GreaterThan(col, cutoff))

        def equal(k: int) -> Q:
            return at_least(k) & at_most(k)

        if op == "ge":
            return at_least(n)
        if op == "gt":
            return at_least(n + 1)
        if op == "le":
            return at_most(n)
        if op == "lt":
            return at_most(n - 1)
        if op == "eq":
            return equal(n)
        if op == "between":
            return at_least(n[0]) & at_most(n[1])
        if op == "in":
            q = equal(n[0])
            for k in n[1:]:
                q |= equal(k)
            return q
        # ne / not_in: the complement among persons whose date is known
        excluded = equal(n) if op == "ne" else self.years_since(column, "in", n)
        return Q(IsNull(col, False)) & ~excluded


_LOOKUPS = {
    "eq": Exact,
    "lt": LessThan,
    "le": LessThanOrEqual,
    "gt": GreaterThan,
    "ge": GreaterThanOrEqual,
    "in": In,
}


def eligibility_q(rule: dict, subject: str, on: datetime.date) -> Q:
    """The rule as one Q over Person/Company (for callers combining it with other filters)."""
    return _Compiler(subject, on).node(rule)


def eligible_queryset(rule: dict, subject: str, on: datetime.date) -> QuerySet:
    """Every Person/Company the (validated) rule selects at `on`: one SQL query, no per-row
    Python. Does not add "alive" or "status=active" by itself: rules say so explicitly."""
    field_catalogue(subject)  # rejects an unknown subject
    return _model(subject).objects.filter(eligibility_q(rule, subject, on))


# --- descriptions ---------------------------------------------------------------------------


def _format_value(spec: FieldSpec, value) -> str:
    if value is None or value == "":
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if spec.choices:
        return spec.choice_label(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _licence_type_name(code: str, names: dict[str, str] | None = None) -> str:
    """The licence type's name (cached in `names` when given: one query per code per call)."""
    from yishi.licences.models import LicenceType

    if names is not None and code in names:
        return names[code]
    name = LicenceType.objects.filter(code=code).values_list("name", flat=True).first() or code
    if names is not None:
        names[code] = name
    return name


def _describe_leaf(node: dict, catalogue: dict[str, FieldSpec], names=None) -> str:
    if "has_licence" in node:
        return f"持有有效的“{_licence_type_name(node['has_licence'], names)}”"
    if "count" in node:
        spec = node["count"]
        what = COUNTABLE[SUBJECT_COMPANY].get(spec["of"], spec["of"])
        if spec.get("type"):
            what = f"有效的“{_licence_type_name(spec['type'], names)}”"
        return f"{what}数量 {OP_SYMBOLS[spec['op']]} {spec['value']}"
    spec = catalogue[node["field"]]
    op = node["op"]
    if op in ("is_null", "not_null"):
        return f"{spec.label}{OP_SYMBOLS[op]}"
    raw = node["value"]
    if op in ("in", "not_in"):
        shown = "、".join(_format_value(spec, _normalise(spec, v)) for v in raw)
        return f"{spec.label} {OP_SYMBOLS[op]} {shown}"
    if op == "between":
        lo, hi = (_format_value(spec, _normalise(spec, v)) for v in raw)
        return f"{spec.label} 介于 {lo} 至 {hi}"
    if op == "startswith":
        return f"{spec.label} 以 {raw} 开头"
    return f"{spec.label} {OP_SYMBOLS[op]} {_format_value(spec, _normalise(spec, raw))}"


def _describe(node: dict, catalogue, *, top: bool = False, names=None) -> str:
    if "all" in node:
        text = " 且 ".join(_describe(c, catalogue, names=names) for c in node["all"])
        return text if top or len(node["all"]) == 1 else f"（{text}）"
    if "any" in node:
        text = " 或 ".join(_describe(c, catalogue, names=names) for c in node["any"])
        return text if top or len(node["any"]) == 1 else f"（{text}）"
    if "not" in node:
        return f"并非「{_describe(node['not'], catalogue, top=True, names=names)}」"
    return _describe_leaf(node, catalogue, names)


# Plain words for a requirement on a value, by operator (dates read as earlier/later).
_PLAIN_OPS = {"eq": "为", "ne": "不为", "lt": "低于", "le": "不超过", "gt": "超过", "ge": "达到"}
_PLAIN_DATE_OPS = {"lt": "早于", "le": "不晚于", "gt": "晚于", "ge": "不早于"}
_NEGATED_OP = {
    "eq": "ne",
    "ne": "eq",
    "lt": "ge",
    "ge": "lt",
    "le": "gt",
    "gt": "le",
    "in": "not_in",
    "not_in": "in",
    "is_null": "not_null",
    "not_null": "is_null",
}


def _plain_leaf(node, catalogue, obj, on, names, *, negated: bool = False) -> str:
    """A leaf as a plain Chinese requirement followed by the subject's situation:
    "从业人数需达到 3（目前为 2）", "需持有有效的“残疾人证”（目前未持有）"."""
    if "has_licence" in node:
        name = _licence_type_name(node["has_licence"], names)
        held = _count_related(obj, "licences", on, node["has_licence"]) > 0
        now = "（目前持有）" if held else "（目前未持有，可先申领）"
        return f"{'不能' if negated else '需'}持有有效的“{name}”{now}"
    if "count" in node:
        spec = node["count"]
        what = COUNTABLE[SUBJECT_COMPANY].get(spec["of"], spec["of"])
        if spec.get("type"):
            what = f"有效的“{_licence_type_name(spec['type'], names)}”"
        op = _NEGATED_OP[spec["op"]] if negated else spec["op"]
        n = _count_related(obj, spec["of"], on, spec.get("type"))
        return f"{what}数量需{_PLAIN_OPS[op]} {spec['value']}（目前为 {n}）"
    spec = catalogue[node["field"]]
    op = node["op"]
    if negated and op in _NEGATED_OP:
        op, negated = _NEGATED_OP[op], False
    actual = _actual(spec, obj, on)
    now = "（目前无登记信息）" if actual is None else f"（目前为 {_format_value(spec, actual)}）"
    label = spec.label
    if op == "is_null":
        return f"需无{label}登记{now}"
    if op == "not_null":
        return f"需有{label}登记{now}"
    raw = node["value"]
    if spec.type == "bool" and op in ("eq", "ne"):
        wanted = bool(raw) == (op == "eq")
        return f"需{'' if wanted else '不'}符合“{label}”（目前{'不' if wanted else ''}符合）"
    if op in ("in", "not_in"):
        shown = "、".join(_format_value(spec, _normalise(spec, v)) for v in raw)
        if op == "in":
            return f"{label}需为{shown}{'之一' if len(raw) > 1 else ''}{now}"
        return f"{label}不能为{shown}{now}"
    if op == "between":
        lo, hi = (_format_value(spec, _normalise(spec, v)) for v in raw)
        inside = "不在" if negated else "需在"
        return f"{label}{inside} {lo} 至 {hi} 之间{now}"
    if op == "startswith":
        return f"{label}{'不能' if negated else '需'}以 {raw} 开头{now}"
    words = _PLAIN_DATE_OPS if spec.type == "date" and op in _PLAIN_DATE_OPS else _PLAIN_OPS
    value = _format_value(spec, _normalise(spec, raw))
    if op == "ne":
        return f"{label}不能为 {value}{now}"
    return f"{label}需{words[op]} {value}{now}"


def describe(rule: dict, subject: str) -> str:
    """A one-line Chinese description of a (validated) rule, for pages."""
    return _describe(rule, field_catalogue(subject), top=True)
