"""电子证照 API: public verification, the applicant's own licences (wallet) and the import of
signed licence documents. Thin: rules live in yishi.licences.services and .queries."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.security import django_auth

from yishi.catalog.models import StaffProfile
from yishi.core.errors import PermissionDeniedError, ValidationFailed
from yishi.core.problem import problem_response
from yishi.core.roles import Role, has_role
from yishi.licences import queries, services
from yishi.licences.labels import licence_data_rows
from yishi.licences.models import Licence
from yishi.licences.pdf import public_base_url, verify_url
from yishi.licences.verification import NOT_FOUND, licence_verify

router = Router(tags=["电子证照"], auth=django_auth)

IMPORT_ROLES = (Role.WINDOW, Role.ADMINISTRATOR)


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def licence_out(licence: Licence, request: HttpRequest) -> dict[str, Any]:
    return {
        "number": licence.number,
        "type": licence.type.code,
        "type_name": licence.type.name,
        "holder_name": licence.holder_name,
        "applicant_name": licence.applicant.name if licence.applicant_id else None,
        "issuer": licence.issuer.name,
        "issuer_code": licence.issuer.code,
        "data": licence.data,
        # The data as printed: labelled, choice values as words.
        "fields": licence_data_rows(licence),
        "issued_on": licence.issued_on,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "status": licence.status,
        "status_label": licence.get_status_display(),
        "source": licence.source,
        "trust_level": licence.trust_level,
        "verify_url": verify_url(licence, base_url=public_base_url(request)),
    }


@router.get("/licences", summary="我的电子证照（本人及可代办企业）")
def my_licences(request: HttpRequest) -> HttpResponse:
    return _json(200, [licence_out(x, request) for x in queries.wallet(request.user)[:500]])


@router.get("/licences/{number}/verify", auth=None, summary="核验电子证照（公开）")
def verify(request: HttpRequest, number: str) -> HttpResponse:
    result = licence_verify(number)
    if result.state == NOT_FOUND:
        # RFC 9457 allows extension members: the state is there for scanners that read it.
        response = problem_response(
            request,
            status=404,
            title="未找到",
            detail=result.message,
            field="number",
            code="not_found",
        )
        body = json.loads(response.content)
        body["state"] = NOT_FOUND
        response.content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return response
    return _json(
        200,
        {
            "number": result.number,
            "state": result.state,
            "state_label": result.label,
            "type_name": result.type_name,
            "issuer": result.issuer,
            "message": result.message,
        },
    )


@router.post(
    "/licences/import", response={201: None}, summary="导入外部签发的电子证照（JSON，含签章）"
)
def import_licence(request: HttpRequest) -> HttpResponse:
    profile = StaffProfile.objects.filter(user_id=request.user.pk).first()
    if profile is None or not has_role(request.user, *IMPORT_ROLES):
        raise PermissionDeniedError("只有窗口人员或管理员可以导入电子证照")
    try:
        document = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("请求体不是有效的 JSON", field="body") from None
    licence = services.licence_import(document, actor=request.user)
    return _json(201, licence_out(licence, request))
