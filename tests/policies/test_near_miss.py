"""Near-misses ("差一点符合") only for conditions a person or company could still meet — apply,
register, hire, obtain a licence — never for identity or standing (a disability, age, sex,
户籍), and always in plain Chinese, never as a raw comparison such as "残疾类别不为空（实际 无）".
Attainability is declared per field in the rule catalogue (FieldSpec.attainable)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.people.accounts_support import ApplicantAccountFactory
from tests.policies.factories import CompanyFactory, PersonFactory, PolicyFactory, born_aged
from yishi.policies import rules
from yishi.policies.queries import matches_for

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)
RAW = ("实际", "不为空", "≥", "≤", "属于")


def near_of(subject) -> dict[str, list[str]]:
    return {r.policy.code: r.near_texts for r in matches_for(subject, TODAY).near}


def test_a_low_income_resident_without_a_disability_is_not_nearly_due_the_disability_subsidy(
    demo_policies,
):
    person = PersonFactory(low_income_household=True, disability_type="", disability_grade=None)
    result = matches_for(person, TODAY)
    assert "disability-living-subsidy" not in {r.policy.code for r in result.eligible}
    assert "disability-living-subsidy" not in near_of(person)
    assert "severe-disability-care-subsidy" not in near_of(person)


def test_a_disabled_person_short_of_an_attainable_condition_is_told_in_plain_words(
    demo_policies,
):
    person = PersonFactory(disability_type="physical", disability_grade=3)
    near = near_of(person)
    assert near["disability-living-subsidy"] == ["需符合“低保家庭成员”（目前不符合）"]


def test_a_company_one_employee_short_of_a_threshold_gets_a_near_miss_in_words(demo_policies):
    company = CompanyFactory(
        size_class="micro",
        employees=2,
        tax_credit_grade="B",
        registration_date=dt.date(2025, 3, 1),
    )
    assert near_of(company)["micro-startup-subsidy"] == ["从业人数需达到 3（目前为 2）"]


def test_a_person_just_short_of_insured_months_gets_a_near_miss_in_words():
    PolicyFactory(
        code="insured-bonus",
        subject="person",
        rule={"field": "unemployment_insured_months", "op": "ge", "value": 12},
    )
    person = PersonFactory(unemployment_insured_months=11)
    assert near_of(person) == {"insured-bonus": ["失业保险累计缴费月数需达到 12（目前为 11）"]}


@pytest.mark.parametrize(
    "rule",
    [
        {"field": "disability_type", "op": "not_null"},
        {"field": "sex", "op": "eq", "value": "F"},
        {"field": "age", "op": "ge", "value": 60},
        {"field": "region_code", "op": "startswith", "value": "420702"},
    ],
    ids=["disability", "sex", "age", "hukou"],
)
def test_identity_and_status_conditions_never_make_a_near_miss(rule):
    PolicyFactory(code="fixed", subject="person", rule=rule)
    person = PersonFactory(
        disability_type="", gender="M", birth=born_aged(40, TODAY), region="420100"
    )
    assert near_of(person) == {}


def test_presence_is_not_attainable_by_default_but_a_threshold_is():
    catalogue = rules.field_catalogue("person")
    assert not rules.leaf_attainable({"field": "disability_type", "op": "not_null"}, catalogue)
    assert not rules.leaf_attainable({"field": "age", "op": "ge", "value": 80}, catalogue)
    assert rules.leaf_attainable(
        {"field": "low_income_household", "op": "eq", "value": True}, catalogue
    )
    assert rules.leaf_attainable({"has_licence": "any-type"}, catalogue)


def test_near_miss_texts_are_plain_chinese_without_raw_comparisons(demo_policies):
    subjects = [
        PersonFactory(disability_type="physical", disability_grade=2),
        PersonFactory(low_income_household=True),
        PersonFactory(unemployment_insured_months=24, unemployment_registered=True),
        CompanyFactory(size_class="micro", employees=2, registration_date=dt.date(2025, 3, 1)),
    ]
    texts = [t for s in subjects for r in matches_for(s, TODAY).near for t in r.near_texts]
    assert texts
    assert [t for t in texts if any(mark in t for mark in RAW)] == []


def test_the_policies_page_shows_no_near_miss_for_the_disability_subsidy_without_a_disability(
    client, demo_policies
):
    account = ApplicantAccountFactory()
    person = account.person
    person.low_income_household = True
    person.disability_type = ""
    person.save()
    client.force_login(account.user)
    html = client.get("/account/policies/").content.decode()
    assert "差一点符合的政策" in html
    assert 'data-policy="disability-living-subsidy"' not in html.split('id="pm-near"')[1]
    assert "实际 无" not in html


def test_a_missing_licence_is_attainable_and_named_plainly():
    from tests.licences.factories import LicenceTypeFactory

    kind = LicenceTypeFactory(name="测试技能证书")
    PolicyFactory(code="skill-bonus", subject="person", rule={"has_licence": kind.code})
    person = PersonFactory()
    assert near_of(person) == {
        "skill-bonus": ["需持有有效的“测试技能证书”（目前未持有，可先申领）"]
    }
