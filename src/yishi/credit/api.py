"""信用与承诺 API: the applicant's credit status, signing a commitment, fulfilling an item,
verifying a commitment, credit repair. Thin: rules live in yishi.credit.commitments,
.services and .queries; domain errors come back as problem+json."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import django_auth

from yishi.cases import queries as case_queries
from yishi.core.errors import NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.roles import has_role
from yishi.credit import commitments, queries, services
from yishi.credit.models import Commitment, CreditRecord, CreditRepair
from yishi.people.models import Company, CompanyAgent
from yishi.people.queries import account_of, can_act_for

router = Router(tags=["信用与承诺"], auth=django_auth)


class ItemIn(Schema):
    matter_id: int
    material_id: int


class SignIn(Schema):
    items: list[ItemIn] = Field(..., description="容缺材料或以承诺替代的证明")


class RepairIn(Schema):
    statement: str = Field(..., description="修复理由及整改情况")
    company: str | None = Field(None, description="代表企业申请时的统一社会信用代码")
    record_ids: list[int] | None = Field(None, description="申请修复的信用记录（缺省为全部）")


class DecideIn(Schema):
    approve: bool
    note: str = ""


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def commitment_out(commitment: Commitment, *, with_text: bool = False) -> dict[str, Any]:
    today = timezone.localdate()
    out = {
        "id": commitment.pk,
        "application": commitment.application.number,
        "kind": commitment.kind,
        "kind_label": commitment.get_kind_display(),
        "status": commitment.status,
        "status_label": commitment.get_status_display(),
        "signer_name": commitment.signer_name,
        "signer_role": commitment.signer_role,
        "signed_at": commitment.signed_at,
        "accepted_on": commitment.accepted_on,
        "digest": commitment.digest,
        "broken_reason": commitment.broken_reason,
        "items": [
            {
                "id": row.item.pk,
                "matter": row.item.matter.name,
                "material": row.item.name,
                "kind": row.item.kind,
                "due": row.item.due,
                "working_days_left": row.days_left,
                "state": row.state,
                "fulfilled_at": row.item.fulfilled_at,
            }
            for row in queries.item_rows(commitment, today)
        ],
    }
    if with_text:
        out["text"] = commitment.text
        out["signature"] = commitment.signature
    return out


def record_out(record: CreditRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "kind": record.kind,
        "kind_label": record.get_kind_display(),
        "reason": record.reason,
        "occurred_on": record.occurred_on,
        "repaired": record.repaired_by_id is not None,
    }


def repair_out(repair: CreditRepair) -> dict[str, Any]:
    return {
        "id": repair.pk,
        "status": repair.status,
        "status_label": repair.get_status_display(),
        "statement": repair.statement,
        "records": sorted(repair.records.values_list("pk", flat=True)),
        "submitted_at": repair.submitted_at,
        "decided_at": repair.decided_at,
        "decision_note": repair.decision_note,
    }


def _company(request: HttpRequest, uscc: str | None) -> Company | None:
    if not uscc:
        return None
    company = Company.objects.filter(uscc=uscc).first()
    if company is None or not can_act_for(request.user, company, CompanyAgent.Scope.CREDIT):
        raise NotFound(f"企业 {uscc} 不存在或您不是其经办人", field="company")
    return company


@router.get("/credit/me", summary="我的信用：信用记录、承诺及是否可适用告知承诺")
def credit_me(request: HttpRequest, company: str | None = None) -> HttpResponse:
    account = account_of(request.user)
    if account is None:
        raise PermissionDeniedError("请以申请人身份登录", field="user")
    firm = _company(request, company)
    subject = {"company": firm} if firm else {"person": account.person}
    status = queries.credit_status(**subject)
    return _json(
        200,
        {
            "subject": {"type": "company", "name": firm.name}
            if firm
            else {"type": "person", "name": account.person.name},
            "commitment_allowed": status["restriction"] is None,
            "restriction": status["restriction"],
            "records": [record_out(r) for r in status["records"]],
            "commitments": [commitment_out(c) for c in status["commitments"]],
            "repairs": [repair_out(r) for r in status["repairs"]],
        },
    )


@router.post(
    "/applications/{number}/commitment",
    response={201: None},
    summary="签署承诺书（告知承诺/容缺承诺）",
)
def sign(request: HttpRequest, number: str, payload: SignIn) -> HttpResponse:
    application = case_queries.application_for(request.user, number)
    commitment = commitments.commitment_sign(
        application=application,
        signer=request.user,
        items=[i.dict() for i in payload.items],
    )
    return _json(201, commitment_out(commitment, with_text=True))


@router.get("/commitments/{commitment_id}", summary="承诺书详情")
def detail(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = queries.commitment_for(request.user, commitment_id)
    return _json(200, commitment_out(commitment, with_text=True))


@router.post(
    "/commitments/{commitment_id}/items/{item_id}/fulfil", summary="登记补交容缺材料（窗口）"
)
def fulfil(request: HttpRequest, commitment_id: int, item_id: int) -> HttpResponse:
    commitment = queries.commitment_for(request.user, commitment_id)
    item = commitment.items.filter(pk=item_id).first()
    if item is None:
        raise NotFound(f"承诺事项 {item_id} 不存在", field="item_id")
    commitments.commitment_item_fulfil(item=item, actor=request.user)
    commitment.refresh_from_db()
    return _json(200, commitment_out(commitment))


@router.get("/commitments/{commitment_id}/verify", summary="验证承诺书签名")
def verify(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = queries.commitment_for(request.user, commitment_id)
    valid = commitments.commitment_verify(commitment)
    return _json(
        200,
        {
            "id": commitment.pk,
            "valid": valid,
            "digest": commitment.digest,
            "key_id": (commitment.signature or {}).get("key_id"),
            "detail": "签名有效，承诺书内容未被篡改"
            if valid
            else "签名无效：承诺书内容与签署时不一致",
        },
    )


@router.post("/credit/repairs", response={201: None}, summary="申请信用修复")
def repair_submit(request: HttpRequest, payload: RepairIn) -> HttpResponse:
    repair = services.credit_repair_submit(
        user=request.user,
        statement=payload.statement,
        company=_company(request, payload.company),
        record_ids=payload.record_ids,
    )
    return _json(201, repair_out(repair))


@router.post("/credit/repairs/{repair_id}/decide", summary="审核信用修复（监管人员/管理员）")
def repair_decide(request: HttpRequest, repair_id: int, payload: DecideIn) -> HttpResponse:
    if not has_role(request.user, *queries.REPAIR_DECIDERS):
        raise PermissionDeniedError("只有监管人员或管理员可以审核信用修复", field="staff")
    repair = CreditRepair.objects.filter(pk=repair_id).first()
    if repair is None:
        raise NotFound(f"信用修复申请 {repair_id} 不存在", field="repair_id")
    if not payload.approve and not payload.note.strip():
        raise ValidationFailed("不予修复须写明理由", field="note")
    done = services.credit_repair_decide(
        repair=repair, staff=request.user, approve=payload.approve, note=payload.note
    )
    return _json(200, repair_out(done))
