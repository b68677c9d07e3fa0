"""Reads of the catalog. `matter_search` is the one search entry point (API and portal)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from yishi.catalog.models import Department, Material, Matter, Region, RegionLevel, Topic
from yishi.catalog.search import SearchFilters, search_tokens
from yishi.catalog.unified_search import understand
from yishi.core.errors import NotFound, ValidationFailed

MAX_LIMIT = 100
AUDIENCES = {
    # A person-facing search also shows matters for both persons and companies.
    "person": (Matter.Audience.PERSON, Matter.Audience.BOTH),
    "company": (Matter.Audience.COMPANY, Matter.Audience.BOTH),
}


@dataclass(frozen=True)
class MatterFilters:
    department: str | None = None  # Department.code
    topic: str | None = None  # Topic.code
    level: int | None = None
    audience: str | None = None  # "person" | "company"
    region: str | None = None  # Region.code: the region and every region under it


def published_matters() -> QuerySet[Matter]:
    return Matter.objects.filter(status=Matter.Status.PUBLISHED).select_related(
        "department", "region"
    )


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"每页条数 limit 必须在 1 到 {MAX_LIMIT} 之间", field="limit")
    if offset < 0:
        raise ValidationFailed("偏移量 offset 不能小于 0", field="offset")


def _region_and_descendants(code: str) -> tuple[int, ...]:
    """The region's id and those of every region under it (one query over the small table)."""
    rows = list(Region.objects.values_list("id", "code", "parent_id"))
    root = next((r[0] for r in rows if r[1] == code), None)
    if root is None:
        raise ValidationFailed(f"区划代码 {code} 不存在", field="region")
    children: dict[int, list[int]] = {}
    for pk, _, parent in rows:
        children.setdefault(parent, []).append(pk)
    found, stack = [], [root]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, []))
    return tuple(sorted(found))


def resolve_filters(filters: MatterFilters | None) -> SearchFilters:
    """Codes to primary keys; an unknown code or a bad value raises ValidationFailed naming
    the field."""
    if filters is None:
        return SearchFilters()
    department_id = topic_id = None
    if filters.department:
        department_id = (
            Department.objects.filter(code=filters.department).values_list("id", flat=True).first()
        )
        if department_id is None:
            raise ValidationFailed(f"部门编码 {filters.department} 不存在", field="department")
    if filters.topic:
        topic_id = Topic.objects.filter(code=filters.topic).values_list("id", flat=True).first()
        if topic_id is None:
            raise ValidationFailed(f"主题分类 {filters.topic} 不存在", field="topic")
    if filters.level is not None and filters.level not in RegionLevel.values:
        raise ValidationFailed("行使层级 level 必须是 1 到 5 之间的整数", field="level")
    audiences: tuple[str, ...] = ()
    if filters.audience:
        if filters.audience not in AUDIENCES:
            raise ValidationFailed("服务对象 audience 只能是 person 或 company", field="audience")
        audiences = tuple(str(a) for a in AUDIENCES[filters.audience])
    region_ids = _region_and_descendants(filters.region) if filters.region else ()
    return SearchFilters(
        department_id=department_id,
        topic_id=topic_id,
        level=filters.level,
        audiences=audiences,
        region_ids=region_ids,
    )


def _filtered(qs: QuerySet[Matter], f: SearchFilters) -> QuerySet[Matter]:
    if f.department_id is not None:
        qs = qs.filter(department_id=f.department_id)
    if f.topic_id is not None:
        qs = qs.filter(topics__id=f.topic_id)
    if f.level is not None:
        qs = qs.filter(level=f.level)
    if f.audiences:
        qs = qs.filter(audience__in=f.audiences)
    if f.region_ids:
        qs = qs.filter(region_id__in=f.region_ids)
    return qs


def matter_search(
    q: str, *, filters: MatterFilters | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[Matter], int]:
    """Ranked published matters for a query (Chinese words, everyday phrasings, full pinyin or
    initials, typos tolerated where cheap) and the filters; returns (page, total). No query:
    by code."""
    _check_page(limit, offset)
    resolved = resolve_filters(filters)
    if not (q or "").strip():
        qs = _filtered(published_matters(), resolved)
        return list(qs.order_by("code")[offset : offset + limit]), qs.count()
    # Everyday words ("生孩子") and stop words ("怎么办") as in the unified search.
    tokens = list(understand(q).tokens)
    result = search_tokens(tokens, filters=resolved, limit=limit, offset=offset)
    if not result.ids:
        return [], result.total
    by_id = published_matters().in_bulk(result.ids)
    return [by_id[pk] for pk in result.ids if pk in by_id], result.total


def matter_detail(code: str) -> Matter:
    """A published matter with everything its guide shows (materials, topics, base)."""
    matter = (
        published_matters()
        .select_related("base", "region__parent", "department__region", "department__parent")
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.order_by("order", "id")), "topics"
        )
        .filter(code=code)
        .first()
    )
    if matter is None:
        raise NotFound(f"事项编码 {code} 不存在", field="code")
    return matter


def region_list(*, parent: str | None = None, level: int | None = None) -> list[Region]:
    qs = Region.objects.select_related("parent").order_by("code")
    if parent:
        parent_id = Region.objects.filter(code=parent).values_list("id", flat=True).first()
        if parent_id is None:
            raise ValidationFailed(f"区划代码 {parent} 不存在", field="parent")
        qs = qs.filter(parent_id=parent_id)
    if level is not None:
        if level not in RegionLevel.values:
            raise ValidationFailed("层级 level 必须是 1 到 5 之间的整数", field="level")
        qs = qs.filter(level=level)
    return list(qs)


def department_list(*, region: str | None = None, kind: str | None = None) -> list[Department]:
    qs = Department.objects.select_related("region", "parent").order_by("code")
    if region:
        region_id = Region.objects.filter(code=region).values_list("id", flat=True).first()
        if region_id is None:
            raise ValidationFailed(f"区划代码 {region} 不存在", field="region")
        qs = qs.filter(region_id=region_id)
    if kind:
        if kind not in Department.Kind.values:
            allowed = "、".join(Department.Kind.values)
            raise ValidationFailed(f"部门类别 kind 只能是 {allowed} 之一", field="kind")
        qs = qs.filter(kind=kind)
    return list(qs)


def topic_list(*, audience: str | None = None) -> list[Topic]:
    qs = Topic.objects.all()
    if audience:
        if audience not in Topic.Audience.values:
            raise ValidationFailed("服务对象 audience 只能是 person 或 company", field="audience")
        qs = qs.filter(audience=audience)
    return list(qs)
