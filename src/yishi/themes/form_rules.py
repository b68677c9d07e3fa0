"""Rules a theme's form gets from what its fields are, not from the theme: whom a field is
about and what it holds. A new theme gets them by naming its fields the same way.

Whom: a key prefix or a label word — mother_/母亲, father_/父亲, baby_/新生儿,
guardian_/监护人. Any other field is about the form's principal person: the newborn on a form
with newborn fields (新生儿出生: its 出生日期 is the baby's), else the applicant.

What: a 出生日期 (not in the future; a newborn's within the last year), a 时:分 time, an
amount or a count (by the unit in its label), a 性别 choice; and, across fields, an ID number
that agrees with the role (a mother's is a woman's) and with the sex and birth date the same
form states for the same person.

"Today" is the district's (Asia/Shanghai), whatever the server's zone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from yishi.core.errors import ValidationFailed
from yishi.core.validators import validate_ric
from yishi.themes.models import ThemeFormField

Kind = ThemeFormField.Kind
SHANGHAI = ZoneInfo("Asia/Shanghai")
EARLIEST = dt.date(1900, 1, 1)
FUTURE_YEARS = 10
APPLICANT = "applicant"


def today() -> dt.date:
    return timezone.localdate(timezone=SHANGHAI)


def now_local() -> dt.datetime:
    return timezone.localtime(timezone=SHANGHAI)


# ---------------------------------------------------------------- errors, all at once


@dataclass(frozen=True)
class FieldError:
    field: str
    label: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "label": self.label, "message": self.message}


class FormInvalid(ValidationFailed):
    """Every fault of a form, in form order. `message` and `field` are the first, for callers
    that show only one."""

    def __init__(self, errors: list[FieldError]):
        super().__init__(errors[0].message, field=errors[0].field)
        self.errors = errors

    @property
    def by_field(self) -> dict[str, str]:
        return {e.field: e.message for e in self.errors}


# ---------------------------------------------------------------- whom a field is about


@dataclass(frozen=True)
class Role:
    code: str
    word: str
    sex: str | None  # the sex the person's ID number must show


ROLES = (
    Role("mother", "母亲", "F"),
    Role("father", "父亲", "M"),
    Role("baby", "新生儿", None),
    Role("guardian", "监护人", None),
)
ROLE_BY_CODE = {r.code: r for r in ROLES}
COUNTERPART = {"mother": "father", "father": "mother"}


def _explicit_role(field: ThemeFormField) -> str | None:
    prefix = field.key.split("_", 1)[0]
    for role in ROLES:
        if prefix == role.code or field.label.startswith(role.word):
            return role.code
    return None


def person_roles(fields: Iterable[ThemeFormField]) -> dict[str, str]:
    """Field key → whom it is about (a role code, or "applicant")."""
    explicit = {f.key: _explicit_role(f) for f in fields}
    principal = "baby" if "baby" in explicit.values() else APPLICANT
    return {key: role or principal for key, role in explicit.items()}


def counterpart_key(key: str) -> str | None:
    """mother_id → father_id and back; None for a key of no parent."""
    prefix, sep, rest = key.partition("_")
    other = COUNTERPART.get(prefix)
    return f"{other}{sep}{rest}" if other and sep else None


# ---------------------------------------------------------------- what a field holds


def is_sex(field: ThemeFormField) -> bool:
    return field.key == "sex" or field.key.endswith("_sex") or field.label.endswith("性别")


def is_birth_date(field: ThemeFormField) -> bool:
    return field.kind == Kind.DATE and ("birth" in field.key or "出生" in field.label)


def is_time(field: ThemeFormField) -> bool:
    return field.kind == Kind.TEXT and (
        field.key.endswith("_time") or "时:分" in field.label or "时：分" in field.label
    )


SEX_LABELS = {"M": "男", "F": "女"}
SEX_WORDS = {
    "M": {"m", "male", "1", "男", "男性"},
    "F": {"f", "female", "2", "女", "女性"},
}


def sex_code(*words: str) -> str | None:
    """The code M or F for any spelling of a sex (M, 1, male, 男 …), else None."""
    for word in words:
        folded = str(word).strip().lower()
        for code, spellings in SEX_WORDS.items():
            if folded in spellings:
                return code
    return None


def option_for(options: Mapping[str, str], value: str, label: str = "") -> str:
    """The option (value) of a choice field that means the registry's `value` (shown as
    `label`): the same code, the same label, or (for a sex) any spelling of it; else ""."""
    if value in options:
        return value
    if label:
        for option, option_label in options.items():
            if label in (option, option_label):
                return option
    wanted = sex_code(value)
    if wanted:
        for option, option_label in options.items():
            if sex_code(option, option_label) == wanted:
                return option
    return ""


# ---------------------------------------------------------------- single-field rules


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def check_date(field: ThemeFormField, value: dt.date, role: str) -> str:
    """Why the date is out of its sensible range, or ""."""
    now = today()
    if is_birth_date(field) and role == "baby":
        earliest = _years_before(now, 1)
        if value > now:
            return f"{value.isoformat()} 晚于今天（{now.isoformat()}），出生日期不能是将来的日期"
        if value < earliest:
            return (
                f"{value.isoformat()} 早于 {earliest.isoformat()}，"
                f"新生儿出生日期应在近一年内（{earliest.isoformat()} 至 {now.isoformat()}）"
            )
        return ""
    if value < EARLIEST:
        return f"{value.isoformat()} 早于 1900-01-01，请核对"
    past_only = is_birth_date(field) or any(w in field.label for w in PAST_WORDS)
    if past_only and value > now:
        return f"{value.isoformat()} 晚于今天（{now.isoformat()}），不能是将来的日期"
    latest = _years_before(now, -FUTURE_YEARS)
    if value > latest:
        return f"{value.isoformat()} 晚于 {latest.isoformat()}，请核对"
    return ""


# Dates that have happened by the time anyone applies.
PAST_WORDS = ("出生", "参加工作", "决议", "决定", "确认", "死亡")

_TIME_RE = re.compile(r"([01]?[0-9]|2[0-3])[:：]([0-5][0-9])")
# What a time is once cleaned, for the form's JSON Schema.
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def clean_time(text: str) -> str:
    """A time as HH:MM (8:05 → 08:05); ValueError with the reason in Chinese otherwise."""
    match = _TIME_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"“{text}”不是有效时间，应为 00:00 至 23:59 之间的“时:分”，如 08:30")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


@dataclass(frozen=True)
class NumberRule:
    words: tuple[str, ...]  # any of these in the label selects the rule
    minimum: Decimal
    maximum: Decimal | None  # None: the current year
    places: int


# First match wins: a year before a percentage before money before measures before counts.
NUMBER_RULES = (
    NumberRule(("年度", "年份"), Decimal(1949), None, 0),
    NumberRule(("%", "％", "占比", "比例"), Decimal(0), Decimal(100), 2),
    NumberRule(("（元）", "金额"), Decimal(0), Decimal(100_000_000), 2),
    NumberRule(("（万元）",), Decimal(0), Decimal(10_000_000), 2),
    NumberRule(("（克）",), Decimal(200), Decimal(8_000), 0),
    NumberRule(
        ("（平方米）", "（千瓦）", "（毫米）", "（米）", "（千米）"), Decimal(0), Decimal(10**8), 2
    ),
    NumberRule(("数", "（辆）", "（枚）", "（个）", "（人）"), Decimal(0), Decimal(1_000_000), 0),
)


def number_rule(field: ThemeFormField) -> NumberRule | None:
    return next((r for r in NUMBER_RULES if any(w in field.label for w in r.words)), None)


def check_number(field: ThemeFormField, number: Decimal, text: str) -> str:
    """Why the number does not fit the field's unit, or ""."""
    rule = number_rule(field)
    if rule is None:
        return ""
    places = -number.normalize().as_tuple().exponent
    if rule.places == 0 and places > 0:
        return f"“{text}”应为整数"
    if places > rule.places:
        return f"“{text}”最多保留{rule.places}位小数"
    maximum = Decimal(today().year) if rule.maximum is None else rule.maximum
    if number < rule.minimum:
        return "不能为负数" if rule.minimum == 0 else f"不能小于 {rule.minimum}"
    if number > maximum:
        return f"不能超过 {maximum}"
    return ""


