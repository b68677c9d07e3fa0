"""Claims to act for a company: a claim grants nothing until verified (by the registry, at
the window, or by the verified legal representative), and only within its scopes."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tests.people.accounts_support import ApplicantAccountFactory, UserFactory
from tests.people.factories import CompanyAgentFactory, CompanyFactory, PersonFactory
from yishi.core.errors import Conflict, NotFound, ValidationFailed
from yishi.core.models import AuditEntry
from yishi.core.synthetic import make_uscc
from yishi.people.models import Company, CompanyAgent
from yishi.people.queries import acting_companies, acting_user_ids, active_agencies, can_act_for
from yishi.people.services import (
    agent_authorise,
    agent_authorise_at_counter,
    agent_authorise_by_legal_rep,
    agent_reject,
    agent_revoke,
    agent_verify,
    applicant_agent_revoke,
    applicant_company_declare,
)

pytestmark = pytest.mark.django_db

LEGAL = CompanyAgent.Role.LEGAL_REPRESENTATIVE
AGENT = CompanyAgent.Role.AGENT
S = CompanyAgent.Scope
ALL_SCOPES = ["apply", "benefits", "credit", "licences"]
COUNTER = CompanyAgent.Verification.COUNTER


def _today() -> datetime.date:
    return timezone.localdate()


def _in_a_year() -> datetime.date:
    return _today() + datetime.timedelta(days=365)


def _acts_in_any_scope(user, company) -> bool:
    return any(can_act_for(user, company, scope) for scope in S.values)


# ---------------------------------------------------------------- declaring


def test_a_stranger_declaring_himself_legal_representative_gets_a_pending_claim_that_grants_nothing():
    company = CompanyFactory(rep=PersonFactory())
    stranger = ApplicantAccountFactory()
    agent = applicant_company_declare(
        account=stranger, uscc=company.uscc, company_name="随便写的名字", role=LEGAL
    )
    assert (agent.verified_at, agent.verification, agent.state) == (None, "", "pending")
    assert not _acts_in_any_scope(stranger.user, company)
    assert active_agencies(stranger.user) == []
    assert acting_companies(stranger.user, scope=S.BENEFITS) == []


def test_a_claim_matching_the_registry_by_name_but_not_id_number_stays_pending():
    holder = PersonFactory(name="马强")
    company = CompanyFactory(rep=holder)
    namesake = ApplicantAccountFactory(person__name="马强")
    agent = applicant_company_declare(
        account=namesake, uscc=company.uscc, company_name="", role=LEGAL
    )
    assert agent.verified_at is None
    assert not can_act_for(namesake.user, company, S.BENEFITS)


def test_the_registered_legal_representative_is_verified_at_declaration_with_every_scope():
    account = ApplicantAccountFactory()
    company = CompanyFactory(rep=account.person)
    agent = applicant_company_declare(
        account=account, uscc=company.uscc, company_name="", role=LEGAL
    )
    assert agent.verification == CompanyAgent.Verification.REGISTRY
    assert agent.verified_at is not None and agent.verified_by is None
    assert agent.scopes == ALL_SCOPES
    assert all(can_act_for(account.user, company, scope) for scope in S.values)
    assert AuditEntry.objects.get(action="company_agent.authorise").data == {
        "company": company.uscc,
        "person": account.person.pk,
        "role": "legal_rep",
        "scopes": ALL_SCOPES,
        "until": None,
        "verification": "registry",
    }


def test_a_registry_match_on_an_account_whose_identity_was_not_verified_stays_pending():
    account = ApplicantAccountFactory(verified_at=None)
    company = CompanyFactory(rep=account.person)
    agent = applicant_company_declare(
        account=account, uscc=company.uscc, company_name="", role=LEGAL
    )
    assert agent.verified_at is None
    assert not can_act_for(account.user, company, S.APPLY)


def test_an_applicant_declaring_himself_agent_waits_for_the_window_even_for_a_registry_match():
    account = ApplicantAccountFactory()
    company = CompanyFactory(rep=account.person)
    agent = applicant_company_declare(
        account=account,
        uscc=company.uscc,
        company_name="",
        role=AGENT,
        scopes=["benefits"],
        until=_in_a_year(),
    )
    assert (agent.verified_at, agent.scopes) == (None, ["benefits"])
    assert not can_act_for(account.user, company, S.BENEFITS)


def test_an_applicant_declaring_an_unknown_company_registers_it_without_a_legal_rep_id():
    account = ApplicantAccountFactory(person__name="马强")
    code = make_uscc(seq=501)
    agent = applicant_company_declare(
        account=account, uscc=code.lower(), company_name="梁子湖区鱼米公司", role=LEGAL
    )
    company = Company.objects.get(uscc=code)
    assert (company.name, company.legal_representative) == ("梁子湖区鱼米公司", "马强")
    assert company.legal_representative_id_number_index == ""
    assert (agent.company, agent.verified_at) == (company, None)
    assert not can_act_for(account.user, company, S.APPLY)


def test_an_applicant_declaring_with_a_bad_credit_code_writes_nothing():
    account = ApplicantAccountFactory()
    code = make_uscc(seq=502)
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        applicant_company_declare(account=account, uscc=bad, company_name="某公司", role=LEGAL)
    assert (exc.value.message, exc.value.field) == ("统一社会信用代码校验位错误", "uscc")
    assert (Company.objects.count(), CompanyAgent.objects.count()) == (0, 0)


def test_a_failed_declaration_does_not_leave_a_new_company_behind():
    account = ApplicantAccountFactory()
    with pytest.raises(ValidationFailed):
        applicant_company_declare(
            account=account, uscc=make_uscc(seq=503), company_name="某公司", role=AGENT
        )
    assert Company.objects.count() == 0


# ---------------------------------------------------------------- validation


def test_an_agent_needs_an_end_date():
    account = ApplicantAccountFactory()
    with pytest.raises(ValidationFailed) as exc:
        agent_authorise(
            company=CompanyFactory(), person=account.person, role=AGENT, scopes=["apply"]
        )
    assert (exc.value.message, exc.value.field) == (
        "经办人(代理人)须填写授权截止日期",
        "authorised_until",
    )


def test_an_agent_needs_at_least_one_scope():
    account = ApplicantAccountFactory()
    with pytest.raises(ValidationFailed) as exc:
        agent_authorise(
            company=CompanyFactory(), person=account.person, role=AGENT, until=_in_a_year()
        )
    assert (exc.value.message, exc.value.field) == (
        "经办人(代理人)须选择至少一项授权范围",
        "scopes",
    )


def test_an_unknown_scope_is_refused_with_the_allowed_ones_named():
    account = ApplicantAccountFactory()
    with pytest.raises(ValidationFailed) as exc:
        agent_authorise(
            company=CompanyFactory(),
            person=account.person,
            role=AGENT,
            scopes=["apply", "everything"],
            until=_in_a_year(),
        )
    assert exc.value.field == "scopes"
    assert exc.value.message == (
        "授权范围只能是apply（办理业务）、benefits（惠企政策与补贴）、credit（信用与承诺）、"
        "licences（电子证照）"
    )
    assert CompanyAgent.objects.count() == 0


def test_scopes_are_stored_once_each_in_their_canonical_order():
    agent = agent_authorise(
        company=CompanyFactory(),
        person=PersonFactory(),
        role=AGENT,
        scopes=["credit", "apply", "credit"],
        until=_in_a_year(),
    )
    assert agent.scopes == ["apply", "credit"]


def test_an_end_date_in_the_past_is_refused():
    account = ApplicantAccountFactory()
    yesterday = _today() - datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        agent_authorise(
            company=CompanyFactory(),
            person=account.person,
            role=AGENT,
            scopes=["apply"],
            until=yesterday,
        )
    assert exc.value.message == (
        f"授权截止日期{yesterday.isoformat()}早于今天，请填写今天或以后的日期"
    )


def test_an_unknown_role_is_refused():
    account = ApplicantAccountFactory()
    with pytest.raises(ValidationFailed) as exc:
        agent_authorise(company=CompanyFactory(), person=account.person, role="boss")
    assert (exc.value.message, exc.value.field) == ("身份只能是法定代表人或经办人(代理人)", "role")


# ---------------------------------------------------------------- holding


def test_a_verified_agent_acts_only_within_its_scopes():
    account = ApplicantAccountFactory()
    agent = CompanyAgentFactory(person=account.person, scopes=["benefits"], verified=True)
    assert can_act_for(account.user, agent.company, S.BENEFITS)
    assert not can_act_for(account.user, agent.company, S.CREDIT)
    assert acting_companies(account.user, scope=S.BENEFITS) == [agent.company]
    assert acting_companies(account.user, scope=S.APPLY) == []


def test_an_agent_acts_until_the_end_date_and_not_after():
    account = ApplicantAccountFactory()
    agent = CompanyAgentFactory(person=account.person, authorised_until=_today(), verified=True)
    assert can_act_for(account.user, agent.company, S.APPLY)
    CompanyAgent.objects.filter(pk=agent.pk).update(
        authorised_until=_today() - datetime.timedelta(days=1)
    )
    assert not can_act_for(account.user, agent.company, S.APPLY)
    assert acting_companies(account.user, scope=S.APPLY) == []


def test_expired_and_revoked_claims_grant_nothing():
    account = ApplicantAccountFactory()
    expired = CompanyAgentFactory(person=account.person, verified=True, expired=True)
    revoked = CompanyAgentFactory(
        person=account.person, verified=True, revoked=True, legal_rep=True
    )
    assert (expired.state, revoked.state) == ("expired", "revoked")
    assert not _acts_in_any_scope(account.user, expired.company)
    assert not _acts_in_any_scope(account.user, revoked.company)
    assert active_agencies(account.user) == []


def test_nobody_else_acts_for_the_company():
    account, other = ApplicantAccountFactory(), ApplicantAccountFactory()
    agent = CompanyAgentFactory(person=account.person, legal_rep=True, verified=True)
    assert not can_act_for(other.user, agent.company, S.APPLY)
    assert acting_companies(other.user, scope=S.APPLY) == []
    assert acting_companies(AnonymousUser(), scope=S.APPLY) == []
    assert not can_act_for(AnonymousUser(), agent.company, S.APPLY)


def test_companies_are_listed_by_name():
    account = ApplicantAccountFactory()
    b = CompanyAgentFactory(
        person=account.person, company__name="B乙公司", legal_rep=True, verified=True
    )
    a = CompanyAgentFactory(person=account.person, company__name="A甲公司", verified=True)
    CompanyAgentFactory(person=account.person, company__name="C丙公司")  # pending
    assert acting_companies(account.user, scope=S.APPLY) == [a.company, b.company]


def test_only_verified_holders_within_the_scope_are_told_of_a_company_matter():
    company = CompanyFactory()
    rep = CompanyAgentFactory(company=company, person=ApplicantAccountFactory().person)
    rep_account = rep.person.account
    agent_verify(agent=rep, staff=UserFactory())
    CompanyAgentFactory(company=company, person=ApplicantAccountFactory().person)  # pending
    CompanyAgentFactory(
        company=company,
        person=ApplicantAccountFactory().person,
        scopes=["credit"],
        verified=True,
    )
    assert acting_user_ids([company.pk], scope=S.BENEFITS) == [rep_account.user_id]


# ---------------------------------------------------------------- the window


def test_window_staff_confirm_a_pending_claim_which_then_holds():
    account = ApplicantAccountFactory()
    clerk = UserFactory()
    agent = applicant_company_declare(
        account=account, uscc=CompanyFactory().uscc, company_name="", role=LEGAL
    )
    agent_verify(agent=agent, staff=clerk)
    agent.refresh_from_db()
    assert (agent.verification, agent.verified_by, agent.state) == (COUNTER, clerk, "verified")
    assert can_act_for(account.user, agent.company, S.CREDIT)
    entry = AuditEntry.objects.get(action="company_agent.verify")
    assert (entry.data, entry.object_id) == (
        {"company": agent.company.uscc, "person": account.person.pk, "role": "legal_rep"},
        str(agent.pk),
    )


def test_a_claim_cannot_be_confirmed_twice_or_after_rejection():
    clerk = UserFactory()
    verified = CompanyAgentFactory(verified=True)
    with pytest.raises(Conflict) as exc:
        agent_verify(agent=verified, staff=clerk)
    assert exc.value.message == "该授权已核验，不能再核验"
    pending = CompanyAgentFactory()
    agent_reject(agent=pending, staff=clerk, reason="营业执照法定代表人不是本人")
    with pytest.raises(Conflict) as exc:
        agent_verify(agent=pending, staff=clerk)
    assert exc.value.message == "该授权已撤销，不能再核验"


def test_rejecting_a_claim_closes_it_on_the_record():
    account = ApplicantAccountFactory()
    agent = CompanyAgentFactory(person=account.person, legal_rep=True)
    agent_reject(agent=agent, staff=UserFactory(), reason="营业执照法定代表人不是本人")
    agent.refresh_from_db()
    assert (agent.state, agent.verified_at) == ("revoked", None)
    assert AuditEntry.objects.get(action="company_agent.reject").data == {
        "company": agent.company.uscc,
        "person": account.person.pk,
        "reason": "营业执照法定代表人不是本人",
    }


def test_staff_record_an_authorisation_at_the_counter_by_id_number_and_name():
    person = PersonFactory()
    company = CompanyFactory()
    clerk = UserFactory()
    agent = agent_authorise_at_counter(
        uscc=company.uscc,
        name=person.name,
        id_number=person.id_number,
        role=AGENT,
        scopes=["licences"],
        until=_in_a_year(),
        staff=clerk,
    )
    assert (agent.company, agent.person, agent.scopes) == (company, person, ["licences"])
    assert (agent.verification, agent.verified_by, agent.state) == (COUNTER, clerk, "verified")


def test_a_counter_authorisation_of_an_unknown_company_is_not_found():
    person = PersonFactory()
    with pytest.raises(NotFound) as exc:
        agent_authorise_at_counter(
            uscc=make_uscc(seq=777),
            name=person.name,
            id_number=person.id_number,
            role=LEGAL,
            staff=UserFactory(),
        )
    assert exc.value.field == "uscc"


def test_a_verified_authorisation_replaces_the_same_persons_pending_claim():
    account = ApplicantAccountFactory()
    pending = CompanyAgentFactory(person=account.person)
    agent = agent_authorise_at_counter(
        uscc=pending.company.uscc,
        name=account.person.name,
        id_number=account.person.id_number,
        role=LEGAL,
        staff=UserFactory(),
    )
    pending.refresh_from_db()
    assert pending.state == "revoked" and agent.state == "verified"


def test_a_second_current_claim_of_the_same_pair_is_a_conflict():
    agent = CompanyAgentFactory(legal_rep=True, verified=True)
    with pytest.raises(Conflict) as exc:
        agent_authorise(
            company=agent.company,
            person=agent.person,
            role=AGENT,
            scopes=["apply"],
            until=_today(),
        )
    assert (exc.value.message, exc.value.field) == ("该自然人已是该企业的授权人员", "company")
    assert CompanyAgent.objects.count() == 1


def test_an_expired_authorisation_is_replaced_by_a_new_one():
    old = CompanyAgentFactory(verified=True, expired=True)
    new = agent_authorise(
        company=old.company,
        person=old.person,
        role=AGENT,
        scopes=["apply"],
        until=_in_a_year(),
        verification=COUNTER,
    )
    old.refresh_from_db()
    assert old.revoked_at is not None and new.state == "verified"


# ---------------------------------------------------------------- the legal representative


def test_the_verified_legal_representative_authorises_an_agent_who_holds_at_once():
    rep = ApplicantAccountFactory()
    company = CompanyAgentFactory(person=rep.person, legal_rep=True, verified=True).company
    clerk = ApplicantAccountFactory()
    agent = agent_authorise_by_legal_rep(
        account=rep,
        company=company,
        name=clerk.person.name,
        id_number=clerk.person.id_number,
        scopes=["benefits"],
        until=_in_a_year(),
    )
    assert (agent.role, agent.verification, agent.verified_by) == (
        AGENT,
        CompanyAgent.Verification.LEGAL_REP,
        rep.user,
    )
    assert can_act_for(clerk.user, company, S.BENEFITS)
    assert not can_act_for(clerk.user, company, S.CREDIT)


def test_an_agent_is_authorised_only_under_the_name_registered_with_the_id_number():
    rep = ApplicantAccountFactory()
    company = CompanyAgentFactory(person=rep.person, legal_rep=True, verified=True).company
    person = PersonFactory(name="吴敏")
    with pytest.raises(ValidationFailed) as exc:
        agent_authorise_by_legal_rep(
            account=rep,
            company=company,
            name="吴芳",
            id_number=person.id_number,
            scopes=["apply"],
            until=_in_a_year(),
        )
    assert (exc.value.message, exc.value.field) == (
        "未找到姓名与居民身份证号一致的已登记自然人，请核对",
        "agent_id_number",
    )


def test_a_legal_representative_whose_claim_is_pending_cannot_authorise_agents():
    rep = ApplicantAccountFactory()
    company = CompanyAgentFactory(person=rep.person, legal_rep=True).company
    person = PersonFactory()
    with pytest.raises(NotFound):
        agent_authorise_by_legal_rep(
            account=rep,
            company=company,
            name=person.name,
            id_number=person.id_number,
            scopes=["apply"],
            until=_in_a_year(),
        )
    assert CompanyAgent.objects.filter(role=AGENT).count() == 0


def test_the_legal_representative_revokes_an_agent_and_nobody_else_may():
    rep = ApplicantAccountFactory()
    company = CompanyAgentFactory(person=rep.person, legal_rep=True, verified=True).company
    agent_account = ApplicantAccountFactory()
    agent = CompanyAgentFactory(company=company, person=agent_account.person, verified=True)
    outsider = ApplicantAccountFactory()
    CompanyAgentFactory(company=company, person=outsider.person, verified=True)
    with pytest.raises(NotFound):
        applicant_agent_revoke(account=outsider, agent=agent)
    applicant_agent_revoke(account=rep, agent=agent)
    assert not can_act_for(agent_account.user, company, S.APPLY)
    assert AuditEntry.objects.get(action="company_agent.revoke").actor == rep.user.get_username()


def test_revoking_ends_the_authorisation_once():
    agent = CompanyAgentFactory(legal_rep=True, verified=True)
    agent_revoke(agent=agent, actor="clerk")
    with pytest.raises(Conflict) as exc:
        agent_revoke(agent=agent)
    assert exc.value.message == "该授权已撤销"
