"""企业授权核验 at the window: window staff (and administrators) see the pending claims with
masked names, confirm or turn them down, record an authorisation at the counter and revoke
one; reviewers and applicants are refused and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.factories import StaffFactory
from tests.people.accounts_support import ApplicantAccountFactory
from tests.people.factories import CompanyAgentFactory, CompanyFactory, PersonFactory
from yishi.core.models import AuditEntry
from yishi.people.models import CompanyAgent
from yishi.people.queries import can_act_for

pytestmark = pytest.mark.django_db

LIST = "/workbench/company-claims/"


def _action(agent: CompanyAgent, action: str) -> str:
    return f"{LIST}{agent.pk}/{action}/"


@pytest.fixture
def claim() -> CompanyAgent:
    """A stranger's pending claim to be the legal representative of a company."""
    account = ApplicantAccountFactory(person__name="欧阳明")
    company = CompanyFactory(name="鄂州市梁子湖区核验测试有限公司")
    return CompanyAgentFactory(company=company, person=account.person, legal_rep=True)


def test_window_staff_see_pending_claims_with_masked_names(client, claim):
    CompanyAgentFactory(verified=True)  # a verified claim is not waiting
    client.force_login(StaffFactory().user)
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-claim=") == 1
    number = claim.person.id_number
    assert "鄂州市梁子湖区核验测试有限公司" in html and claim.company.uscc in html
    assert "欧**" in html and "欧阳明" not in html
    assert f"{number[:4]}**********{number[-4:]}" in html and number not in html
    assert f'href="{LIST}"' in client.get("/workbench/").content.decode()


def test_window_staff_confirm_a_claim_which_then_holds(client, claim):
    clerk = StaffFactory().user
    client.force_login(clerk)
    response = client.post(_action(claim, "confirm"))
    assert (response.status_code, response["Location"]) == (302, LIST)
    claim.refresh_from_db()
    assert (claim.state, claim.verification, claim.verified_by) == ("verified", "counter", clerk)
    assert can_act_for(claim.person.account.user, claim.company, CompanyAgent.Scope.CREDIT)
    assert AuditEntry.objects.get(action="company_agent.verify").actor == clerk.get_username()
    assert "授权已核验通过" in client.get(LIST).content.decode()


def test_window_staff_turn_a_claim_down_with_a_reason(client, claim):
    client.force_login(StaffFactory().user)
    client.post(_action(claim, "reject"), {"reason": "营业执照法定代表人不是本人"})
    claim.refresh_from_db()
    assert (claim.state, claim.verified_at) == ("revoked", None)
    entry = AuditEntry.objects.get(action="company_agent.reject")
    assert entry.data["reason"] == "营业执照法定代表人不是本人"


def test_confirming_a_claim_twice_is_a_conflict_on_the_page(client, claim):
    client.force_login(StaffFactory().user)
    client.post(_action(claim, "confirm"))
    response = client.post(_action(claim, "confirm"))
    assert response.status_code == 409
    assert "该授权已核验，不能再核验" in response.content.decode()


def test_an_administrator_may_confirm_too(client, claim):
    client.force_login(StaffFactory(administrator=True).user)
    assert client.post(_action(claim, "confirm")).status_code == 302
    claim.refresh_from_db()
    assert claim.state == "verified"


@pytest.mark.parametrize("who", ["reviewer", "applicant"])
def test_reviewers_and_applicants_are_refused_and_change_nothing(client, claim, who):
    user = StaffFactory(reviewer=True).user if who == "reviewer" else claim.person.account.user
    client.force_login(user)
    listing = client.get(LIST)
    assert listing.status_code == 403
    assert claim.company.name not in listing.content.decode()
    for action in ("confirm", "reject", "revoke"):
        assert client.post(_action(claim, action)).status_code == 403
    assert client.post(f"{LIST}new/", {"uscc": claim.company.uscc}).status_code == 403
    claim.refresh_from_db()
    assert (claim.state, claim.verified_at) == ("pending", None)
    assert not AuditEntry.objects.filter(action__startswith="company_agent.").exists()
    assert CompanyAgent.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_log_in(client, claim):
    response = client.post(_action(claim, "confirm"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    claim.refresh_from_db()
    assert claim.state == "pending"


def test_window_staff_record_an_agent_at_the_counter(client):
    company = CompanyFactory()
    person = PersonFactory()
    clerk = StaffFactory().user
    client.force_login(clerk)
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        f"{LIST}new/",
        {
            "uscc": company.uscc,
            "name": person.name,
            "id_number": person.id_number,
            "role": "agent",
            "scopes": ["apply", "licences"],
            "until": until,
        },
    )
    assert response["Location"] == f"{LIST}?company={company.uscc}"
    agent = CompanyAgent.objects.get()
    assert (agent.person, agent.scopes, agent.state) == (person, ["apply", "licences"], "verified")
    assert (agent.verification, agent.verified_by) == ("counter", clerk)


def test_a_counter_authorisation_with_a_wrong_name_is_refused_beside_the_form(client):
    company = CompanyFactory()
    person = PersonFactory(name="吴敏")
    client.force_login(StaffFactory().user)
    response = client.post(
        f"{LIST}new/",
        {"uscc": company.uscc, "name": "吴芳", "id_number": person.id_number, "role": "legal_rep"},
    )
    assert response.status_code == 422
    assert "未找到姓名与居民身份证号一致的已登记自然人，请核对" in response.content.decode()
    assert not CompanyAgent.objects.exists()


def test_window_staff_look_a_company_up_and_revoke_an_authorisation(client):
    agent = CompanyAgentFactory(verified=True)
    client.force_login(StaffFactory().user)
    html = client.get(f"{LIST}?company={agent.company.uscc}").content.decode()
    assert f'action="{_action(agent, "revoke")}"' in html
    response = client.post(_action(agent, "revoke"))
    assert response["Location"] == f"{LIST}?company={agent.company.uscc}"
    agent.refresh_from_db()
    assert agent.state == "revoked"
