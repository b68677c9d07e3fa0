"""The dashboard's broader figures (README, "Measures", second table): savings, 秒批, 免申即享,
commitments, hall waits, 好差评 and 帮办代办 — aggregates in the database, per period and scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum

from yishi.cases.models import CaseMaterial
from yishi.credit.models import Commitment
from yishi.hall.models import Ticket
from yishi.policies.models import Run, RunChange
from yishi.stats.measures import Filters, _accepted_q, _rate, applications
from yishi.themes.models import Theme
from yishi.themes.savings import theme_savings


def savings(f: Filters) -> dict[str, Any]:
    accepted = applications(f).filter(_accepted_q(f))
    per_theme = dict(
        accepted.filter(theme__isnull=False)
        .values("theme_id")
        .annotate(n=Count("pk"))
        .values_list("theme_id", "n")
    )
    materials = visits = days = 0
    for theme in Theme.objects.filter(pk__in=list(per_theme)).prefetch_related(
        "items__matter__materials", "items__depends_on"
    ):
        saved = theme_savings(theme)
        n = per_theme[theme.pk]
        materials += n * saved.materials_saved
        visits += n * saved.visits_saved
        days += n * saved.days_saved
    exempt = CaseMaterial.objects.filter(
        application__in=accepted.values("pk"),
        source__in=(CaseMaterial.Source.LICENCE, CaseMaterial.Source.SHARED),
    ).count()
    return {
        "theme_applications": sum(per_theme.values()),
        "materials_saved": materials + exempt,
        "materials_exempt": exempt,
        "visits_saved": visits,
        "days_saved": days,
    }


def instant_share(f: Filters) -> dict[str, Any]:
    row = (
        applications(f)
        .filter(_accepted_q(f))
        .aggregate(n=Count("pk"), instant=Count("pk", filter=Q(matter__instant_approval=True)))
    )
    return {"instant": row["instant"], "share": _rate(row["instant"], row["n"])}


def _months(f: Filters) -> list[str]:
    out, cursor = [], f.first.replace(day=1)
    while cursor <= f.last:
        out.append(cursor.strftime("%Y-%m"))
        cursor = (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def proactive(f: Filters) -> dict[str, Any]:
    runs = Run.objects.filter(period__in=_months(f))
    if f.departments is not None:
        runs = runs.filter(policy__department_id__in=f.departments)
    if f.department_id is not None:
        runs = runs.filter(policy__department_id=f.department_id)
    total = runs.aggregate(amount=Sum("total_amount"))["amount"] or 0
    added = RunChange.objects.filter(run__in=runs, change=RunChange.Change.ADDED).count()
    return {"grants_added": added, "amount": float(total)}


def commitments(f: Filters) -> dict[str, Any]:
    qs = Commitment.objects.filter(application__in=applications(f).values("pk"))
    row = qs.aggregate(
        kept=Count("pk", filter=Q(kept_at__gte=f.start, kept_at__lt=f.end)),
        broken=Count("pk", filter=Q(broken_at__gte=f.start, broken_at__lt=f.end)),
    )
    return {"kept": row["kept"], "broken": row["broken"]}


def hall_waits(f: Filters) -> dict[str, Any]:
    qs = Ticket.objects.filter(day__gte=f.first, day__lte=f.last)
    if f.centre_id is not None:
        qs = qs.filter(outlet__department_id=f.centre_id)
    wait = ExpressionWrapper(F("called_at") - F("arrived_at"), output_field=DurationField())
    row = qs.aggregate(
        taken=Count("pk"),
        served=Count("pk", filter=Q(status=Ticket.Status.DONE)),
        wait=Avg(wait, filter=Q(called_at__isnull=False)),
    )
    minutes = None if row["wait"] is None else round(row["wait"].total_seconds() / 60, 1)
    return {"taken": row["taken"], "served": row["served"], "mean_wait_minutes": minutes}


def ratings(f: Filters) -> dict[str, Any] | None:
    try:
        from yishi.ratings import queries
    except ImportError:  # pragma: no cover - the ratings app is optional here
        return None
    qs = queries.counted_ratings(start=f.first, end=f.last)
    if f.departments is not None:
        qs = qs.filter(department_id__in=f.departments)
    if f.department_id is not None:
        qs = qs.filter(department_id=f.department_id)
    return queries.figures(qs)


def assist(f: Filters) -> dict[str, Any] | None:
    """帮办代办 as the assist app defines its rates (yishi.assist.queries: 响应率 within the
    service level, 解决率 over all requests, 满意度 over rated), for the period and scope."""
    try:
        from yishi.assist import queries as assist_queries
    except ImportError:  # pragma: no cover
        return None
    qs = assist_queries.counted(start=f.first, end=f.last, department_id=f.department_id)
    if f.departments is not None:
        qs = qs.filter(department_id__in=f.departments)
    return assist_queries.figures(qs).as_api()


def all_figures(f: Filters) -> dict[str, Any]:
    return {
        "savings": savings(f),
        "instant": instant_share(f),
        "proactive": proactive(f),
        "commitments": commitments(f),
        "hall": hall_waits(f),
        "ratings": ratings(f),
        "assist": assist(f),
    }
