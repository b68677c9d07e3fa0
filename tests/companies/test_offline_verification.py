"""Done when: a licence PDF and a company-signed PDF verify offline with only the published
key, through an independent SM2 implementation (gmssl); a changed byte fails."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.test import Client

from tests.catalog.factories import DepartmentFactory
from tests.companies.support import (
    attachments,
    company_world,
    gmssl_verify,
    seal_in_force,
    signature_of,
)
from tests.licences.factories import issue
from yishi.companies import services
from yishi.companies.models import SealedDocument
from yishi.companies.pdf import sealed_pdf
from yishi.core.crypto import sm3_hex
from yishi.licences.pdf import licence_pdf
from yishi.licences.services import seal_rotate

pytestmark = pytest.mark.django_db

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def published() -> dict[str, dict]:
    """Everything a verifier fetches once: /api/v1/seals, every page, by seal id."""
    client, seals, offset = Client(), {}, 0
    while True:
        body = client.get(f"/api/v1/seals?limit=2&offset={offset}").json()
        seals.update({item["id"]: item for item in body["items"]})
        offset += 2
        if offset >= body["count"]:
            return seals


def verify_offline(pdf: bytes, seals: dict[str, dict]) -> bool:
    sig = signature_of(pdf)
    key = seals.get(sig["seal_id"])
    if key is None or key["revoked"]:
        return False
    return gmssl_verify(key["public_key"], sig["signature"], sig["data"].encode("utf-8"))


def flip(text: str, index: int) -> str:
    chars = list(text)
    chars[index] = "0" if chars[index] != "0" else "1"
    return "".join(chars)


def test_a_licence_pdf_verifies_offline_with_only_the_published_key():
    licence = issue(issuer=DepartmentFactory(name="梁子湖区市场监督管理局"))
    pdf = licence_pdf(licence)
    sig = signature_of(pdf)
    assert set(sig) == {"data", "signature", "seal_id"}
    seals = published()
    key = seals[sig["seal_id"]]
    assert key["kind"] == "department"
    assert key["owner"] == f"dept:{licence.issuer.code}"
    # The signed data is the licence: its number and issuer are in it.
    data = json.loads(sig["data"])
    assert data["number"] == licence.number and data["issuer"] == licence.issuer.code
    assert verify_offline(pdf, seals)
    # A changed byte of the data or of the signature fails.
    raw = sig["data"].encode("utf-8")
    other = "Y" if licence.number.endswith("X") else "X"  # a check character that differs
    tampered = raw.replace(licence.number.encode(), (licence.number[:-1] + other).encode())
    assert tampered != raw
    assert not gmssl_verify(key["public_key"], sig["signature"], tampered)
    for index in (20, len(sig["signature"]) - 3):
        assert not gmssl_verify(key["public_key"], flip(sig["signature"], index), raw)


def test_a_company_signed_pdf_verifies_offline_and_a_changed_byte_fails():
    w = company_world()
    seal = seal_in_force(w)
    document = services.document_sign(
        company=w.company,
        user=w.agent.user,
        kind=SealedDocument.Kind.CONTRACT,
        title="场地租赁合同",
        text="甲方将梁子湖区太和镇某处场地租予乙方，租期一年。",
    )
    pdf = sealed_pdf(document)
    sig = signature_of(pdf)
    seals = published()
    key = seals[sig["seal_id"]]
    assert sig["seal_id"] == seal.key_id
    assert key["kind"] == "company" and key["owner"] == f"company:{w.company.uscc}"
    assert key["revoked"] is False and key["valid_to"] is None
    data = json.loads(sig["data"])
    assert data["company"]["uscc"] == w.company.uscc
    assert data["content"]["text"].startswith("甲方将")
    assert verify_offline(pdf, seals)
    raw = sig["data"].encode("utf-8")
    assert not gmssl_verify(
        key["public_key"], sig["signature"], raw.replace("一年".encode(), "十年".encode())
    )
    assert not gmssl_verify(key["public_key"], flip(sig["signature"], 30), raw)


def test_an_uploaded_pdf_travels_with_its_signature_and_its_digest_is_signed():
    w = company_world()
    seal_in_force(w)
    document = services.document_sign(
        company=w.company,
        user=w.rep.user,
        kind=SealedDocument.Kind.FORM,
        title="年度报告表",
        upload=MINIMAL_PDF,
        upload_name="年度报告表.pdf",
    )
    pdf = sealed_pdf(document)
    files = attachments(pdf)
    sig = signature_of(pdf)
    data = json.loads(sig["data"])
    original = files[data["content"]["file"]["name"]]
    assert original == MINIMAL_PDF
    # The verifier recomputes the file's SM3 (here with gmssl's own SM3) and the signature.
    from gmssl import func, sm3

    assert sm3.sm3_hash(func.bytes_to_list(original)) == data["content"]["file"]["sm3"]
    assert data["content"]["file"]["sm3"] == sm3_hex(MINIMAL_PDF)
    assert data["content"]["file"]["sm3"] != hashlib.sha256(original).hexdigest()
    assert verify_offline(pdf, published())
    changed = original.replace(b"1.4", b"1.5")
    assert sm3.sm3_hash(func.bytes_to_list(changed)) != data["content"]["file"]["sm3"]


def test_old_department_keys_stay_published_after_rotation_so_old_licences_verify():
    issuer = DepartmentFactory(name="梁子湖区卫生健康局")
    old = issue(issuer=issuer)
    old_pdf = licence_pdf(old)
    seal_rotate(department=issuer)
    new_pdf = licence_pdf(issue(issuer=issuer))
    seals = published()
    old_key = seals[signature_of(old_pdf)["seal_id"]]
    new_key = seals[signature_of(new_pdf)["seal_id"]]
    assert old_key["id"] != new_key["id"]
    assert old_key["valid_to"] is not None and new_key["valid_to"] is None
    assert verify_offline(old_pdf, seals) and verify_offline(new_pdf, seals)


def test_a_revoked_company_seal_is_published_as_revoked_and_signs_nothing_more():
    w = company_world()
    seal = seal_in_force(w)
    document = services.document_sign(
        company=w.company, user=w.rep.user, kind="form", title="申请表", text="内容"
    )
    pdf = sealed_pdf(document)
    services.seal_revoke(seal=seal, user=w.rep.user, reason="印章管理调整")
    key = published()[seal.key_id]
    assert key["revoked"] is True and key["valid_to"] is not None
    # The signature itself still verifies; the published revocation is what refuses it.
    sig = signature_of(pdf)
    assert gmssl_verify(key["public_key"], sig["signature"], sig["data"].encode("utf-8"))
    assert not verify_offline(pdf, published())


def test_a_seal_id_is_the_sm3_of_the_published_key_wrapped_as_the_guide_says():
    issue()
    spki_prefix = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")
    for seal in published().values():
        assert sm3_hex(spki_prefix + bytes.fromhex(seal["public_key"]))[:16] == seal["id"]


def test_a_company_key_made_outside_a_seal_is_published_as_revoked():
    from yishi.core.signing import sign

    stray = sign("x", owner="company:91420702MA4K0000X1")
    assert published()[stray.key_id]["revoked"] is True
