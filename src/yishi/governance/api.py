"""数据治理 API: the public open-data list (GET /api/v1/open-data) and, for the chief data
officer and data officers, the latest quality scores. Thin: rules live in
yishi.governance.services, .queries and .opendata."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.security import django_auth
from pydantic import Field

from yishi.core.errors import NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.labels import API_FIELD_LABELS
from yishi.governance import access, opendata, queries, services
from yishi.governance.models import DataRequest, Dataset

router = Router(tags=["数据治理"])

for _key, _label in {
    "code": "资源编码",
    "request_id": "数据需求编号",
    "limit": "每页条数",
    "offset": "偏移量",
}.items():
    API_FIELD_LABELS.setdefault(_key, _label)


class ColumnOut(Schema):
    name: str = Field(description="数据项名称")
    label: str = Field(description="数据项中文名称")
    type: str = Field(description="数据类型：string、integer、date、json 等")


class OpenDatasetOut(Schema):
    code: str = Field(description="资源编码")
    title: str = Field(description="资源名称")
    description: str = Field(description="资源摘要")
    owner: str = Field(description="提供部门")
    frequency_days: int = Field(description="更新周期（天）")
    licence: str = Field(description="开放许可")
    downloads: int = Field(description="下载次数")
    updated: dt.datetime = Field(description="更新时间（UTC）")
    fields: list[ColumnOut]
    csv_url: str = Field(description="CSV 下载地址")
    json_url: str = Field(description='JSON 下载地址，返回 {"rows": [...]}')


class OpenListOut(Schema):
    items: list[OpenDatasetOut]


class ScoreOut(Schema):
    dataset: str = Field(description="资源编码")
    title: str = Field(description="资源名称")
    department: str = Field(description="提供部门")
    measured_at: dt.datetime = Field(description="测评时间（UTC）")
    records: int = Field(description="记录数")
    passing: int = Field(description="全部规则通过的记录数")
    score: float = Field(description="质量得分（通过率，百分制）")
    open_findings: int = Field(description="未办结问题数")


@router.get("/open-data", response=OpenListOut, summary="开放数据目录", auth=None)
def open_data(request: HttpRequest) -> dict:
    datasets = Dataset.objects.filter(is_open=True).select_related("department")
    items = [
        {
            "code": d.code,
            "title": d.title,
            "description": d.description,
            "owner": d.department.name,
            "frequency_days": d.frequency_days,
            "licence": d.open_licence,
            "downloads": d.downloads,
            "updated": d.updated_at,
            "fields": opendata.columns(d),
            "csv_url": request.build_absolute_uri(reverse("open_data:csv", args=[d.code])),
            "json_url": request.build_absolute_uri(reverse("open_data:json", args=[d.code])),
        }
        for d in datasets.order_by("code")
    ]
    return {"items": items}


@router.get("/governance/scores", response=list[ScoreOut], summary="数据质量评分", auth=django_auth)
def scores(request: HttpRequest) -> list[dict]:
    if not access.may_govern(request.user):
        raise PermissionDeniedError("需要首席数据官或数据专员角色")
    return [
        {
            "dataset": s.dataset.code,
            "title": s.dataset.title,
            "department": s.dataset.department.name,
            "measured_at": s.measured_at,
            "records": s.records,
            "passing": s.passing,
            "score": s.score,
            "open_findings": s.open_findings,
        }
        for s in queries.latest_scores(access.datasets_visible_to(request.user))
    ]


class SharedRowsOut(Schema):
    dataset: str = Field(description="资源编码")
    terms: str = Field(description="使用条件")
    rows: list[dict[str, str]] = Field(description="数据行（按目录登记的数据项）")


@router.get(
    "/governance/requests/{request_id}/rows",
    response=SharedRowsOut,
    summary="供需对接：按接口授权读取共享数据",
    auth=django_auth,
)
def shared_rows(
    request: HttpRequest,
    request_id: int,
    limit: int = Query(100, description="每页条数 1–1000"),
    offset: int = Query(0, description="偏移量，从 0 起"),
) -> dict:
    """For the requesting department of a request delivered as an API grant (its API key is
    scoped to this operation); anyone else gets 404."""
    req = (
        DataRequest.objects.select_related("dataset")
        .filter(
            pk=request_id,
            status=DataRequest.Status.DELIVERED,
            delivery=DataRequest.Delivery.API,
        )
        .first()
    )
    if req is None or not access.may_read_shared(request.user, req):
        raise NotFound("未找到该数据需求或未获接口授权", field="request_id")
    if not 1 <= limit <= 1000:
        raise ValidationFailed("每页条数：须在 1–1000 之间", field="limit")
    if offset < 0:
        raise ValidationFailed("偏移量：不能小于 0", field="offset")
    return {
        "dataset": req.dataset.code,
        "terms": req.terms,
        "rows": services.shared_rows(req.dataset, limit=limit, offset=offset),
    }
