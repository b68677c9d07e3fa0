"""企业一类事与增值服务 API (thin; access in access.py, writes in services.py): packages and
their combined notice (public), starting a package and its tracking view (the company's
agents), offers (public), a company's service requests with share / revoke / rate, and the
provider account's inbox and answer (its own provider's requests while shared)."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.security import django_auth
from pydantic import Field

from yishi.core.errors import NotFound, PermissionDeniedError
from yishi.core.labels import API_FIELD_LABELS
from yishi.people.queries import company_by_uscc

from . import access, packages, queries, services
from .models import PackageRun, ServiceRequest

router = Router(tags=["企业一类事与增值服务"], auth=django_auth)

for _key, _label in {
    "modules": "模块",
    "company": "企业统一社会信用代码",
    "form_data": "申请表内容",
    "run_id": "一类事办理",
    "request_id": "增值服务申请",
    "offer": "增值服务",
    "message": "需求说明",
    "share": "共享内容",
    "fields": "共享内容",
    "rating": "评价",
    "comment": "评价意见",
    "answer": "答复内容",
}.items():
    API_FIELD_LABELS.setdefault(_key, _label)


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _company(uscc: str | None):
    company = company_by_uscc(uscc) if uscc else None
    if company is None:
        raise NotFound(f"企业 {uscc or ''} 不存在或您未获授权代其办理", field="company")
    return company


def _package(code: str):
    package = queries.package_by_code(code)
    if package is None:
        raise NotFound(f"一类事 {code} 不存在", field="code")
    return package


def _module_out(m) -> dict[str, Any]:
    return {"id": m.pk, "kind": m.kind, "name": m.name, "recommended": m.recommended}


def _package_out(p, *, modules: bool = False) -> dict[str, Any]:
    out = {
        "code": p.code,
        "name": p.name,
        "kind": p.kind,
        "stage": p.stage,
        "industry": p.industry,
        "summary": p.summary,
    }
    if modules:
        out["modules"] = [_module_out(m) for m in p.modules.all()]
    return out


def _notice_out(notice: packages.PackageNotice) -> dict[str, Any]:
    return {
        "package": notice.package.code,
        "modules": [
            {
                "id": m.id,
                "kind": m.kind,
                "name": m.name,
                "steps": [
                    {"name": s.name, "department": s.department, "limit": s.limit} for s in m.steps
                ],
                "eligible": m.eligible,
                "missing": list(m.missing),
                "provider": m.provider,
            }
            for m in notice.modules
        ],
        "form": [
            {
                "key": f.key,
                "label": f.label,
                "kind": f.kind,
                "required": f.required,
                "modules": f.modules,
                "options": f.options,
            }
            for f in notice.fields
        ],
        "materials": [
            {
                "name": line.name,
                "kind": line.kind,
                "required": line.required,
                "form": line.form,
                "copies": line.copies,
                "to_bring": line.to_bring,
                "matters": line.matters,
            }
            for line in notice.materials
        ],
        "fields_separately": notice.fields_separately,
        "materials_separately": notice.materials_separately,
    }


def _run_out(run: PackageRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "package": run.package.code,
        "company": run.company.uscc,
        "created_at": run.created_at,
        "items": [
            {"kind": r.kind, "name": r.name, "reference": r.reference, "state": r.state}
            for r in queries.track_rows(run)
        ],
    }


def _request_out(sr: ServiceRequest) -> dict[str, Any]:
    consent = access.live_consent(sr)
    return {
        "id": sr.pk,
        "offer": sr.offer.code,
        "provider": sr.offer.provider.name,
        "company": sr.company.uscc,
        "state": sr.state,
        "message": sr.message,
        "shared": list(consent.fields) if consent else None,
        "answer": sr.answer,
        "rating": sr.rating,
        "created_at": sr.created_at,
    }


class NoticeIn(Schema):
    modules: list[int] | None = Field(None, description="勾选的模块编号；不填为默认勾选的模块")
    company: str | None = Field(None, description="企业统一社会信用代码（附带其政策资格）")


class StartIn(Schema):
    company: str = Field(description="企业统一社会信用代码")
    modules: list[int] | None = Field(None, description="勾选的模块编号；不填为默认勾选的模块")
    form_data: dict[str, Any] = Field(default_factory=dict, description="一表申请内容")


class RequestIn(Schema):
    offer: str = Field(description="增值服务编码")
    company: str = Field(description="企业统一社会信用代码")
    message: str = Field("", description="需求说明")
    share: list[str] | None = Field(None, description="同时授权共享的内容；不填为暂不共享")


class ShareIn(Schema):
    fields: list[str] = Field(
        default_factory=list, description="共享内容（企业名称和统一社会信用代码总是共享）"
    )


class RateIn(Schema):
    rating: int = Field(description="评价 1 至 5 星")
    comment: str = Field("", description="评价意见")


class AnswerIn(Schema):
    answer: str = Field(description="答复内容")


# ---------------------------------------------------------------- packages (public)


@router.get("/packages", auth=None, summary="企业一类事清单")
def package_list(request: HttpRequest) -> HttpResponse:
    return _json(200, [_package_out(p) for p in queries.published_packages()])


@router.get("/packages/{code}", auth=None, summary="一类事详情及其模块")
def package_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _json(200, _package_out(_package(code), modules=True))


@router.post(
    "/packages/{code}/notice",
    auth=None,
    summary="所选模块的一次告知：合并的申请表（共用字段只填一次、从严校验）、合并的材料清单",
)
def package_notice(request: HttpRequest, code: str, payload: NoticeIn) -> HttpResponse:
    package = _package(code)
    modules = packages.chosen_modules(package, payload.modules)
    company = None
    if payload.company:
        company = _company(payload.company)
        if not access.may_act_for(request.user, company):
            raise NotFound(f"企业 {payload.company} 不存在或您未获授权代其办理", field="company")
    return _json(200, _notice_out(packages.package_notice(package, modules, company=company)))


@router.post(
    "/packages/{code}/runs",
    response={201: None},
    summary="发起一类事：各模块分别作为一件事申请、事项申请、政策申报、增值服务申请提交",
)
def package_start(request: HttpRequest, code: str, payload: StartIn) -> HttpResponse:
    run = services.package_start(
        package=_package(code),
        user=request.user,
        company=_company(payload.company),
        modules=payload.modules,
        form_data=payload.form_data,
    )
    return _json(201, _run_out(run))


@router.get("/package-runs/{run_id}", summary="一类事办理进度（一处跟踪）")
def package_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = PackageRun.objects.select_related("package", "company").filter(pk=run_id).first()
    if run is None or not access.may_see_run(request.user, run):
        raise NotFound("未找到该一类事办理", field="run_id")
    return _json(200, _run_out(run))


# ---------------------------------------------------------------- the zone, company side


@router.get("/offers", auth=None, summary="涉企增值服务清单")
def offer_list(request: HttpRequest, stage: str | None = None) -> HttpResponse:
    offers = [o for o in queries.active_offers() if not stage or stage in o.stages]
    return _json(
        200,
        [
            {
                "code": o.code,
                "name": o.name,
                "provider": o.provider.name,
                "provider_kind": o.provider.kind,
                "stages": o.stages,
                "summary": o.summary,
            }
            for o in offers
        ],
    )


def _own_request(request: HttpRequest, request_id: int) -> ServiceRequest:
    sr = (
        ServiceRequest.objects.select_related("offer", "offer__provider", "company")
        .filter(pk=request_id)
        .first()
    )
    if sr is None or not access.may_see_request(request.user, sr):
        raise NotFound("未找到该增值服务申请", field="request_id")
    return sr


@router.post("/service-requests", response={201: None}, summary="企业申请增值服务")
def request_create(request: HttpRequest, payload: RequestIn) -> HttpResponse:
    offer = queries.offer_by_code(payload.offer)
    if offer is None:
        raise NotFound(f"增值服务 {payload.offer} 不存在", field="offer")
    sr = services.request_create(
        offer=offer,
        company=_company(payload.company),
        user=request.user,
        message=payload.message,
        share=payload.share,
    )
    return _json(201, _request_out(sr))


@router.get("/service-requests/{request_id}", summary="企业的一件增值服务申请")
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _json(200, _request_out(_own_request(request, request_id)))


@router.post(
    "/service-requests/{request_id}/consent",
    response={201: None},
    summary="授权服务商查看企业名称、统一社会信用代码及所选信息",
)
def consent_grant(request: HttpRequest, request_id: int, payload: ShareIn) -> HttpResponse:
    sr = _own_request(request, request_id)
    services.consent_grant(request=sr, user=request.user, fields=payload.fields)
    return _json(201, _request_out(sr))


@router.post("/service-requests/{request_id}/consent/revoke", summary="撤回共享授权")
def consent_revoke(request: HttpRequest, request_id: int) -> HttpResponse:
    sr = _own_request(request, request_id)
    services.consent_revoke(request=sr, user=request.user)
    return _json(200, _request_out(sr))


@router.post("/service-requests/{request_id}/rating", summary="评价服务商的答复")
def request_rate(request: HttpRequest, request_id: int, payload: RateIn) -> HttpResponse:
    sr = _own_request(request, request_id)
    sr = services.request_rate(
        request=sr, user=request.user, rating=payload.rating, comment=payload.comment
    )
    return _json(200, _request_out(sr))


# ---------------------------------------------------------------- provider accounts


def _provider(request: HttpRequest):
    account = access.provider_account(request.user)
    if account is None:
        raise PermissionDeniedError("仅服务商账号可以访问", field="user")
    return account


def _provider_out(sr: ServiceRequest, shared: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": sr.pk,
        "offer": sr.offer.code,
        "state": sr.state,
        "message": sr.message,
        "shared": [{"label": label, "value": value} for label, value in shared],
        "answer": sr.answer,
        "rating": sr.rating,
        "created_at": sr.created_at,
    }


@router.get("/provider/requests", summary="服务商：企业已授权共享的服务申请")
def provider_requests(request: HttpRequest) -> HttpResponse:
    account = _provider(request)
    return _json(
        200,
        [
            {
                "id": sr.pk,
                "offer": sr.offer.code,
                "company": sr.company.name,
                "uscc": sr.company.uscc,
                "state": sr.state,
                "created_at": sr.created_at,
            }
            for sr in queries.provider_inbox(account)
        ],
    )


@router.get("/provider/requests/{request_id}", summary="服务商：一件服务申请及企业共享的信息")
def provider_request(request: HttpRequest, request_id: int) -> HttpResponse:
    _provider(request)
    sr = services.provider_request(request.user, request_id)
    return _json(200, _provider_out(sr, services.shared_view(sr, viewer=request.user)))


@router.post("/provider/requests/{request_id}/answer", summary="服务商：答复服务申请")
def provider_answer(request: HttpRequest, request_id: int, payload: AnswerIn) -> HttpResponse:
    _provider(request)
    sr = services.request_answer(request_id=request_id, user=request.user, answer=payload.answer)
    return _json(200, _provider_out(sr, []))
