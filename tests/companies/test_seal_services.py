"""Company e-seals: applied for by those acting for the company, confirmed by its verified
legal representative (the key made then, never shown), revoked by them; used to sign forms,
contracts and the company's commitments."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.companies.support import company_world, seal_in_force
from yishi.companies import services
from yishi.companies.models import CompanySeal, SealedDocument
from yishi.core.errors import Conflict, PermissionDeniedError, ValidationFailed
from yishi.core.models import SigningKey
from yishi.core.signing import verify
from yishi.people.models import Company

pytestmark = pytest.mark.django_db


def test_an_agent_applies_and_only_the_legal_representative_confirms_making_the_key():
    w = company_world()
    seal = services.seal_apply(company=w.company, user=w.agent.user)
    assert seal.status == CompanySeal.Status.PENDING and seal.key_id == ""
    assert not SigningKey.objects.filter(owner=f"company:{w.company.uscc}").exists()
    with pytest.raises(PermissionDeniedError):
        services.seal_confirm(seal=seal, user=w.agent.user)
    seal = services.seal_confirm(seal=seal, user=w.rep.user)
    key = SigningKey.objects.get(owner=f"company:{w.company.uscc}", active=True)
    assert seal.status == CompanySeal.Status.ACTIVE and seal.key_id == key.key_id
    assert seal.confirmed_by == w.rep.user
    with pytest.raises(Conflict):
        services.seal_confirm(seal=seal, user=w.rep.user)


@pytest.mark.parametrize("who", ["claimant", "stranger"])
def test_a_pending_claim_or_a_stranger_cannot_apply(who):
    w = company_world()
    with pytest.raises(PermissionDeniedError):
        services.seal_apply(company=w.company, user=getattr(w, who).user)
    assert not CompanySeal.objects.exists()


def test_an_agent_without_the_apply_scope_cannot_apply():
    w = company_world(agent_scopes=["credit"])
    with pytest.raises(PermissionDeniedError):
        services.seal_apply(company=w.company, user=w.agent.user)


def test_a_second_application_while_one_is_open_is_a_conflict():
    w = company_world()
    services.seal_apply(company=w.company, user=w.agent.user)
    with pytest.raises(Conflict):
        services.seal_apply(company=w.company, user=w.rep.user)
    assert CompanySeal.objects.count() == 1


def test_a_deregistered_company_cannot_apply():
    w = company_world(status=Company.Status.CANCELLED)
    with pytest.raises(Conflict, match="注销"):
        services.seal_apply(company=w.company, user=w.rep.user)


def test_signing_needs_a_seal_in_force_and_the_credit_scope():
    w = company_world(agent_scopes=["apply"])
    with pytest.raises(Conflict, match="没有启用中的电子印章"):
        services.document_sign(
            company=w.company, user=w.rep.user, kind="form", title="表", text="内容"
        )
    seal_in_force(w)
    with pytest.raises(PermissionDeniedError):
        services.document_sign(
            company=w.company, user=w.agent.user, kind="form", title="表", text="内容"
        )
    document = services.document_sign(
        company=w.company, user=w.rep.user, kind="form", title="表", text="内容"
    )
    assert verify(document.data, document.signature)
    assert document.signature["key_id"] == document.seal.key_id


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "will", "title": "表", "text": "x"}, "kind"),
        ({"kind": "form", "title": "", "text": "x"}, "title"),
        ({"kind": "form", "title": "表", "text": "  "}, "text"),
        ({"kind": "form", "title": "表" * 121, "text": "x"}, "title"),
    ],
)
def test_bad_input_names_the_field(fields, field):
    w = company_world()
    seal_in_force(w)
    with pytest.raises(ValidationFailed) as error:
        services.document_sign(company=w.company, user=w.rep.user, **fields)
    assert error.value.field == field
    assert not SealedDocument.objects.exists()


def test_an_upload_that_is_not_a_pdf_is_refused():
    w = company_world()
    seal_in_force(w)
    with pytest.raises(ValidationFailed) as error:
        services.document_sign(
            company=w.company,
            user=w.rep.user,
            kind="contract",
            title="合同",
            upload=b"\x89PNG\r\n\x1a\n" + b"\0" * 40,
            upload_name="合同.pdf",
        )
    assert error.value.field == "file"


def test_revocation_retires_the_key_and_a_new_seal_gets_a_new_key():
    w = company_world()
    first = seal_in_force(w)
    with pytest.raises(PermissionDeniedError):
        services.seal_revoke(seal=first, user=w.agent.user, reason="x")
    with pytest.raises(ValidationFailed):
        services.seal_revoke(seal=first, user=w.rep.user, reason=" ")
    services.seal_revoke(seal=first, user=w.rep.user, reason="更换印章")
    assert not SigningKey.objects.get(key_id=first.key_id).active
    with pytest.raises(Conflict):
        services.document_sign(
            company=w.company, user=w.rep.user, kind="form", title="表", text="内容"
        )
    second = seal_in_force(w)
    assert second.key_id != first.key_id
    document = services.document_sign(
        company=w.company, user=w.rep.user, kind="form", title="表", text="内容"
    )
    assert document.signature["key_id"] == second.key_id


def test_the_private_key_is_never_shown():
    w = company_world()
    seal = seal_in_force(w)
    key = SigningKey.objects.get(key_id=seal.key_id)
    client = Client()
    client.force_login(w.rep.user)
    page = client.get(f"/companies/{w.company.uscc}/seal/").content.decode()
    seals = Client().get("/api/v1/seals").content.decode()
    for text in (page, seals):
        assert key.private_pem_encrypted not in text
        assert "PRIVATE KEY" not in text
