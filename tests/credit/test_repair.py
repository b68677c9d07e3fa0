"""Credit repair (信用修复) lifts the restriction and is pushed; penalties and the blacklist."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.credit.factories import ACCEPT_DAY, item, submit
from tests.people.factories import CompanyFactory
from yishi.core.errors import Conflict, PermissionDeniedError, ValidationFailed
from yishi.core.models import OutboxMessage
from yishi.credit.commitments import commitment_accept, commitments_check
from yishi.credit.models import Blacklist, Commitment, CreditRecord, CreditRepair
from yishi.credit.queries import commitment_restriction
from yishi.credit.schemas import validate_document
from yishi.credit.services import (
    blacklist_add,
    blacklist_lift,
    credit_record_penalty,
    credit_repair_decide,
    credit_repair_submit,
)

pytestmark = pytest.mark.django_db
LATER = dt.date(2026, 4, 1)


@pytest.fixture
def broken(chain, submitted, applicant, window):
    commitment_accept(
        application=submitted,
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=ACCEPT_DAY,
    )
    commitments_check(today=dt.date(2026, 3, 10))
    return CreditRecord.objects.get(person=applicant.person, kind=CreditRecord.Kind.BROKEN)


def test_credit_repair_lifts_the_restriction_and_is_pushed(
    broken, chain, applicant, window, supervisor
):
    blacklist_add(
        actor=supervisor.user, person=applicant.person, reason="逾期未履行承诺", today=LATER
    )
    assert commitment_restriction(person=applicant.person, today=LATER) is not None

    repair = credit_repair_submit(user=applicant.user, statement="已补交材料并完成整改")
    assert list(repair.records.all()) == [broken]
    done = credit_repair_decide(
        repair=repair, staff=supervisor.user, approve=True, note="整改到位", today=LATER
    )

    assert done.status == CreditRepair.Status.APPROVED
    broken.refresh_from_db()
    assert broken.repaired_by_id == done.repair_record_id
    assert done.repair_record.kind == CreditRecord.Kind.REPAIR
    assert Blacklist.objects.get(person=applicant.person).lifted_at is not None
    assert commitment_restriction(person=applicant.person, today=LATER) is None
    [push] = OutboxMessage.objects.filter(topic="credit.repair")
    assert validate_document(push.topic, push.payload) == []
    assert push.payload["repaired_records"] == [
        {
            "document_id": f"yishi-credit-record-{broken.pk}",
            "record_kind": "broken",
            "occurred_on": "2026-03-10",
        }
    ]
    assert push.payload["blacklist_lifted"] == 1
    # Commitment handling is open to the applicant again.
    again = commitment_accept(
        application=submit(chain, applicant),
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=LATER,
    )
    assert again.status == Commitment.Status.ACTIVE


def test_a_refused_repair_keeps_the_restriction(broken, applicant, supervisor):
    repair = credit_repair_submit(user=applicant.user, statement="请求修复")
    with pytest.raises(ValidationFailed):
        credit_repair_decide(repair=repair, staff=supervisor.user, approve=False)
    done = credit_repair_decide(
        repair=repair, staff=supervisor.user, approve=False, note="未完成整改"
    )
    assert done.status == CreditRepair.Status.REFUSED
    assert commitment_restriction(person=applicant.person, today=LATER) is not None
    assert not OutboxMessage.objects.filter(topic="credit.repair").exists()
    with pytest.raises(Conflict):
        credit_repair_decide(repair=repair, staff=supervisor.user, approve=True)


@pytest.mark.parametrize("role", ["window", "reviewer", None])
def test_only_supervisors_and_administrators_decide_repairs(broken, applicant, role):
    repair = credit_repair_submit(user=applicant.user, statement="请求修复")
    user = ApplicantFactory().user if role is None else StaffFactory(role=role).user
    with pytest.raises(PermissionDeniedError):
        credit_repair_decide(repair=repair, staff=user, approve=True)
    assert CreditRepair.objects.get(pk=repair.pk).status == CreditRepair.Status.SUBMITTED
    assert CreditRecord.objects.get(pk=broken.pk).repaired_by_id is None


def test_nothing_to_repair_and_a_second_pending_request_are_conflicts(broken, applicant):
    with pytest.raises(Conflict):
        credit_repair_submit(user=ApplicantFactory().user, statement="无记录")
    credit_repair_submit(user=applicant.user, statement="第一次")
    with pytest.raises(Conflict):
        credit_repair_submit(user=applicant.user, statement="第二次")


def test_penalty_is_recorded_pushed_and_restricts_until_repaired(applicant, supervisor):
    company = CompanyFactory()
    record = credit_record_penalty(
        actor=supervisor.user, company=company, reason="未按承诺整改被处以罚款", today=LATER
    )
    push = OutboxMessage.objects.get(topic="credit.penalty")
    assert validate_document(push.topic, push.payload) == []
    assert push.payload["subject"]["id_number"] == company.uscc
    assert push.payload["document_id"] == f"yishi-credit-record-{record.pk}"
    with pytest.raises(PermissionDeniedError):
        credit_record_penalty(actor=applicant.user, person=applicant.person, reason="x")
    with pytest.raises(ValidationFailed):
        credit_record_penalty(
            actor=supervisor.user, person=applicant.person, company=company, reason="x"
        )


def test_blacklist_until_a_date_expires_and_can_be_lifted(applicant, supervisor):
    entry = blacklist_add(
        actor=supervisor.user,
        person=applicant.person,
        reason="严重失信",
        until=dt.date(2026, 6, 30),
        today=dt.date(2026, 1, 5),
    )
    assert commitment_restriction(person=applicant.person, today=dt.date(2026, 6, 30))
    assert commitment_restriction(person=applicant.person, today=dt.date(2026, 7, 1)) is None
    blacklist_lift(entry=entry, actor=supervisor.user, reason="复核撤销")
    assert commitment_restriction(person=applicant.person, today=dt.date(2026, 3, 1)) is None
    with pytest.raises(Conflict):
        blacklist_lift(entry=entry, actor=supervisor.user, reason="再次")
