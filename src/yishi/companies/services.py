"""Use cases of 企业服务: apply for, confirm and revoke a company's e-seal; sign documents
and commitments with it. One transaction each; refusals are yishi.core.errors exceptions
with Chinese messages naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yishi.companies import access
from yishi.companies.models import CompanySeal, SealedDocument, company_owner
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict, PermissionDeniedError, ValidationFailed
from yishi.core.models import SigningKey
from yishi.core.signing import rotate_key, sign
from yishi.core.uploads import PDF, store_upload
from yishi.licences.canonical import canonical_bytes
from yishi.people.models import Company

CANONICAL_VERSION = "yishi.sealed/1"
TITLE_MAX = 120
TEXT_MAX = 20000
REASON_MAX = 200
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
_DOCUMENT_KINDS = (SealedDocument.Kind.FORM, SealedDocument.Kind.CONTRACT)


def _require_active_company(company: Company, what: str) -> None:
    if company.status != Company.Status.ACTIVE:
        raise Conflict(
            f"企业登记状态为“{company.get_status_display()}”，不能{what}", field="company"
        )


def _text(value: Any, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(f"{label}：必须填写", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label}：不能超过 {max_length} 个字", field=field)
    return text


# ---------------------------------------------------------------- the seal


def seal_apply(*, company: Company, user: Any) -> CompanySeal:
    """Someone acting for the company (legal representative, or an agent with the 办理业务
    scope) applies for its e-seal; nothing signs until the legal representative confirms."""
    if not access.may_apply_seal(user, company):
        raise PermissionDeniedError(
            "只有该企业经核验的法定代表人或获授权办理业务的经办人可以申请电子印章",
            field="company",
        )
    _require_active_company(company, "申请电子印章")
    try:
        with transaction.atomic():
            seal = CompanySeal.objects.create(
                company=company, name=f"{company.name}电子印章", applied_by=user
            )
            audit_append(
                action="companies.seal.apply",
                actor=user,
                object_type="companies.seal",
                object_id=seal.pk,
                data={"company": company.uscc},
            )
    except IntegrityError:
        raise Conflict("该企业已有待确认或启用中的电子印章", field="company") from None
    return seal


def _locked(seal: CompanySeal) -> CompanySeal:
    return (
        CompanySeal.objects.select_for_update(no_key=True).select_related("company").get(pk=seal.pk)
    )


def seal_confirm(*, seal: CompanySeal, user: Any) -> CompanySeal:
    """The verified legal representative confirms the application: the platform's signing
    service makes the seal's SM2 key pair (the private key never leaves it)."""
    if not access.may_confirm_seal(user, seal.company):
        raise PermissionDeniedError(
            "只有该企业经核验的法定代表人可以确认启用电子印章", field="seal"
        )
    with transaction.atomic():
        seal = _locked(seal)
        if seal.status != CompanySeal.Status.PENDING:
            raise Conflict(
                f"电子印章当前状态为“{seal.get_status_display()}”，无需确认", field="seal"
            )
        _require_active_company(seal.company, "启用电子印章")
        # A fresh key for each seal: a key of an earlier seal is never reused.
        key = rotate_key(owner=seal.owner)
        seal.key_id = key.key_id
        seal.status = CompanySeal.Status.ACTIVE
        seal.confirmed_by = user
        seal.confirmed_at = key.created_at
        seal.save(update_fields=["key_id", "status", "confirmed_by", "confirmed_at"])
        audit_append(
            action="companies.seal.confirm",
            actor=user,
            object_type="companies.seal",
            object_id=seal.pk,
            data={"company": seal.company.uscc, "key_id": key.key_id},
        )
    return seal


def seal_revoke(*, seal: CompanySeal, user: Any, reason: str) -> CompanySeal:
    """The legal representative withdraws the seal (or an application for one): its key
    signs nothing more and is published as revoked."""
    if not access.may_confirm_seal(user, seal.company):
        raise PermissionDeniedError("只有该企业经核验的法定代表人可以注销电子印章", field="seal")
    why = _text(reason, field="reason", label="注销原因", max_length=REASON_MAX)
    with transaction.atomic():
        seal = _locked(seal)
        if seal.status == CompanySeal.Status.REVOKED:
            raise Conflict("该电子印章已注销", field="seal")
        now = timezone.now()
        if seal.key_id:
            SigningKey.objects.filter(key_id=seal.key_id, active=True).update(
                active=False, retired_at=now
            )
        seal.status = CompanySeal.Status.REVOKED
        seal.revoked_by = user
        seal.revoked_at = now
        seal.revoked_reason = why
        seal.save(update_fields=["status", "revoked_by", "revoked_at", "revoked_reason"])
        audit_append(
            action="companies.seal.revoke",
            actor=user,
            object_type="companies.seal",
            object_id=seal.pk,
            data={"company": seal.company.uscc, "key_id": seal.key_id},
        )
    return seal


# ---------------------------------------------------------------- signing


def _seal_in_force(company: Company) -> CompanySeal:
    seal = (
        CompanySeal.objects.select_for_update(no_key=True)
        .filter(company=company, status=CompanySeal.Status.ACTIVE)
        .first()
    )
    if seal is None or not seal.key_id:
        raise Conflict("该企业没有启用中的电子印章，请先申请并由法定代表人确认", field="seal")
    return seal


