"""Background tasks of the policies app (django-tasks)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from yishi.policies.models import Policy
from yishi.policies.services import matching_push_all, period_of, policy_run


@task()
def run_policies(period: str = "") -> dict[str, int]:
    """The monthly 免申即享 run of every active proactive policy (idempotent per period)."""
    period = period or period_of(timezone.localdate())
    paid = {}
    for policy in Policy.objects.filter(active=True, proactive=True).order_by("code"):
        run = policy_run(policy=policy, period=period, actor="system:policies")
        paid[policy.code] = run.paid_count
    return paid


@task()
def push_matches() -> dict[str, int]:
    """The matching pass: every subject newly eligible for a policy is told once."""
    return matching_push_all()


@task()
def remind_application_deadlines() -> dict[str, int]:
    """Daily: eligible companies that have not applied hear of a 即申即享 deadline, once."""
    from yishi.policies.applications import deadline_reminders

    return deadline_reminders()
