"""Another subject's eligibility shows the registry facts its rule reads (残疾类别, 残疾等级 …):
only policy officers and administrators may ask, each must state a purpose (查询用途), and each
such read is recorded for the person to see. An applicant's check of their own is neither
refused nor recorded."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.policies.factories import CompanyFactory, PersonFactory
from yishi.catalog.models import Department
from yishi.core.roles import Role, grant_roles
from yishi.core.synthetic import make_ric
from yishi.people.models import Person, RegistryAccess
from yishi.policies import rules

pytestmark = pytest.mark.django_db

URL = "/api/v1/policies/severe-disability-care-subsidy/eligibility"
PURPOSE = "核实护理补贴申请人的残疾等级"
DISABILITY_FIELDS = [
    "region_code",
    "deceased_on",
    "disability_type",
    "disability_grade",
    "needs_long_term_care",
]


def _disabled_person() -> Person:
    return PersonFactory(
        disability_type=Person.DisabilityType.PHYSICAL,
        disability_grade=1,
        needs_long_term_care=True,
    )


def _check(client, person: Person, **extra: str):
    query = {"identifier": person.id_number, "on": "2026-11-01", **extra}
    return client.post(URL, query, content_type="application/json")


def _officer(**names: str):
    staff = StaffFactory(department=Department.objects.get(code="LZH-CL"))
    grant_roles(staff.user, Role.POLICY_OFFICER)
    for key, value in names.items():
        setattr(staff.user, key, value)
    staff.user.save()
    return staff.user


def test_a_reviewer_without_the_policy_officer_role_cannot_read_a_persons_disability(
    client, demo_policies
):
    person = _disabled_person()
    client.force_login(StaffFactory(reviewer=True).user)

    response = _check(client, person, purpose=PURPOSE)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == "只有政策专员或管理员可以查看他人的资格核验结果"
    assert "肢体残疾" not in response.content.decode()
    assert "一级" not in response.content.decode()
    assert RegistryAccess.objects.count() == 0


def test_an_applicant_asking_about_someone_else_learns_nothing_not_even_existence(
    client, demo_policies
):
    person = _disabled_person()
    client.force_login(ApplicantFactory().user)

    someone = _check(client, person, purpose=PURPOSE)
    nobody = client.post(
        URL,
        # A birth date no factory uses: factory sequences cannot reach this number.
        {"identifier": make_ric(birth=dt.date(1961, 3, 3), seq=777), "purpose": PURPOSE},
        content_type="application/json",
    )

    assert (someone.status_code, nobody.status_code) == (404, 404)
    assert someone.json()["detail"] == nobody.json()["detail"] == "未找到该主体"
    assert RegistryAccess.objects.count() == 0


@pytest.mark.parametrize("purpose", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_a_policy_officer_without_a_purpose_gets_400_naming_the_purpose(
    client, demo_policies, purpose
):
    person = _disabled_person()
    client.force_login(_officer())
    extra = {} if purpose is None else {"purpose": purpose}

    response = _check(client, person, **extra)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["field"] == "purpose"
    assert "查询用途" in body["detail"]
    assert "conditions" not in body
    assert RegistryAccess.objects.count() == 0


def test_a_purpose_of_three_characters_is_too_short(client, demo_policies):
    client.force_login(_officer())
    response = _check(client, _disabled_person(), purpose="看一下")
    assert response.status_code == 400
    assert response.json()["detail"] == "查询用途至少4个字，实际为3个字"


def test_a_policy_officer_with_a_purpose_reads_the_disability_and_the_read_is_recorded(
    client, demo_policies
):
    person = _disabled_person()
    officer = _officer(last_name="张", first_name="伟明")
    client.force_login(officer)

    response = _check(client, person, purpose=f"  {PURPOSE} ")

    assert response.status_code == 200
    body = response.json()
    assert body["eligible"] is True
    assert any("肢体残疾" in c["text"] for c in body["conditions"])
    access = RegistryAccess.objects.get()
    assert (access.reader, access.person, access.company) == (officer, person, None)
    assert access.fields == DISABILITY_FIELDS
    assert access.purpose == PURPOSE
    assert access.channel == RegistryAccess.Channel.ELIGIBILITY
    assert (access.reader_name, access.reader_department, access.reader_role) == (
        "张**",
        "梁子湖区残疾人联合会",
        "政策专员",
    )


def test_an_administrator_may_check_and_is_recorded_as_administrator(client, demo_policies):
    person = _disabled_person()
    admin = StaffFactory(administrator=True).user
    client.force_login(admin)

    assert _check(client, person, purpose=PURPOSE).status_code == 200
    assert RegistryAccess.objects.get().reader_role == "管理员"


def test_the_applicants_own_check_is_answered_and_writes_nothing(client, demo_policies):
    account = ApplicantFactory(person=_disabled_person())
    client.force_login(account.user)

    response = _check(client, account.person)  # no purpose needed for oneself

    assert response.status_code == 200
    assert response.json()["eligible"] is True
    assert RegistryAccess.objects.count() == 0


def test_a_company_check_by_a_policy_officer_is_recorded_against_the_company(client, demo_policies):
    company = CompanyFactory(size_class="micro", employees=3, registration_date=dt.date(2025, 6, 1))
    client.force_login(_officer())

    response = client.post(
        "/api/v1/policies/micro-startup-subsidy/eligibility",
        {"identifier": company.uscc, "purpose": "核实小微企业创业补贴咨询"},
        content_type="application/json",
    )

    assert response.status_code == 200
    access = RegistryAccess.objects.get()
    assert (access.person, access.company) == (None, company)
    policy = demo_policies["micro-startup-subsidy"]
    assert access.fields == rules.fields_read(policy.rule, "company")
    assert "size_class" in access.fields


def test_fields_read_names_the_columns_behind_computed_fields_and_the_relations():
    rule = {
        "all": [
            {"field": "age", "op": "ge", "value": 60},
            {"field": "alive", "op": "eq", "value": True},
            {"not": {"field": "disability_grade", "op": "eq", "value": 4}},
            {
                "any": [
                    {"has_licence": "x"},
                    {"field": "low_income_household", "op": "eq", "value": True},
                ]
            },
        ]
    }
    assert rules.fields_read(rule, "person") == [
        "birth_date",
        "deceased_on",
        "low_income_household",
        "disability_grade",
        "licences",
    ]
    company_rule = {
        "all": [
            {"field": "industry_section", "op": "eq", "value": "F"},
            {"field": "years_since_registration", "op": "le", "value": 3},
            {"count": {"of": "agents", "op": "ge", "value": 1}},
        ]
    }
    assert rules.fields_read(company_rule, "company") == [
        "industry_code",
        "registration_date",
        "agents",
    ]
