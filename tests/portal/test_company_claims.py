"""Acting for a company: a claim grants nothing until verified. A stranger who declares himself
a company's legal representative sees none of its grants, credit or company space and cannot
decline or contest its grants; the registry's legal representative, a claim confirmed at the
window and an agent within its scopes do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.people.accounts_support import ApplicantAccountFactory
from tests.people.factories import CompanyAgentFactory, CompanyFactory, PersonFactory
from tests.policies.factories import seed_demo_policies
from yishi.people.models import CompanyAgent
from yishi.people.services import agent_verify
from yishi.policies.models import Grant, Objection
from yishi.policies.services import policy_run

pytestmark = pytest.mark.django_db

BACKEND = "yishi.people.auth.PhonePasswordBackend"


@pytest.fixture
def grant() -> Grant:
    """A company whose registry names a legal representative, with a 稳岗返还 grant."""
    policies = seed_demo_policies()
    CompanyFactory(
        rep=PersonFactory(),
        name="鄂州市梁子湖区稳岗示范有限公司",
        size_class="micro",
        employees=5,
        tax_credit_grade="B",
        registration_date=dt.date(2020, 1, 1),
    )
    policy_run(policy=policies["job-stabilisation-refund"], period="2026-10")
    return Grant.objects.select_related("company").get()


def _login(client, account) -> None:
    client.force_login(account.user, backend=BACKEND)


def _declare(client, company, role: str = "legal_rep", **extra: str):
    data = {"uscc": company.uscc, "company_name": "随便写的名字", "role": role, **extra}
    return client.post("/account/companies/", data)


def _statuses(client, company) -> dict[str, int]:
    uscc = company.uscc
    return {
        "grants": client.get(f"/api/v1/my/grants?company={uscc}").status_code,
        "credit": client.get(f"/api/v1/credit/me?company={uscc}").status_code,
        "credit_page": client.get(f"/account/credit/?company={uscc}").status_code,
        "space": client.get(f"/account/policies/company/?company={uscc}").status_code,
    }


NOTHING = {"grants": 404, "credit": 404, "credit_page": 404, "space": 404}
EVERYTHING = {"grants": 200, "credit": 200, "credit_page": 200, "space": 200}


def test_a_stranger_declaring_himself_legal_representative_sees_nothing_and_touches_nothing(
    client, grant
):
    stranger = ApplicantAccountFactory()
    _login(client, stranger)
    assert _declare(client, grant.company).status_code == 302
    assert CompanyAgent.objects.get().state == "pending"

    assert _statuses(client, grant.company) == NOTHING
    space = client.get("/account/policies/company/")
    assert space.status_code == 404
    assert grant.company.name not in space.content.decode()

    decline = client.post(f"/account/policies/grants/{grant.pk}/decline/", {"reason": "不要了"})
    contest = client.post(
        f"/api/v1/my/grants/{grant.pk}/contest",
        {"reason": "金额有误"},
        content_type="application/json",
    )
    api_decline = client.post(
        f"/api/v1/my/grants/{grant.pk}/decline",
        {"reason": "不要了"},
        content_type="application/json",
    )
    assert (decline.status_code, contest.status_code, api_decline.status_code) == (404, 404, 404)
    grant.refresh_from_db()
    assert grant.status == Grant.Status.ACTIVE
    assert not Objection.objects.exists()


def test_the_registered_legal_representative_is_verified_at_declaration_and_sees_it_all(
    client, grant
):
    account = ApplicantAccountFactory(person=PersonFactory())
    type(grant.company).objects.filter(pk=grant.company_id).update(
        legal_representative=account.person.name,
        legal_representative_id_number=account.person.id_number,
        legal_representative_id_number_index=account.person.id_number_index,
    )
    _login(client, account)
    _declare(client, grant.company)

    claim = CompanyAgent.objects.get()
    assert (claim.state, claim.verification) == ("verified", "registry")
    assert _statuses(client, grant.company) == EVERYTHING
    grants = client.get(f"/api/v1/my/grants?company={grant.company.uscc}").json()
    assert [g["id"] for g in grants] == [grant.pk]
    response = client.post(f"/account/policies/grants/{grant.pk}/decline/", {"reason": "自愿"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == Grant.Status.DECLINED


def test_a_claim_confirmed_at_the_window_then_sees_the_company(client, grant):
    account = ApplicantAccountFactory()
    _login(client, account)
    _declare(client, grant.company)
    assert _statuses(client, grant.company) == NOTHING

    agent_verify(agent=CompanyAgent.objects.get(), staff=ApplicantAccountFactory().user)

    assert _statuses(client, grant.company) == EVERYTHING


def test_an_agent_authorised_for_benefits_sees_grants_but_not_credit(client, grant):
    rep = ApplicantAccountFactory()
    CompanyAgentFactory(company=grant.company, person=rep.person, legal_rep=True, verified=True)
    clerk = ApplicantAccountFactory()
    _login(client, rep)
    until = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    response = client.post(
        "/account/companies/",
        {
            "action": "authorise",
            "agent_company": grant.company.uscc,
            "agent_name": clerk.person.name,
            "agent_id_number": clerk.person.id_number,
            "agent_scopes": ["benefits"],
            "agent_until": until,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/companies/?authorised=1"
    agent = CompanyAgent.objects.get(person=clerk.person)
    assert (agent.scopes, agent.verification, agent.verified_by) == (
        ["benefits"],
        "legal_rep",
        rep.user,
    )

    _login(client, clerk)
    assert _statuses(client, grant.company) == {**EVERYTHING, "credit": 404, "credit_page": 404}
    space = client.get("/account/policies/company/").content.decode()
    assert "企业电子证照" not in space and "企业办件" not in space


@pytest.mark.parametrize("trait", ["expired", "revoked"])
def test_an_expired_or_revoked_agent_sees_nothing(client, grant, trait):
    clerk = ApplicantAccountFactory()
    CompanyAgentFactory(company=grant.company, person=clerk.person, verified=True, **{trait: True})
    _login(client, clerk)
    assert _statuses(client, grant.company) == NOTHING


def test_the_legal_representative_revokes_an_agent_from_the_companies_page(client, grant):
    rep = ApplicantAccountFactory()
    CompanyAgentFactory(company=grant.company, person=rep.person, legal_rep=True, verified=True)
    clerk = ApplicantAccountFactory()
    agent = CompanyAgentFactory(company=grant.company, person=clerk.person, verified=True)
    _login(client, rep)
    page = client.get("/account/companies/").content.decode()
    assert f'data-agent="{agent.pk}"' in page and clerk.person.name in page
    response = client.post("/account/companies/", {"action": "revoke", "agent": agent.pk})
    assert response["Location"] == "/account/companies/?revoked=1"

    _login(client, clerk)
    assert _statuses(client, grant.company) == NOTHING
    # and the agent cannot revoke the legal representative
    rep_claim = CompanyAgent.objects.get(person=rep.person)
    assert (
        client.post("/account/companies/", {"action": "revoke", "agent": rep_claim.pk}).status_code
        == 404
    )
    rep_claim.refresh_from_db()
    assert rep_claim.revoked_at is None


def test_the_companies_page_names_each_claims_state_and_what_to_bring(client):
    account = ApplicantAccountFactory()
    person = account.person
    CompanyAgentFactory(person=person, company__name="A已核验公司", legal_rep=True, verified=True)
    CompanyAgentFactory(person=person, company__name="B待核验公司", legal_rep=True)
    CompanyAgentFactory(person=person, company__name="C待核验商行")
    CompanyAgentFactory(person=person, company__name="D过期公司", verified=True, expired=True)
    CompanyAgentFactory(person=person, company__name="E撤销公司", verified=True, revoked=True)
    _login(client, account)
    html = client.get("/account/companies/").content.decode()
    states = {a.company.name: a.state for a in CompanyAgent.objects.select_related("company")}
    assert states == {
        "A已核验公司": "verified",
        "B待核验公司": "pending",
        "C待核验商行": "pending",
        "D过期公司": "expired",
        "E撤销公司": "revoked",
    }
    for label in ("已核验", "待窗口核验", "已过期", "已撤销"):
        assert f">{label}</span>" in html
    assert (
        "请本人携带居民身份证原件和营业执照（副本）原件，到政务服务中心综合受理窗口核验。" in html
    )
    assert "以及法定代表人签字并加盖公章的授权委托书" in html
    assert "A已核验公司 · 经办人" in html and "B待核验公司 · 经办人" not in html


def test_the_me_endpoint_lists_current_claims_with_their_state_and_scopes(client):
    account = ApplicantAccountFactory()
    verified = CompanyAgentFactory(
        person=account.person, company__name="A公司", scopes=["benefits"], verified=True
    )
    pending = CompanyAgentFactory(person=account.person, company__name="B公司", legal_rep=True)
    CompanyAgentFactory(person=account.person, verified=True, revoked=True)
    _login(client, account)
    companies = client.get("/api/v1/me").json()["companies"]
    assert [
        (c["uscc"], c["state"], c["state_label"], c["verified"], c["verification"], c["scopes"])
        for c in companies
    ] == [
        (verified.company.uscc, "verified", "已核验", True, "counter", ["benefits"]),
        (
            pending.company.uscc,
            "pending",
            "待窗口核验",
            False,
            "",
            ["apply", "benefits", "credit", "licences"],
        ),
    ]
