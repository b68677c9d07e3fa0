from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone

from tests.people.accounts_support import ApplicantAccountFactory
from tests.people.factories import CompanyFactory
from yishi.core.errors import Conflict, ValidationFailed
from yishi.core.models import AuditEntry
from yishi.core.synthetic import make_uscc
from yishi.people.models import Company, CompanyAgent
from yishi.people.queries import acting_companies, can_act_for
from yishi.people.services import agent_authorise, agent_revoke, applicant_company_declare

pytestmark = pytest.mark.django_db

LEGAL = CompanyAgent.Role.LEGAL_REPRESENTATIVE
AGENT = CompanyAgent.Role.AGENT


def _today() -> datetime.date:
    return timezone.localdate()


def test_a_legal_representative_may_act_for_the_company_without_an_end_date():
    account = ApplicantAccountFactory()
    company = CompanyFactory()
    agent = agent_authorise(company=company, person=account.person, role=LEGAL, actor="clerk")
    assert (agent.role, agent.authorised_until, agent.verified_at) == (LEGAL, None, None)
    assert can_act_for(account.user, company)
    assert acting_companies(account.user) == [company]
    entry = AuditEntry.objects.get(action="company_agent.authorise")
    assert entry.data == {
        "company": company.uscc,
        "person": account.person.pk,
        "role": "legal_rep",
        "until": None,
        "verified": False,
    }


def test_an_agent_needs_an_end_date():
    account = ApplicantAccountFactory()
    with pytest.raises(ValidationFailed) as exc:
        agent_authorise(company=CompanyFactory(), person=account.person, role=AGENT)
    assert (exc.value.message, exc.value.field) == (
        "经办人(代理人)须填写授权截止日期",
        "authorised_until",
    )


def test_an_end_date_in_the_past_is_refused():
    account = ApplicantAccountFactory()
    yesterday = _today() - datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        agent_authorise(
            company=CompanyFactory(), person=account.person, role=AGENT, until=yesterday
        )
    assert exc.value.message == (
        f"授权截止日期{yesterday.isoformat()}早于今天，请填写今天或以后的日期"
    )


def test_an_unknown_role_is_refused():
    account = ApplicantAccountFactory()
    with pytest.raises(ValidationFailed) as exc:
        agent_authorise(company=CompanyFactory(), person=account.person, role="boss")
    assert (exc.value.message, exc.value.field) == ("身份只能是法定代表人或经办人(代理人)", "role")


def test_an_agent_acts_until_the_end_date_and_not_after():
    account = ApplicantAccountFactory()
    company = CompanyFactory()
    agent = agent_authorise(company=company, person=account.person, role=AGENT, until=_today())
    assert can_act_for(account.user, company)
    CompanyAgent.objects.filter(pk=agent.pk).update(
        authorised_until=_today() - datetime.timedelta(days=1)
    )
    assert not can_act_for(account.user, company)
    assert acting_companies(account.user) == []


def test_an_expired_authorisation_is_replaced_by_a_new_one():
    account = ApplicantAccountFactory()
    company = CompanyFactory()
    old = agent_authorise(company=company, person=account.person, role=AGENT, until=_today())
    CompanyAgent.objects.filter(pk=old.pk).update(
        authorised_until=_today() - datetime.timedelta(days=1)
    )
    new = agent_authorise(
        company=company, person=account.person, role=AGENT, until=_today().replace(year=2099)
    )
    old.refresh_from_db()
    assert old.revoked_at is not None and new.revoked_at is None
    assert can_act_for(account.user, company)


def test_a_second_active_authorisation_of_the_same_pair_is_a_conflict():
    account = ApplicantAccountFactory()
    company = CompanyFactory()
    agent_authorise(company=company, person=account.person, role=LEGAL)
    with pytest.raises(Conflict) as exc:
        agent_authorise(company=company, person=account.person, role=AGENT, until=_today())
    assert (exc.value.message, exc.value.field) == ("该自然人已是该企业的授权人员", "company")
    assert CompanyAgent.objects.count() == 1


def test_revoking_ends_the_authorisation_once():
    account = ApplicantAccountFactory()
    company = CompanyFactory()
    agent = agent_authorise(company=company, person=account.person, role=LEGAL)
    agent_revoke(agent=agent, actor="clerk")
    assert not can_act_for(account.user, company)
    with pytest.raises(Conflict) as exc:
        agent_revoke(agent=agent)
    assert exc.value.message == "该授权已撤销"
    # and the pair may be authorised afresh
    agent_authorise(company=company, person=account.person, role=LEGAL)
    assert can_act_for(account.user, company)


def test_nobody_else_acts_for_the_company():
    account, other = ApplicantAccountFactory(), ApplicantAccountFactory()
    company = CompanyFactory()
    agent_authorise(company=company, person=account.person, role=LEGAL)
    assert not can_act_for(other.user, company)
    assert acting_companies(other.user) == []
    assert acting_companies(AnonymousUser()) == []
    assert not can_act_for(AnonymousUser(), company)


def test_companies_are_listed_by_name():
    account = ApplicantAccountFactory()
    b = CompanyFactory(name="乙公司")
    a = CompanyFactory(name="甲公司")
    agent_authorise(company=b, person=account.person, role=LEGAL)
    agent_authorise(company=a, person=account.person, role=AGENT, until=_today())
    assert {c.pk for c in acting_companies(account.user)} == {a.pk, b.pk}
    assert len(acting_companies(account.user)) == 2


@override_settings(AGENT_REQUIRE_VERIFIED=True)
def test_when_verification_is_required_only_confirmed_authorisations_count():
    account = ApplicantAccountFactory()
    declared, confirmed = CompanyFactory(), CompanyFactory()
    agent_authorise(company=declared, person=account.person, role=LEGAL)
    agent_authorise(company=confirmed, person=account.person, role=LEGAL, verified=True)
    assert acting_companies(account.user) == [confirmed]


def test_an_applicant_declaring_an_unknown_company_registers_it_unverified():
    account = ApplicantAccountFactory(person__name="马强")
    code = make_uscc(seq=501)
    agent = applicant_company_declare(
        account=account, uscc=code.lower(), company_name="梁子湖区鱼米公司", role=LEGAL
    )
    company = Company.objects.get(uscc=code)
    assert (company.name, company.legal_representative) == ("梁子湖区鱼米公司", "马强")
    assert (agent.company, agent.verified_at) == (company, None)
    assert can_act_for(account.user, company)


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