# ---------------------------------------------------------------- across fields


def cross_field_errors(
    fields: list[ThemeFormField], cleaned: Mapping[str, Any], roles: Mapping[str, str]
) -> list[tuple[ThemeFormField, str]]:
    """(field, reason) for values that are each valid but do not agree with each other."""
    found: list[tuple[ThemeFormField, str]] = []
    by_key = {f.key: f for f in fields}
    present = [f for f in fields if f.key in cleaned]
    for id_field in (f for f in present if f.kind == Kind.ID_NUMBER):
        reason = _id_disagreement(id_field, cleaned, present, roles)
        if reason:
            found.append((id_field, reason))
    for start in present:
        if start.kind != Kind.DATE or not start.key.endswith("start"):
            continue
        end = by_key.get(start.key.removesuffix("start") + "end")
        if end is not None and end.key in cleaned and cleaned[end.key] < cleaned[start.key]:
            found.append((end, f"不能早于「{start.label}」（{cleaned[start.key]}）"))
    for time_field in (f for f in present if is_time(f)):
        reason = _time_in_future(time_field, cleaned, present, roles)
        if reason:
            found.append((time_field, reason))
    return found


def _id_disagreement(
    id_field: ThemeFormField,
    cleaned: Mapping[str, Any],
    present: list[ThemeFormField],
    roles: Mapping[str, str],
) -> str:
    info = validate_ric(cleaned[id_field.key], field=id_field.key)
    whom = roles.get(id_field.key, APPLICANT)
    role = ROLE_BY_CODE.get(whom)
    if role is not None and role.sex and info.sex != role.sex:
        return (
            f"该身份证号显示为{SEX_LABELS[info.sex]}性，"
            f"{role.word}的身份证号应为{SEX_LABELS[role.sex]}性，请核对是否填错"
        )
    same_person = [f for f in present if roles.get(f.key) == whom and f is not id_field]
    for f in same_person:
        if f.kind == Kind.CHOICE and is_sex(f):
            options = {str(c.get("value", "")): str(c.get("label", "")) for c in f.choices or []}
            stated = sex_code(cleaned[f.key], options.get(str(cleaned[f.key]), ""))
            if stated and stated != info.sex:
                return (
                    f"身份证号显示性别为{SEX_LABELS[info.sex]}，"
                    f"与所填「{f.label}」（{SEX_LABELS[stated]}）不一致"
                )
        if is_birth_date(f) and cleaned[f.key] != info.birth_date.isoformat():
            return (
                f"身份证号中的出生日期为 {info.birth_date.isoformat()}，"
                f"与所填「{f.label}」（{cleaned[f.key]}）不一致"
            )
    return ""


def _time_in_future(
    time_field: ThemeFormField,
    cleaned: Mapping[str, Any],
    present: list[ThemeFormField],
    roles: Mapping[str, str],
) -> str:
    whom = roles.get(time_field.key)
    now = now_local()
    born_today = any(
        is_birth_date(f) and roles.get(f.key) == whom and cleaned[f.key] == now.date().isoformat()
        for f in present
    )
    if born_today and cleaned[time_field.key] > now.strftime("%H:%M"):
        return f"{cleaned[time_field.key]} 晚于当前时间（今天 {now:%H:%M}）"
    return ""
