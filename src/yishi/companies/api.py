"""企业服务 API: the published seal keys (department and company) and the public record of a
company (一企一码). Both are public, read-only and carry nothing personal.

The seal list lives here rather than in the licences app because it covers company seals
too, and licences (a lower app) may not read this one."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from yishi.companies import queries
from yishi.core.errors import NotFound, ValidationFailed
from yishi.core.labels import API_FIELD_LABELS

router = Router(tags=["企业服务"])

for _key, _label in {"uscc": "统一社会信用代码", "limit": "每页条数", "offset": "偏移量"}.items():
    API_FIELD_LABELS.setdefault(_key, _label)

SEALS_LIMIT_MAX = 500


class SealOut(Schema):
    id: str = Field(description="印章密钥标识（公钥 SubjectPublicKeyInfo 的 SM3 摘要前 16 位）")
    owner: str = Field(description="印章所属：dept:<部门编码> 或 company:<统一社会信用代码>")
    owner_name: str = Field(description="所属部门或企业的名称")
    kind: str = Field(description="department 部门印章 / company 企业印章")
    public_key: str = Field(description="SM2 公钥，未压缩点 04‖X‖Y 的十六进制（130 位）")
    valid_from: dt.datetime = Field(description="启用时间（UTC）")
    valid_to: dt.datetime | None = Field(description="停用或注销时间（UTC），仍在使用为空")
    revoked: bool = Field(description="是否已注销（企业印章被注销后不再采信其签章）")


class SealListOut(Schema):
    items: list[SealOut]
    count: int = Field(description="印章密钥总数")


class PublicLicenceOut(Schema):
    type: str = Field(description="证照名称")
    number: str = Field(description="证照编号")
    valid_to: dt.date | None = Field(description="有效期至，长期有效为空")
    state: str = Field(description="valid 有效 / expired 已过期 / revoked 已撤销")


class CompanyPublicOut(Schema):
    uscc: str = Field(description="统一社会信用代码")
    name: str = Field(description="名称")
    type: str = Field(description="主体类型（按统一社会信用代码第 1、2 位，如 企业、个体工商户）")
    status: str = Field(
        description="登记状态：active 存续 / suspended 歇业 / revoked 吊销 / cancelled 注销"
    )
    established_on: dt.date | None = Field(description="成立日期")
    licences: list[PublicLicenceOut]


@router.get(
    "/seals",
    auth=None,
    response=SealListOut,
    summary="公开的电子印章公钥（部门与企业，含已停用和已注销的），供离线验签",
)
def list_seals(
    request: HttpRequest,
    limit: int = Query(100, description=f"每页条数 1–{SEALS_LIMIT_MAX}"),
    offset: int = Query(0, description="偏移量"),
):
    if not 1 <= limit <= SEALS_LIMIT_MAX:
        raise ValidationFailed(f"每页条数：须在 1–{SEALS_LIMIT_MAX} 之间", field="limit")
    if offset < 0:
        raise ValidationFailed("偏移量：不能为负数", field="offset")
    items, count = queries.published_seals(limit=limit, offset=offset)
    return {"items": items, "count": count}


@router.get(
    "/companies/{uscc}/public",
    auth=None,
    response=CompanyPublicOut,
    summary="一企一码：企业公示信息（仅公开字段）",
)
def company_public(request: HttpRequest, uscc: str):
    company = queries.company_by_code(uscc)
    if company is None:
        raise NotFound("未找到该统一社会信用代码对应的企业", field="uscc")
    return queries.public_profile(company)
