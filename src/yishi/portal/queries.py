"""Reads behind the applicant portal pages (the search itself is catalog.queries.matter_search)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When

from yishi.cases.models import Application
from yishi.catalog.models import Department, Matter, RegionLevel, Topic
from yishi.catalog.queries import published_matters

PUBLISHED = Q(matters__status=Matter.Status.PUBLISHED)


def topics_with_counts(audience: str | None = None) -> QuerySet[Topic]:
    qs = Topic.objects.annotate(matter_count=Count("matters", filter=PUBLISHED, distinct=True))
    if audience:
        qs = qs.filter(audience=audience)
    return qs.filter(matter_count__gt=0).order_by("audience", "order", "code")


def departments_with_matters() -> QuerySet[Department]:
    return (
        Department.objects.annotate(matter_count=Count("matters", filter=PUBLISHED))
        .filter(matter_count__gt=0)
        .order_by("code")
    )


# The district's own matters first: the same matter is often listed at several levels.
LEVEL_PRIORITY = Case(
    When(level=RegionLevel.COUNTY, then=Value(0)),
    When(level=RegionLevel.TOWNSHIP, then=Value(1)),
    default=Value(2),
)


def _one_per_matter(qs: QuerySet[Matter], limit: int, exclude: set[str]) -> list[Matter]:
    picked: list[Matter] = []
    seen = set(exclude)
    for matter in qs[: limit * 8]:
        if matter.basic_code in seen:
            continue
        seen.add(matter.basic_code)
        picked.append(matter)
        if len(picked) == limit:
            break
    return picked


def mobile_matters(limit: int = 6) -> list[Matter]:
    qs = published_matters().filter(mobile=True).order_by(LEVEL_PRIORITY, "visits", "code")
    return _one_per_matter(qs, limit, set())


def frequent_matters(limit: int = 6, *, exclude: list[Matter] | None = None) -> list[Matter]:
    """Matters most often reached through life/company events: those filed under most topics."""
    qs = (
        published_matters()
        .annotate(topic_count=Count("topics"))
        .order_by("-topic_count", LEVEL_PRIORITY, "code")
    )
    return _one_per_matter(qs, limit, {m.basic_code for m in exclude or []})


def topic_by_code(code: str) -> Topic | None:
    return Topic.objects.filter(code=code).first()


def department_by_code(code: str) -> Department | None:
    return Department.objects.filter(code=code).first()


def topic_matters(topic: Topic) -> list[Matter]:
    return list(published_matters().filter(topics=topic).order_by("code"))


def department_matters(department: Department) -> list[Matter]:
    return list(published_matters().filter(department=department).order_by("code"))


def my_application_counts(user: Any) -> dict[str, int]:
    """The home page's 我的申请 card, in one query: applications under way, those waiting for
    the applicant's 补正, and drafts not yet submitted."""
    status = Application.Status
    under_way = [status.SUBMITTED, status.SUPPLEMENT_REQUESTED, status.ACCEPTED]
    return Application.objects.filter(applicant=user).aggregate(
        open=Count("pk", filter=Q(status__in=under_way)),
        supplement=Count("pk", filter=Q(status=status.SUPPLEMENT_REQUESTED)),
        drafts=Count("pk", filter=Q(status=status.DRAFT)),
    )
