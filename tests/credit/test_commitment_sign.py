"""Signing a commitment: what the catalog allows, who may sign, the restriction, and the
signature over the exact text."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory
from tests.credit.factories import ACCEPT_DAY, item, submit
from tests.people.factories import CompanyAgentFactory, CompanyFactory
from yishi.cases.models import Application
from yishi.core.errors import Conflict, PermissionDeniedError, ValidationFailed
from yishi.core.models import OutboxMessage
from yishi.credit.commitments import commitment_accept, commitment_sign, commitment_verify
from yishi.credit.models import Commitment, CommitmentItem
from yishi.credit.services import blacklist_add

pytestmark = pytest.mark.django_db


def sign(submitted, applicant, items):
    return commitment_sign(
        application=submitted, signer=applicant.user, items=items, today=ACCEPT_DAY
    )


def test_deferred_and_proof_items_make_one_signed_text_with_due_dates(chain, submitted, applicant):
    commitment = sign(
        submitted, applicant, [item(chain, "a_site"), item(chain, "b_proof"), item(chain, "d_plan")]
    )

    assert commitment.kind == Commitment.Kind.BOTH
    assert commitment.status == Commitment.Status.SIGNED
    rows = {i.name: (i.kind, i.defer_days, i.due) for i in commitment.items.all()}
    assert rows == {
        "经营场所证明": (CommitmentItem.Kind.DEFERRED, 5, dt.date(2026, 3, 9)),
        "无犯罪记录证明": (CommitmentItem.Kind.PROOF, None, None),
        # D's material has no days of its own: the matter's default of 10 working days.
        "平面布局图": (CommitmentItem.Kind.DEFERRED, 10, dt.date(2026, 3, 16)),
    }
    for text in ("经营场所证明", "无犯罪记录证明", "平面布局图", "2026年3月9日", "2026年3月16日"):
        assert text in commitment.text
    assert commitment.text.startswith(f"申请编号：{submitted.number}")
    assert commitment_verify(commitment) is True


def test_tampered_commitment_text_fails_verification(chain, submitted, applicant):
    commitment = sign(submitted, applicant, [item(chain, "a_site")])
    assert commitment_verify(commitment) is True

    Commitment.objects.filter(pk=commitment.pk).update(
        text=commitment.text.replace("2026年3月9日", "2026年6月9日")
    )
    tampered = Commitment.objects.get(pk=commitment.pk)
    assert commitment_verify(tampered) is False

    # Re-hashing the edited text does not help: the SM2 signature is over the original.
    from yishi.core.crypto import sm3_hex

    Commitment.objects.filter(pk=commitment.pk).update(digest=sm3_hex(tampered.text))
    assert commitment_verify(Commitment.objects.get(pk=commitment.pk)) is False


def test_a_material_not_flagged_is_refused(chain, submitted, applicant):
    with pytest.raises(ValidationFailed) as err:
        sign(submitted, applicant, [item(chain, "a_id")])
    assert err.value.field == "items" and "居民身份证" in str(err.value)
    assert not Commitment.objects.exists()


def test_a_matter_excluded_by_law_is_refused(chain, submitted, applicant):
    with pytest.raises(ValidationFailed) as err:
        sign(submitted, applicant, [item(chain, "c_site")])
    assert "公共安全" in str(err.value)


def test_a_material_of_another_application_matter_is_refused(submitted, applicant):
    from tests.catalog.factories import MaterialFactory

    stranger = MaterialFactory(deferrable=True)
    with pytest.raises(ValidationFailed) as err:
        sign(submitted, applicant, [{"matter_id": stranger.matter_id, "material_id": stranger.pk}])
    assert "不属于该申请" in str(err.value)


@pytest.mark.parametrize(
    "items",
    [[], "x", [{"matter_id": "a"}], None, [{"matter_id": 10**30, "material_id": 1}], ["1:2"]],
)
def test_malformed_items_are_a_validation_error(submitted, applicant, items):
    with pytest.raises(ValidationFailed):
        sign(submitted, applicant, items)


def test_only_the_applicant_may_sign(chain, submitted):
    with pytest.raises(PermissionDeniedError):
        commitment_sign(
            application=submitted,
            signer=ApplicantFactory().user,
            items=[item(chain, "a_site")],
            today=ACCEPT_DAY,
        )


def test_an_agent_signs_for_the_company_and_the_company_is_the_subject(chain):
    agent = ApplicantFactory()
    company = CompanyFactory()
    CompanyAgentFactory(company=company, person=agent.person, verified=True)
    app = submit(chain, agent, company=company)

    commitment = sign(app, agent, [item(chain, "a_site")])

    assert commitment.signer_role == Commitment.SignerRole.AGENT
    assert (commitment.company_id, commitment.person_id) == (company.pk, None)
    assert company.name in commitment.text and agent.person.name in commitment.text
    payload = OutboxMessage.objects.get(topic="credit.commitment.signed").payload
    assert payload["subject"] == {
        "type": "company",
        "name": company.name,
        "id_number": company.uscc,
    }


def test_a_second_commitment_on_the_same_application_is_a_conflict(chain, submitted, applicant):
    sign(submitted, applicant, [item(chain, "a_site")])
    with pytest.raises(Conflict):
        sign(submitted, applicant, [item(chain, "d_plan")])


def test_a_blacklisted_subject_is_refused_with_the_reason(
    chain, submitted, applicant, window, supervisor
):
    blacklist_add(
        actor=supervisor.user,
        person=applicant.person,
        reason="虚假承诺被行政处罚",
        until=dt.date(2026, 12, 31),
        today=dt.date(2026, 1, 5),
    )
    with pytest.raises(Conflict) as err:
        commitment_accept(
            application=submitted,
            staff=window.user,
            signer=applicant.user,
            items=[item(chain, "a_site")],
            today=ACCEPT_DAY,
        )
    assert err.value.field == "commitment"
    assert "失信名单" in str(err.value) and "2026年12月31日" in str(err.value)
    assert "虚假承诺被行政处罚" in str(err.value)
    assert Application.objects.get(pk=submitted.pk).status == Application.Status.SUBMITTED


def test_only_window_staff_accept_on_a_commitment(chain, submitted, applicant, supervisor):
    with pytest.raises(PermissionDeniedError):
        commitment_accept(
            application=submitted,
            staff=supervisor.user,
            signer=applicant.user,
            items=[item(chain, "a_site")],
            today=ACCEPT_DAY,
        )
    assert not Commitment.objects.exists()


def test_a_commitment_signed_online_is_activated_at_acceptance(chain, submitted, applicant, window):
    sign(submitted, applicant, [item(chain, "a_site")])
    later = dt.date(2026, 3, 4)  # accepted two working days after signing

    commitment = commitment_accept(
        application=submitted, staff=window.user, signer=applicant.user, items=None, today=later
    )

    assert commitment.status == Commitment.Status.ACTIVE
    assert commitment.accepted_on == later
    # Due dates count from acceptance: 5 working days after Wednesday 4 March.
    assert commitment.items.get().due == dt.date(2026, 3, 11)
