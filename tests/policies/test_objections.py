"""A beneficiary declines or contests a grant: a declined grant is not paid by the next run and
is not granted again; a contested one keeps being paid; nobody can touch another's grant."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory
from tests.people.factories import CompanyAgentFactory
from tests.policies.factories import CompanyFactory, PersonFactory, born_aged
from yishi.core.errors import Conflict, NotFound, ValidationFailed
from yishi.core.models import AuditEntry
from yishi.policies.models import Grant, Objection
from yishi.policies.services import grant_contest, grant_decline, objection_resolve, policy_run

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture
def beneficiary(demo_policies):
    account = ApplicantFactory(person=PersonFactory(birth=born_aged(86, OCTOBER)))
    policy_run(policy=demo_policies["elderly-allowance"], period="2026-10")
    return account


def test_a_declined_grant_is_not_paid_next_month_nor_granted_again(demo_policies, beneficiary):
    grant = Grant.objects.get(person=beneficiary.person)
    grant_decline(grant=grant, user=beneficiary.user, reason="子女赡养，不需要")

    november = policy_run(policy=demo_policies["elderly-allowance"], period="2026-11")

    grant.refresh_from_db()
    assert grant.status == Grant.Status.DECLINED
    assert (november.new_count, november.continuing_count) == (0, 0)
    assert Grant.objects.filter(person=beneficiary.person).count() == 1
    objection = Objection.objects.get(grant=grant)
    assert (objection.kind, objection.status) == ("decline", "closed")
    assert AuditEntry.objects.filter(action="policies.grant_decline").count() == 1


def test_a_contested_grant_keeps_being_paid_until_resolved(demo_policies, beneficiary):
    grant = Grant.objects.get(person=beneficiary.person)
    objection = grant_contest(grant=grant, user=beneficiary.user, reason="我已满90周岁，档次有误")
    grant.refresh_from_db()
    assert grant.status == Grant.Status.CONTESTED

    november = policy_run(policy=demo_policies["elderly-allowance"], period="2026-11")
    assert november.continuing_count == 1

    objection_resolve(objection=objection, staff="staff1", resolution="经核实出生日期无误")
    grant.refresh_from_db()
    assert grant.status == Grant.Status.ACTIVE
    with pytest.raises(Conflict):
        objection_resolve(objection=objection, staff="staff1", resolution="再次")


def test_someone_else_cannot_decline_my_grant(beneficiary):
    other = ApplicantFactory()
    grant = Grant.objects.get(person=beneficiary.person)
    with pytest.raises(NotFound):
        grant_decline(grant=grant, user=other.user, reason="恶意")
    grant.refresh_from_db()
    assert grant.status == Grant.Status.ACTIVE
    assert not Objection.objects.exists()


def test_a_reason_is_required(beneficiary):
    grant = Grant.objects.get(person=beneficiary.person)
    with pytest.raises(ValidationFailed) as exc:
        grant_contest(grant=grant, user=beneficiary.user, reason="  ")
    assert exc.value.field == "reason"


def test_declining_twice_is_a_conflict(beneficiary):
    grant = Grant.objects.get(person=beneficiary.person)
    grant_decline(grant=grant, user=beneficiary.user, reason="不需要")
    with pytest.raises(Conflict):
        grant_decline(grant=grant, user=beneficiary.user, reason="不需要")


def test_an_agent_declines_for_the_company(demo_policies):
    company = CompanyFactory(
        size_class="micro", employees=5, tax_credit_grade="B", registration_date=dt.date(2020, 1, 1)
    )
    agent = ApplicantFactory()
    CompanyAgentFactory(company=company, person=agent.person, legal_rep=True, verified=True)
    policy_run(policy=demo_policies["job-stabilisation-refund"], period="2026-10")
    grant = Grant.objects.get(company=company)
    assert grant.band == "中小微企业"

    grant_decline(grant=grant, user=agent.user, reason="企业自愿放弃")
    grant.refresh_from_db()
    assert grant.status == Grant.Status.DECLINED
