"""Eligibility rules: validation messages, explanations, descriptions, age on birthdays
(29 February included), licences and null semantics — each checked in both evaluators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.catalog.factories import DepartmentFactory
from tests.licences.factories import LicenceTypeFactory
from tests.people.factories import CompanyFactory, PersonFactory
from yishi.core.errors import ValidationFailed
from yishi.licences.models import Licence
from yishi.people.models import Company, CompanyAgent, Person
from yishi.policies.rules import (
    SUBJECT_COMPANY,
    SUBJECT_PERSON,
    describe,
    eligible_queryset,
    evaluate,
    field_catalogue,
    validate_rule,
)

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 28)


def both(rule, subject_obj, on=ON) -> bool:
    """Both evaluators' verdict for one subject; fails when they disagree."""
    subject = SUBJECT_PERSON if isinstance(subject_obj, Person) else SUBJECT_COMPANY
    validate_rule(rule, subject)
    by_python = evaluate(rule, subject_obj, on).eligible
    by_sql = eligible_queryset(rule, subject, on).filter(pk=subject_obj.pk).exists()
    assert by_python == by_sql, (rule, on)
    return by_python


def refused(rule, subject=SUBJECT_PERSON) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        validate_rule(rule, subject)
    return info.value


# --- validation -----------------------------------------------------------------------------


def test_unknown_field_is_refused_with_chinese_message_naming_it():
    err = refused(
        {
            "all": [
                {"field": "age", "op": "ge", "value": 80},
                {"field": "salary", "op": "gt", "value": 1},
            ]
        }
    )
    assert err.field == "rule.all[1].field"
    assert err.message.startswith("未知字段“salary”：可用字段为 age、alive、birth_date")
    assert err.status == 422


def test_date_compared_with_a_number_is_refused():
    err = refused({"field": "birth_date", "op": "lt", "value": 19500101})
    assert err.field == "rule.value"
    assert err.message == "字段“出生日期”(birth_date)是日期，不能与数字 19500101比较"


def test_bool_compared_with_a_string_is_refused():
    err = refused({"not": {"field": "low_income_household", "op": "eq", "value": "是"}})
    assert err.field == "rule.not.value"
    assert err.message == "字段“低保家庭成员”(low_income_household)是是/否，不能与文本“是”比较"


@pytest.mark.parametrize(
    ("rule", "subject", "path", "fragment"),
    [
        ({"field": "age", "op": "like", "value": 1}, "person", "rule.op", "运算符“like”无法识别"),
        ({"field": "alive", "op": "gt", "value": True}, "person", "rule.op", "不支持运算符“gt”"),
        ({"field": "age", "op": "ge", "value": 80.5}, "person", "rule.value", "不能与数字 80.5"),
        ({"field": "age", "op": "ge", "value": 151}, "person", "rule.value", "0 至 150"),
        ({"field": "sex", "op": "eq", "value": "X"}, "person", "rule.value", "不在可选值"),
        (
            {"field": "disability_grade", "op": "in", "value": [1, 5]},
            "person",
            "rule.value[1]",
            "不在可选值",
        ),
        (
            {"field": "age", "op": "between", "value": [90, 80]},
            "person",
            "rule.value",
            "下限不能大于上限",
        ),
        ({"field": "age", "op": "in", "value": []}, "person", "rule.value", "非空列表"),
        (
            {"field": "deceased_on", "op": "is_null", "value": None},
            "person",
            "rule.value",
            "不需要 value",
        ),
        ({"field": "age", "op": "ge"}, "person", "rule.value", "缺少 value"),
        (
            {"field": "birth_date", "op": "ge", "value": "2026-02-30"},
            "person",
            "rule.value",
            "不是 YYYY-MM-DD",
        ),
        (
            {"field": "paid_in_capital", "op": "ge", "value": "1.005"},
            "company",
            "rule.value",
            "最多两位小数",
        ),
        (
            {"field": "paid_in_capital", "op": "ge", "value": "很多"},
            "company",
            "rule.value",
            "不是数字",
        ),
        ({"all": []}, "person", "rule.all", "非空的条件列表"),
        (
            {"all": [{"field": "age", "op": "ge", "value": 1}], "any": []},
            "person",
            "rule",
            "不能有其他键",
        ),
        ({"sometimes": 1}, "person", "rule", "无法识别的规则条件"),
        ([1], "person", "rule", "非空的 JSON 对象"),
        ({"has_licence": "NOPE"}, "person", "rule.has_licence", "未知的证照类型代码“NOPE”"),
        (
            {"count": {"of": "agents", "op": "ge", "value": 1}},
            "person",
            "rule.count.of",
            "不能统计“agents”",
        ),
        (
            {"count": {"of": "licences", "op": "ge", "value": -1}},
            "person",
            "rule.count.value",
            "非负整数",
        ),
        ({"field": "employees", "op": "ge", "value": 10}, "person", "rule.field", "未知字段"),
        ({"field": "age", "op": "ge", "value": 1}, "company", "rule.field", "未知字段“age”"),
    ],
)
def test_malformed_rules_are_refused_naming_the_place(rule, subject, path, fragment):
    err = refused(rule, subject)
    assert err.field == path
    assert fragment in err.message


