"""Catalog read API: matter search and guides, regions, departments, topics."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from yishi.catalog import queries
from yishi.catalog.models import Department, Material, Matter, Region, Topic
from yishi.catalog.unified_search import search

router = Router(tags=["事项目录"])


class CodeName(Schema):
    code: str
    name: str


class RegionOut(Schema):
    code: str = Field(..., description="区划代码")
    name: str
    level: int = Field(..., description="层级：1 省级 … 5 村级")
    level_label: str
    parent: str | None = Field(None, description="上级区划代码")


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    region: str = Field(..., description="所属区划代码")
    parent: str | None = Field(None, description="上级部门编码")
    phone: str
    address: str


class TopicOut(Schema):
    code: str
    name: str
    audience: str = Field(..., description="person 个人办事 / company 法人办事")
    audience_label: str


class MatterSummaryOut(Schema):
    code: str = Field(..., description="实施编码")
    basic_code: str
    name: str
    short_name: str
    matter_type: str
    matter_type_label: str
    level: int
    level_label: str
    audience: str
    audience_label: str
    department: CodeName
    region: CodeName
    online_depth: str
    online_depth_label: str
    promised_limit_days: int
    visits: int
    mobile: bool
    version: int


class MatterListOut(Schema):
    items: list[MatterSummaryOut]
    count: int = Field(..., description="符合条件的事项总数")


class MaterialOut(Schema):
    order: int
    name: str
    kind: str
    required: bool
    form: str
    form_label: str
    copies: int
    spec: str
    source: str
    source_label: str
    licence_type: str
    deferrable: bool
    by_commitment: bool
    defer_days: int
    note: str
    blank_form: str | None = Field(None, description="空白表格下载地址")
    sample: str | None = Field(None, description="示例样表下载地址")


class MatterDetailOut(MatterSummaryOut):
    base: str | None = Field(None, description="“五级同”挂接的上一层级事项实施编码")
    keywords: str
    department_detail: DepartmentOut
    region_detail: RegionOut
    topics: list[TopicOut]
    legal_basis: str
    conditions: str
    process: str
    legal_limit_days: int | None
    handling: str
    handling_label: str
    fee_required: bool
    fee_standard: str
    fee_basis: str
    result_name: str
    result_type: str
    result_type_label: str
    result_delivery: str
    place: str
    hours: str
    consult_phone: str
    complaint_phone: str
    cross_region: str
    cross_region_label: str
    outlet_scope: str = Field(
        ..., description="就近办范围：空 实施主体所在网点，nearby 就近办，citywide 全城通办"
    )
    outlet_scope_label: str
    materials: list[MaterialOut]


def _region(r: Region) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "level_label": r.get_level_display(),
        "parent": r.parent.code if r.parent_id else None,
    }


def _department(d: Department) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "short_name": d.short_name,
        "kind": d.kind,
        "kind_label": d.get_kind_display(),
        "region": d.region.code,
        "parent": d.parent.code if d.parent_id else None,
        "phone": d.phone,
        "address": d.address,
    }


def _topic(t: Topic) -> dict[str, Any]:
    return {
        "code": t.code,
        "name": t.name,
        "audience": t.audience,
        "audience_label": t.get_audience_display(),
    }


def _summary(m: Matter) -> dict[str, Any]:
    return {
        "code": m.code,
        "basic_code": m.basic_code,
        "name": m.name,
        "short_name": m.short_name,
        "matter_type": m.matter_type,
        "matter_type_label": m.get_matter_type_display(),
        "level": m.level,
        "level_label": m.get_level_display(),
        "audience": m.audience,
        "audience_label": m.get_audience_display(),
        "department": {"code": m.department.code, "name": m.department.name},
        "region": {"code": m.region.code, "name": m.region.name},
        "online_depth": m.online_depth,
        "online_depth_label": m.get_online_depth_display(),
        "promised_limit_days": m.promised_limit_days,
        "visits": m.visits,
        "mobile": m.mobile,
        "version": m.version,
    }


def _material(m: Material) -> dict[str, Any]:
    return {
        "order": m.order,
        "name": m.name,
        "kind": m.kind,
        "required": m.required,
        "form": m.form,
        "form_label": m.get_form_display(),
        "copies": m.copies,
        "spec": m.spec,
        "source": m.source,
        "source_label": m.get_source_display(),
        "licence_type": m.licence_type,
        "deferrable": m.deferrable,
        "by_commitment": m.by_commitment,
        "defer_days": m.effective_defer_days,
        "note": m.note,
        "blank_form": m.blank_form.url if m.blank_form else None,
        "sample": m.sample.url if m.sample else None,
    }


def _detail(m: Matter) -> dict[str, Any]:
    plain = [
        "keywords", "legal_basis", "conditions", "process", "legal_limit_days", "handling",
        "fee_required", "fee_standard", "fee_basis", "result_name", "result_type",
        "result_delivery", "place", "hours", "consult_phone", "complaint_phone", "cross_region",
        "outlet_scope",
    ]  # fmt: skip
    return {
        **_summary(m),
        **{f: getattr(m, f) for f in plain},
        "handling_label": m.get_handling_display(),
        "result_type_label": m.get_result_type_display(),
        "cross_region_label": m.get_cross_region_display(),
        "outlet_scope_label": m.get_outlet_scope_display(),
        "base": m.base.code if m.base_id else None,
        "department_detail": _department(m.department),
        "region_detail": _region(m.region),
        "topics": [_topic(t) for t in m.topics.all()],
        "materials": [_material(x) for x in m.materials.all()],
    }


@router.get("/matters", response=MatterListOut, summary="检索事项（中文、全拼、简拼，可筛选）")
def list_matters(
    request: HttpRequest,
    q: str = Query("", description="关键词：中文、全拼（shehuibaozhangka）或简拼（xsecs）"),
    department: str | None = Query(None, description="部门编码"),
    topic: str | None = Query(None, description="主题分类编码（人生事件/企业事件）"),
    level: int | None = Query(None, description="行使层级 1–5"),
    audience: str | None = Query(None, description="person 个人 / company 法人"),
    region: str | None = Query(None, description="区划代码，含下级区划"),
    limit: int = Query(20, description="每页条数 1–100"),
    offset: int = Query(0, description="偏移量"),
):
    filters = queries.MatterFilters(
        department=department, topic=topic, level=level, audience=audience, region=region
    )
    items, count = queries.matter_search(q, filters=filters, limit=limit, offset=offset)
    return {"items": [_summary(m) for m in items], "count": count}


@router.get("/matters/{code}", response=MatterDetailOut, summary="事项办事指南（全部要素）")
def get_matter(request: HttpRequest, code: str):
    return _detail(queries.matter_detail(code))


@router.get("/regions", response=list[RegionOut], summary="行政区划（平铺，含上级代码）")
def list_regions(
    request: HttpRequest,
    parent: str | None = Query(None, description="上级区划代码"),
    level: int | None = Query(None, description="层级 1–5"),
):
    return [_region(r) for r in queries.region_list(parent=parent, level=level)]


@router.get("/departments", response=list[DepartmentOut], summary="部门（实施主体）")
def list_departments(
    request: HttpRequest,
    region: str | None = Query(None, description="所属区划代码"),
    kind: str | None = Query(None, description="部门类别"),
):
    return [_department(d) for d in queries.department_list(region=region, kind=kind)]


@router.get("/topics", response=list[TopicOut], summary="主题分类（人生事件/企业事件）")
def list_topics(
    request: HttpRequest,
    audience: str | None = Query(None, description="person 个人 / company 法人"),
):
    return [_topic(t) for t in queries.topic_list(audience=audience)]


class SearchItemOut(Schema):
    kind: str = Field(description="theme 一件事 / matter 事项 / policy 政策")
    code: str
    name: str
    url: str = Field(description="该对象页面的站内路径")


class SearchOut(Schema):
    items: list[SearchItemOut]
    count: int = Field(description="本次返回的条数")


@router.get("/search", response=SearchOut, summary="统一搜索：一件事、事项、政策（支持群众说法）")
def unified_search(
    request: HttpRequest,
    q: str = Query("", description="搜索词，1–50 个字：中文、群众说法、全拼或简拼"),
    kind: str | None = Query(None, description="theme 一件事 / matter 事项 / policy 政策"),
    limit: int = Query(10, description="条数 1–50"),
):
    items = search(q, kind=kind, limit=limit)
    return {"items": [asdict(i) for i in items], "count": len(items)}
