"""A company's commitment (告知承诺/容缺承诺) sealed with its e-seal: the exact commitment
text is signed, once."""

from __future__ import annotations

import json

import pytest

from tests.companies.support import company_world, gmssl_verify, seal_in_force, signature_of
from tests.credit.factories import ACCEPT_DAY, item, make_commitment_theme, submit
from yishi.companies import services
from yishi.companies.pdf import sealed_pdf
from yishi.companies.queries import commitments_to_seal, published_seals
from yishi.core.errors import Conflict, PermissionDeniedError
from yishi.credit.commitments import commitment_sign

pytestmark = pytest.mark.django_db


def _commitment(w):
    chain = make_commitment_theme()
    application = submit(chain, applicant=w.rep, company=w.company)
    return commitment_sign(
        application=application, signer=w.rep.user, items=[item(chain, "a_site")], today=ACCEPT_DAY
    )


def test_the_company_seals_its_commitment_and_the_pdf_verifies_with_gmssl():
    w = company_world()
    seal_in_force(w)
    commitment = _commitment(w)
    assert commitments_to_seal(w.company) == [commitment]
    document = services.commitment_seal(commitment=commitment, user=w.agent.user)
    assert document.commitment == commitment
    assert commitments_to_seal(w.company) == []
    sig = signature_of(sealed_pdf(document))
    data = json.loads(sig["data"])
    assert data["content"]["commitment"]["text"] == commitment.text
    assert data["content"]["commitment"]["digest"] == commitment.digest
    items, _ = published_seals(limit=500, offset=0)
    key = next(k for k in items if k["id"] == sig["seal_id"])
    assert gmssl_verify(key["public_key"], sig["signature"], sig["data"].encode("utf-8"))
    with pytest.raises(Conflict, match="已加盖"):
        services.commitment_seal(commitment=commitment, user=w.rep.user)


def test_an_altered_commitment_text_is_not_sealed():
    w = company_world()
    seal_in_force(w)
    commitment = _commitment(w)
    commitment.text += "（追加）"
    commitment.save(update_fields=["text"])
    with pytest.raises(Conflict, match="不符"):
        services.commitment_seal(commitment=commitment, user=w.rep.user)


def test_someone_without_the_credit_scope_cannot_seal_a_commitment():
    w = company_world(agent_scopes=["apply"])
    seal_in_force(w)
    commitment = _commitment(w)
    with pytest.raises(PermissionDeniedError):
        services.commitment_seal(commitment=commitment, user=w.agent.user)
    with pytest.raises(PermissionDeniedError):
        services.commitment_seal(commitment=commitment, user=w.stranger.user)