def test_unknown_subject_is_refused():
    with pytest.raises(ValidationFailed, match="未知的主体类型“animal”"):
        validate_rule({"field": "age", "op": "ge", "value": 1}, "animal")


def test_catalogue_names_types_and_chinese_labels():
    person = field_catalogue(SUBJECT_PERSON)
    assert (person["age"].type, person["age"].label, person["age"].computed) == (
        "int",
        "年龄",
        True,
    )
    assert person["disability_type"].choices[0] == ("visual", "视力残疾")
    company = field_catalogue(SUBJECT_COMPANY)
    assert (company["paid_in_capital"].type, company["paid_in_capital"].label) == (
        "decimal",
        "实缴资本(万元)",
    )
    assert company["industry_section"].choices[2] == ("C", "制造业")


# --- explanations ---------------------------------------------------------------------------


def test_explanation_names_each_condition_with_the_actual_value():
    person = PersonFactory(birth=dt.date(1950, 6, 1), low_income_household=True)
    rule = {
        "all": [
            {"field": "age", "op": "ge", "value": 80},
            {"field": "low_income_household", "op": "eq", "value": True},
            {"not": {"field": "deceased_on", "op": "not_null"}},
        ]
    }
    result = evaluate(rule, person, ON)
    assert not result.eligible
    assert [(c.text, c.held) for c in result.conditions] == [
        ("年龄 ≥ 80（实际 76）", False),
        ("低保家庭成员 = 是（实际 是）", True),
        ("并非「死亡日期不为空」（实际 无）", True),
    ]
    assert result.missing == ["年龄 ≥ 80（实际 76）"]
    assert both(rule, person) is False


def test_missing_lists_only_conditions_of_groups_that_failed():
    person = PersonFactory(disability_type="mental", disability_grade=3)
    rule = {
        "all": [
            {
                "any": [
                    {"field": "disability_grade", "op": "in", "value": [1, 2]},
                    {"field": "disability_type", "op": "in", "value": ["intellectual", "mental"]},
                ]
            },
            {
                "any": [
                    {"field": "low_income_household", "op": "eq", "value": True},
                    {"field": "needs_long_term_care", "op": "eq", "value": True},
                ]
            },
        ]
    }
    result = evaluate(rule, person, ON)
    assert not result.eligible
    assert result.missing == ["低保家庭成员 = 是（实际 否）", "需长期照护 = 是（实际 否）"]
    assert "残疾等级 属于 一级、二级（实际 三级）" in [c.text for c in result.conditions]
    assert both(rule, person) is False


def test_describe_gives_one_chinese_line():
    rule = {
        "all": [
            {"field": "alive", "op": "eq", "value": True},
            {"field": "age", "op": "between", "value": [80, 89]},
            {
                "any": [
                    {"field": "region_code", "op": "startswith", "value": "420702"},
                    {"not": {"field": "sex", "op": "eq", "value": "F"}},
                ]
            },
        ]
    }
    assert describe(rule, SUBJECT_PERSON) == (
        "在世 = 是 且 年龄 介于 80 至 89 且 （户籍地区划代码 以 420702 开头 或 并非「性别 = 女」）"
    )


# --- age on the birthday --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (dt.date(1946, 11, 28), dt.date(2026, 11, 27), 79),
        (dt.date(1946, 11, 28), dt.date(2026, 11, 28), 80),
        # Born on 29 February: one year older on 1 March in common years...
        (dt.date(1944, 2, 29), dt.date(2025, 2, 28), 80),
        (dt.date(1944, 2, 29), dt.date(2025, 3, 1), 81),
        # ...and on 29 February in leap years.
        (dt.date(1944, 2, 29), dt.date(2024, 2, 28), 79),
        (dt.date(1944, 2, 29), dt.date(2024, 2, 29), 80),
        # A reference date of 29 February against a common birth year.
        (dt.date(1945, 2, 28), dt.date(2024, 2, 29), 79),
        (dt.date(1945, 3, 1), dt.date(2024, 2, 29), 78),
    ],
)
def test_age_turns_on_the_birthday_in_both_evaluators(birth, on, age):
    person = PersonFactory(birth=birth)
    assert both({"field": "age", "op": "eq", "value": age}, person, on)
    assert both({"field": "age", "op": "ge", "value": age}, person, on)
    assert not both({"field": "age", "op": "ge", "value": age + 1}, person, on)
    assert not both({"field": "age", "op": "lt", "value": age}, person, on)


