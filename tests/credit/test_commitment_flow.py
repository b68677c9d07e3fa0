"""End to end: 容缺受理 on a signed commitment, kept in time, broken when late."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.credit.factories import ACCEPT_DAY, item, submit
from yishi.cases.models import Application, CaseEvent, Message, SubCase
from yishi.core.errors import Conflict
from yishi.core.models import OutboxMessage
from yishi.credit.commitments import (
    commitment_accept,
    commitment_item_fulfil,
    commitment_verify,
    commitments_check,
)
from yishi.credit.models import Commitment, CreditRecord
from yishi.credit.queries import commitment_restriction
from yishi.credit.schemas import validate_document

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 3, 9)  # 5 working days after Monday 2 March


def accept_with_missing_site(chain, submitted, applicant, window):
    return commitment_accept(
        application=submitted,
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=ACCEPT_DAY,
    )


def pushed(topic):
    return list(OutboxMessage.objects.filter(topic=topic).order_by("id"))


def test_accepted_with_a_missing_material_on_a_signed_commitment(
    chain, submitted, applicant, window
):
    commitment = accept_with_missing_site(chain, submitted, applicant, window)

    assert commitment.status == Commitment.Status.ACTIVE
    assert commitment.accepted_on == ACCEPT_DAY
    assert commitment.kind == Commitment.Kind.DEFERRAL
    assert commitment.signer_id == applicant.user.pk
    assert commitment.signer_role == Commitment.SignerRole.APPLICANT
    assert commitment.person_id == applicant.person_id and commitment.company_id is None
    [only] = commitment.items.all()
    assert (only.name, only.due, only.fulfilled_at) == ("经营场所证明", DUE, None)
    assert "经营场所证明" in commitment.text and "2026年3月9日" in commitment.text
    assert commitment_verify(commitment) is True
    app = Application.objects.get(pk=submitted.pk)
    assert app.status == Application.Status.ACCEPTED
    actions = list(app.events.values_list("action", flat=True))
    assert "commitment_signed" in actions and "commitment_accepted" in actions
    [signed] = pushed("credit.commitment.signed")
    assert validate_document(signed.topic, signed.payload) == []
    assert signed.payload["subject"]["id_number"] == applicant.person.id_number


def test_material_in_time_keeps_the_commitment_and_pushes_a_kept_record(
    chain, submitted, applicant, window
):
    commitment = accept_with_missing_site(chain, submitted, applicant, window)
    [missing] = commitment.items.all()

    commitment_item_fulfil(item=missing, actor=window.user, today=DUE)

    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.KEPT
    [record] = CreditRecord.objects.filter(person=applicant.person)
    assert (record.kind, record.occurred_on, record.application_id) == (
        CreditRecord.Kind.KEPT,
        DUE,
        submitted.pk,
    )
    [kept] = pushed("credit.commitment.kept")
    assert kept.payload["event"] == "kept"
    assert kept.payload["items"][0]["fulfilled_at"] is not None
    assert validate_document(kept.topic, kept.payload) == []
    # Kept: the next day's check breaks nothing, and the applicant may promise again.
    assert commitments_check(today=DUE + dt.timedelta(days=30)) == {"reminded": 0, "broken": 0}
    assert commitment_restriction(person=applicant.person, today=DUE) is None
    assert Application.objects.get(pk=submitted.pk).status == Application.Status.ACCEPTED


def test_deadline_passing_breaks_the_commitment_and_refuses_the_next_commitment(
    chain, submitted, applicant, window
):
    commitment = accept_with_missing_site(chain, submitted, applicant, window)

    # On the due day nothing breaks; the next working day it does.
    assert commitments_check(today=DUE)["broken"] == 0
    assert commitments_check(today=dt.date(2026, 3, 10)) == {"reminded": 0, "broken": 1}

    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.BROKEN
    assert "经营场所证明" in commitment.broken_reason
    app = Application.objects.get(pk=submitted.pk)
    assert app.status == Application.Status.SUSPENDED
    assert set(app.subcases.values_list("status", flat=True)) == {SubCase.Status.SUSPENDED}
    [record] = CreditRecord.objects.filter(person=applicant.person)
    assert (record.kind, record.occurred_on) == (CreditRecord.Kind.BROKEN, dt.date(2026, 3, 10))
    [broken] = pushed("credit.commitment.broken")
    assert broken.payload["broken_reason"] == commitment.broken_reason
    assert validate_document(broken.topic, broken.payload) == []
    told = Message.objects.filter(user=applicant.user, application=app).values_list(
        "text", flat=True
    )
    assert any("未履行" in t and "经营场所证明" in t for t in told)
    # A second run the same or a later day changes nothing more.
    assert commitments_check(today=dt.date(2026, 3, 11)) == {"reminded": 0, "broken": 0}
    assert CreditRecord.objects.count() == 1

    # The same applicant is refused commitment handling next time, with the reason.
    reason = commitment_restriction(person=applicant.person, today=dt.date(2026, 3, 12))
    assert reason is not None and "2026年3月10日" in reason and "信用修复" in reason
    second = submit(chain, applicant)
    with pytest.raises(Conflict) as refused:
        commitment_accept(
            application=second,
            staff=window.user,
            signer=applicant.user,
            items=[item(chain, "a_site")],
            today=dt.date(2026, 3, 12),
        )
    assert refused.value.field == "commitment"
    assert str(refused.value) == reason
    assert Application.objects.get(pk=second.pk).status == Application.Status.SUBMITTED
    assert not Commitment.objects.filter(application=second).exists()
    assert not CaseEvent.objects.filter(application=second, action="accept").exists()
