"""Background tasks of 数据治理 (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from yishi.governance.services import governance_check


@task()
def run_quality_checks() -> dict[str, int]:
    """The scheduled pass: every active quality rule over its dataset, findings and scores."""
    return governance_check(actor="system:governance")
