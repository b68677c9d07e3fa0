"""跨域通办 API: the signed-envelope inbox (no session, no CSRF: the SM2 signature is the
authentication) and our region's public identity for partners."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from yishi.core.labels import API_FIELD_LABELS
from yishi.core.problem import problem_response
from yishi.exchange import conf
from yishi.exchange.inbox import inbox_receive
from yishi.exchange.protocol import ProtocolError

router = Router(tags=["跨域通办"])

for _key, _label in {
    "envelope": "信封",
    "signature": "签名",
    "attachments": "附件",
    "region": "区划代码",
    "public_key": "SM2 公钥",
}.items():
    API_FIELD_LABELS.setdefault(_key, _label)

_SIGNED_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "签名信封（docs/exchange/schemas/signed.schema.json）",
                    "required": ["envelope", "signature"],
                    "properties": {
                        "envelope": {"type": "object", "description": "信封"},
                        "signature": {"type": "string", "description": "签名"},
                        "attachments": {"type": "object", "description": "附件"},
                    },
                }
            }
        },
    }
}


class IdentityOut(Schema):
    region: str
    name: str
    public_key: str


@router.post(
    "/exchange/inbox",
    auth=None,
    summary="跨域通办收件箱：接收合作地区的签名信封",
    response={200: dict},
    openapi_extra=_SIGNED_BODY,
)
def inbox(request: HttpRequest) -> HttpResponse:
    """Verify signature, sender, receiver, freshness and nonce; store; answer with a signed
    receipt. A replay is answered "already_received" and not processed again."""
    try:
        receipt = inbox_receive(request.body)
    except ProtocolError as exc:
        return problem_response(
            request,
            status=exc.status,
            title="信封被拒收",
            detail=exc.message,
            field=exc.field,
            code=exc.code,
        )
    return HttpResponse(
        json.dumps(receipt, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )


@router.get(
    "/exchange/identity", auth=None, response=IdentityOut, summary="本地区的跨域通办身份与公钥"
)
def identity(request: HttpRequest) -> dict[str, str]:
    return {
        "region": conf.region(),
        "name": conf.region_name(),
        "public_key": conf.public_key_pem(),
    }
