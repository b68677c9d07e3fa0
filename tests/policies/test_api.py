"""The policies API: the policies in force, rule validation (Chinese problem+json on a bad
rule), one subject's eligibility with its explanation and the runs (staff only), and an
applicant's own grants with decline/contest."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.policies.factories import PersonFactory, born_aged
from yishi.core.roles import Role, grant_roles
from yishi.policies.models import Grant, Run
from yishi.policies.services import policy_run

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_the_policy_list_is_public_and_marks_sample_amounts(client, demo_policies):
    body = client.get("/api/v1/policies?subject=person").json()
    assert [p["code"] for p in body] == [
        "disability-living-subsidy",
        "elderly-allowance",
        "severe-disability-care-subsidy",
        "unemployment-benefit",
    ]
    assert {p["amount_note"] for p in body} == {"示例金额，由管理员设定"}
    elderly = next(p for p in body if p["code"] == "elderly-allowance")
    assert elderly["department"] == "梁子湖区民政局"
    assert "年龄 ≥ 80" in elderly["description_of_rule"]


def test_validate_accepts_a_good_rule_and_describes_it(client):
    client.force_login(ApplicantFactory().user)
    response = client.post(
        "/api/v1/rules/validate",
        {"subject": "person", "rule": {"field": "age", "op": "ge", "value": 80}},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"valid": True, "description": "年龄 ≥ 80"}


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"field": "shoe_size", "op": "eq", "value": 1}, "rule.field"),
        ({"field": "birth_date", "op": "lt", "value": 1950}, "rule.value"),
        (None, "rule"),
    ],
    ids=["unknown-field", "date-vs-number", "missing"],
)
def test_validate_refuses_a_bad_rule_with_a_chinese_422_problem(client, rule, field):
    client.force_login(ApplicantFactory().user)
    response = client.post(
        "/api/v1/rules/validate",
        {"subject": "person", "rule": rule},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])


def test_eligibility_of_someone_else_is_for_policy_officers_and_explains_each_condition(
    client, demo_policies
):
    person = PersonFactory(birth=born_aged(79, dt.date(2026, 11, 1)))
    url = "/api/v1/policies/elderly-allowance/eligibility"
    query = {"identifier": person.id_number, "on": "2026-11-01", "purpose": "核实高龄津贴咨询"}
    client.force_login(ApplicantFactory().user)
    assert client.post(url, query, content_type="application/json").status_code == 404
    client.force_login(StaffFactory().user)  # window staff
    assert client.post(url, query, content_type="application/json").status_code == 403

    officer = StaffFactory()
    grant_roles(officer.user, Role.POLICY_OFFICER)
    client.force_login(officer.user)
    body = client.post(url, query, content_type="application/json").json()
    assert body["eligible"] is False
    assert body["missing"] == [next(c["text"] for c in body["conditions"] if not c["held"])]
    assert "年龄" in body["missing"][0]
    assert "79" in body["missing"][0]


def test_runs_through_the_api_are_idempotent_and_staff_read_their_lines(client, demo_policies):
    person = PersonFactory(birth=born_aged(85, dt.date(2026, 10, 1)))
    client.force_login(StaffFactory().user)  # window staff may read but not run
    assert (
        client.post(
            "/api/v1/policies/elderly-allowance/runs",
            {"period": "2026-10"},
            content_type="application/json",
        ).status_code
        == 403
    )
    client.force_login(StaffFactory(administrator=True).user)
    first = client.post(
        "/api/v1/policies/elderly-allowance/runs",
        {"period": "2026-10"},
        content_type="application/json",
    )
    again = client.post(
        "/api/v1/policies/elderly-allowance/runs",
        {"period": "2026-10"},
        content_type="application/json",
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Run.objects.count() == 1

    detail = client.get(f"/api/v1/policy-runs/{first.json()['id']}").json()
    assert detail["rule_version"] == 1
    assert [(c["change"], c["name"], c["amount"]) for c in detail["changes"]] == [
        ("added", person.name, "50.00")
    ]
    assert "*" in detail["changes"][0]["identifier"]  # masked
    assert [r["period"] for r in client.get("/api/v1/policies/elderly-allowance/runs").json()] == [
        "2026-10"
    ]


def test_a_bad_period_is_a_422_problem(client, demo_policies):
    client.force_login(StaffFactory(administrator=True).user)
    response = client.post(
        "/api/v1/policies/elderly-allowance/runs",
        {"period": "2026/10"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["field"] == "period"


def test_an_applicant_lists_declines_and_contests_own_grants(client, demo_policies):
    account = ApplicantFactory(person=PersonFactory(birth=born_aged(91, dt.date(2026, 10, 1))))
    policy_run(policy=demo_policies["elderly-allowance"], period="2026-10")
    grant = Grant.objects.get(person=account.person)
    client.force_login(account.user)

    assert [g["band"] for g in client.get("/api/v1/my/grants").json()] == ["90–99 周岁"]
    contest = client.post(
        f"/api/v1/my/grants/{grant.pk}/contest",
        {"reason": "金额有误"},
        content_type="application/json",
    )
    assert contest.status_code == 201
    assert contest.json()["status"] == "contested"
    decline = client.post(
        f"/api/v1/my/grants/{grant.pk}/decline",
        {"reason": "不需要"},
        content_type="application/json",
    )
    assert decline.json()["status"] == "declined"

    client.force_login(ApplicantFactory().user)
    other = client.post(
        f"/api/v1/my/grants/{grant.pk}/contest", {"reason": "x"}, content_type="application/json"
    )
    assert other.status_code == 404