def test_eligible_queryset_is_a_single_query(django_assert_num_queries):
    PersonFactory.create_batch(3, birth=dt.date(1940, 1, 1))
    rule = {
        "all": [
            {"field": "age", "op": "ge", "value": 80},
            {"has_licence": "PTX"},
            {"count": {"of": "licences", "op": "le", "value": 3}},
        ]
    }
    LicenceTypeFactory(code="PTX")
    qs = eligible_queryset(rule, SUBJECT_PERSON, ON)
    with django_assert_num_queries(1):
        assert list(qs) == []


# --- licences, agents, nulls ----------------------------------------------------------------


def _licence(holder, code, *, start=-10, end=None, status="valid"):
    kind = "person" if isinstance(holder, Person) else "company"
    return Licence.objects.create(
        number=f"N-{Licence.objects.count() + 1}",
        type=LicenceTypeFactory(code=code),
        issuer=DepartmentFactory(name="梁子湖区测试发证局"),
        issued_on=ON + dt.timedelta(days=start),
        valid_from=ON + dt.timedelta(days=start),
        valid_until=None if end is None else ON + dt.timedelta(days=end),
        status=status,
        **{kind: holder},
    )


@pytest.mark.parametrize(
    ("start", "end", "status", "holds"),
    [
        (-10, None, "valid", True),
        (-10, 0, "valid", True),  # valid through its last day
        (-10, -1, "valid", False),  # expired
        (1, None, "valid", False),  # not yet valid
        (-10, None, "revoked", False),
    ],
)
def test_has_licence_means_valid_on_the_reference_date(start, end, status, holds):
    person = PersonFactory()
    _licence(person, "CJR", start=start, end=end, status=status)
    LicenceTypeFactory(code="OTHER")
    assert both({"has_licence": "CJR"}, person) is holds
    assert both({"has_licence": "OTHER"}, person) is False
    assert both({"count": {"of": "licences", "op": "eq", "value": int(holds)}}, person)


def test_has_licence_explanation_names_the_licence_type():
    person = PersonFactory()
    LicenceTypeFactory(code="CJRT", name="测试用残疾证明")
    result = evaluate({"has_licence": "CJRT"}, person, ON)
    assert [c.text for c in result.conditions] == ["持有有效的“测试用残疾证明”（实际 未持有）"]


def test_company_counts_its_verified_agents_in_force():
    company = CompanyFactory()
    verified = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    revoked = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cases = [
        (verified, None, None),  # counts
        (verified, None, ON),  # counts: in force until the day itself
        (verified, revoked, None),  # revoked
        (None, None, None),  # a claim nobody verified
        (verified, None, ON - dt.timedelta(days=1)),  # ran out the day before
    ]
    for i, (verified_at, revoked_at, until) in enumerate(cases):
        CompanyAgent.objects.create(
            company=company,
            person=PersonFactory(birth=dt.date(1980, 1, i + 1)),
            role="agent",
            verified_at=verified_at,
            revoked_at=revoked_at,
            authorised_until=until,
        )
    assert both({"count": {"of": "agents", "op": "eq", "value": 2}}, company)
    assert not both({"count": {"of": "agents", "op": "ge", "value": 3}}, company)


def test_comparison_with_a_null_field_is_false_and_its_negation_true():
    person = PersonFactory()  # no disability: type "" and grade NULL
    assert not both({"field": "disability_grade", "op": "ne", "value": 1}, person)
    assert both({"not": {"field": "disability_grade", "op": "eq", "value": 1}}, person)
    assert not both({"field": "disability_type", "op": "not_in", "value": ["mental"]}, person)
    assert both({"field": "disability_type", "op": "is_null"}, person)
    assert both({"not": {"field": "disability_type", "op": "ne", "value": "mental"}}, person)


def test_company_fields_and_computed_section_and_years():
    company = CompanyFactory(
        industry_code="F5211",
        size_class=Company.SizeClass.MICRO,
        registration_date=dt.date(2024, 11, 29),
        paid_in_capital=Decimal("100.50"),
    )
    assert both({"field": "industry_section", "op": "eq", "value": "F"}, company)
    assert both({"field": "years_since_registration", "op": "eq", "value": 1}, company)
    assert both({"field": "paid_in_capital", "op": "between", "value": ["100.5", 101]}, company)
    assert not both({"field": "paid_in_capital", "op": "gt", "value": 100.5}, company)
    assert both({"field": "status", "op": "eq", "value": "active"}, company)
    result = evaluate({"field": "industry_section", "op": "in", "value": ["F", "H"]}, company, ON)
    assert (
        result.conditions[0].text == "行业门类 属于 批发和零售业、住宿和餐饮业（实际 批发和零售业）"
    )


def test_alive_turns_false_from_the_day_of_death():
    person = PersonFactory(deceased_on=ON)
    assert both({"field": "alive", "op": "eq", "value": True}, person, ON - dt.timedelta(days=1))
    assert not both({"field": "alive", "op": "eq", "value": True}, person, ON)
    assert both({"field": "alive", "op": "ne", "value": True}, person, ON)
