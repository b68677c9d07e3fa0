"""Shared makings of the 企业服务 tests: a company with its verified legal representative
and a verified agent (every scope), a pending claimant, and a seal in force."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from typing import Any

import pypdf
from gmssl import sm2

from tests.cases.factories import ApplicantFactory
from tests.people.factories import CompanyAgentFactory, CompanyFactory
from yishi.companies import services
from yishi.people.models import CompanyAgent


def company_world(*, agent_scopes: list[str] | None = None, **company: Any) -> SimpleNamespace:
    rep = ApplicantFactory()
    agent = ApplicantFactory()
    claimant = ApplicantFactory()
    stranger = ApplicantFactory()
    co = CompanyFactory(rep=rep.person, **company)
    CompanyAgentFactory(company=co, person=rep.person, legal_rep=True, verified=True)
    CompanyAgentFactory(
        company=co,
        person=agent.person,
        verified=True,
        scopes=agent_scopes if agent_scopes is not None else list(CompanyAgent.Scope.values),
    )
    CompanyAgentFactory(company=co, person=claimant.person)
    return SimpleNamespace(company=co, rep=rep, agent=agent, claimant=claimant, stranger=stranger)


def seal_in_force(w: SimpleNamespace):
    seal = services.seal_apply(company=w.company, user=w.agent.user)
    return services.seal_confirm(seal=seal, user=w.rep.user)


def attachments(pdf: bytes) -> dict[str, bytes]:
    """The files attached to a PDF, read with pypdf (not our writer)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return {name: contents[0] for name, contents in reader.attachments.items()}


def signature_of(pdf: bytes) -> dict:
    return json.loads(attachments(pdf)["signature.json"].decode("utf-8"))


def gmssl_verify(public_key_hex: str, signature_der_hex: str, data: bytes) -> bool:
    """Verify an SM2 signature (SM3, user ID 1234567812345678, DER) with gmssl only.

    gmssl 3.2.2 strips a leading "04" with str.lstrip, which also eats a coordinate's leading
    0s and 4s: give it X‖Y without the prefix byte."""
    assert public_key_hex.startswith("04") and len(public_key_hex) == 130
    verifier = sm2.CryptSM2(private_key="", public_key=public_key_hex[2:], asn1=True)
    try:
        return bool(verifier.verify_with_sm3(signature_der_hex, data))
    except Exception:  # a mangled DER is a failed verification
        return False