def document_data(
    *,
    ref: str,
    kind: str,
    title: str,
    company: Company,
    seal_id: str,
    signed_at: Any,
    content: dict,
) -> str:
    """The canonical text a company seal signs (sorted-key compact UTF-8 JSON)."""
    fields = {
        "v": CANONICAL_VERSION,
        "ref": ref,
        "kind": kind,
        "title": title,
        "company": {"uscc": company.uscc, "name": company.name},
        "seal_id": seal_id,
        "signed_at": signed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content": content,
    }
    return canonical_bytes(fields).decode("utf-8")


def _sign_document(
    *,
    company: Company,
    user: Any,
    kind: str,
    title: str,
    content: dict,
    original: Any = None,
    commitment: Any = None,
) -> SealedDocument:
    """Inside a transaction: sign `content` with the company's seal in force."""
    seal = _seal_in_force(company)
    document = SealedDocument(
        company=company,
        seal=seal,
        kind=kind,
        title=title,
        original=original,
        commitment=commitment,
        signed_by=user,
        signed_at=timezone.now().replace(microsecond=0),
    )
    data = document_data(
        ref=str(document.ref),
        kind=kind,
        title=title,
        company=company,
        seal_id=seal.key_id,
        signed_at=document.signed_at,
        content=content,
    )
    signature = sign(data, owner=company_owner(company.uscc))
    if signature.key_id != seal.key_id:  # the key changed under us: never sign with another
        raise Conflict("电子印章的密钥已变更，请重试", field="seal")
    document.data = data
    document.signature = signature.as_dict()
    document.save()
    audit_append(
        action="companies.document.sign",
        actor=user,
        object_type="companies.document",
        object_id=document.pk,
        data={"company": company.uscc, "kind": kind, "digest": signature.digest},
    )
    return document


def document_sign(
    *,
    company: Company,
    user: Any,
    kind: str,
    title: str,
    text: str = "",
    upload: Any = None,
    upload_name: str = "",
) -> SealedDocument:
    """Sign a form or contract with the company's seal: a text written here, or an uploaded
    PDF (its SM3 digest is signed, the file travels with the signed PDF)."""
    if not access.may_use_seal(user, company):
        raise PermissionDeniedError(
            "只有该企业的法定代表人或获授权“信用与承诺”的经办人可以使用电子印章",
            field="company",
        )
    if kind not in _DOCUMENT_KINDS:
        raise ValidationFailed("文书类别：请选择表单或合同", field="kind")
    title = _text(title, field="title", label="标题", max_length=TITLE_MAX)
    _require_active_company(company, "使用电子印章")
    if upload is None:
        body = _text(text, field="text", label="正文", max_length=TEXT_MAX)
    elif str(text or "").strip():
        raise ValidationFailed("正文：上传文件时不再填写正文", field="text")
    with transaction.atomic():
        if upload is None:
            return _sign_document(
                company=company, user=user, kind=kind, title=title, content={"text": body}
            )
        stored = store_upload(
            name=upload_name or getattr(upload, "name", "") or "document.pdf",
            data=upload,
            actor=user,
            field="file",
            allowed=[PDF],
            max_bytes=UPLOAD_MAX_BYTES,
        )
        content = {"file": {"name": stored.original_name, "sm3": stored.sm3, "size": stored.size}}
        return _sign_document(
            company=company, user=user, kind=kind, title=title, content=content, original=stored
        )


def commitment_seal(*, commitment: Any, user: Any) -> SealedDocument:
    """Put the company's seal on a commitment (告知承诺/容缺承诺) signed for it: the exact
    commitment text, its digest and its application's number are signed."""
    from yishi.credit.commitments import commitment_verify
    from yishi.credit.models import Commitment

    company = commitment.company
    if company is None:
        raise ValidationFailed("该承诺书不是企业的承诺书", field="commitment")
    if not access.may_use_seal(user, company):
        raise PermissionDeniedError(
            "只有该企业的法定代表人或获授权“信用与承诺”的经办人可以使用电子印章",
            field="commitment",
        )
    _require_active_company(company, "使用电子印章")
    with transaction.atomic():
        commitment = (
            Commitment.objects.select_for_update(no_key=True)
            .select_related("application")
            .get(pk=commitment.pk)
        )
        if commitment.status not in (Commitment.Status.SIGNED, Commitment.Status.ACTIVE):
            raise Conflict(
                f"承诺书当前状态为“{commitment.get_status_display()}”，不能加盖印章",
                field="commitment",
            )
        if SealedDocument.objects.filter(commitment=commitment).exists():
            raise Conflict("该承诺书已加盖企业电子印章", field="commitment")
        if not commitment_verify(commitment):
            raise Conflict("承诺书原文与签名不符，不能加盖印章", field="commitment")
        content = {
            "commitment": {
                "application": commitment.application.number,
                "kind": commitment.kind,
                "text": commitment.text,
                "digest": commitment.digest,
            }
        }
        return _sign_document(
            company=company,
            user=user,
            kind=SealedDocument.Kind.COMMITMENT,
            title=f"{commitment.get_kind_display()}（{commitment.application.number}）",
            content=content,
            commitment=commitment,
        )
