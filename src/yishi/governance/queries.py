"""Reads of 数据治理: the latest quality score per dataset and per department, the score
history of a dataset, and what a finding's page shows (masked)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from yishi.core.crypto import mask
from yishi.core.display import mask_name
from yishi.governance.models import Dataset, Finding, QualityScore


def latest_scores(datasets: QuerySet[Dataset] | None = None) -> list[QualityScore]:
    """The newest score of each dataset that has one."""
    qs = QualityScore.objects.select_related("dataset", "dataset__department").order_by(
        "dataset_id", "-measured_at", "-id"
    )
    if datasets is not None:
        qs = qs.filter(dataset__in=datasets)
    seen: dict[int, QualityScore] = {}
    for score in qs:
        seen.setdefault(score.dataset_id, score)
    return sorted(seen.values(), key=lambda s: (s.dataset.department_id, s.dataset.code))


def department_scores(scores: list[QualityScore]) -> list[dict[str, Any]]:
    """Per department: records, passing share, open findings over its datasets' latest runs."""
    by: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"records": 0, "passing": 0, "open": 0, "department": None}
    )
    for s in scores:
        row = by[s.dataset.department_id]
        row["department"] = s.dataset.department
        row["records"] += s.records
        row["passing"] += s.passing
        row["open"] += s.open_findings
    out = []
    for row in by.values():
        row["score"] = (
            round(100.0 * row["passing"] / row["records"], 1) if row["records"] else 100.0
        )
        out.append(row)
    return sorted(out, key=lambda r: r["department"].name)


def score_history(dataset: Dataset, limit: int = 12) -> list[QualityScore]:
    return list(dataset.scores.order_by("-measured_at", "-id")[:limit])


def finding_shown(finding: Finding) -> dict[str, str]:
    """What a page may show of the finding's personal values: masked."""
    detail = finding.detail or {}
    shown: dict[str, str] = {}
    if detail.get("record"):
        # A company's name is public; a person's is masked (张**).
        record = str(detail["record"])
        shown["record"] = record if finding.record_type == "people.company" else mask_name(record)
    if detail.get("shown"):
        shown["value"] = str(detail["shown"])
    elif detail.get("value"):
        shown["value"] = mask(str(detail["value"]))
    if detail.get("note"):
        shown["note"] = str(detail["note"])
    return shown
