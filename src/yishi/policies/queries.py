"""Reads of policy services: matching (eligible now, nearly eligible with the missing
conditions), a subject's grants and notices, runs and their lines, the company space feed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yishi.catalog.models import StaffProfile
from yishi.core.roles import Role, has_role
from yishi.people.models import Company, Person
from yishi.policies.models import Grant, Notice, Objection, Policy, Run, RunChange, SubjectKind

NEAR_MISS_LIMIT = 2  # at most this many leaf conditions missing → "nearly eligible"
# Only conditions a subject could still meet by acting count (rules.FieldSpec.attainable):
# a 36-year-old is not nearly entitled to 高龄津贴, nor a person without a disability to a
# disability subsidy.
LICENCE_REMIND_DAYS = 60
POLICY_DEADLINE_DAYS = 30


@dataclass
class PolicyMatch:
    policy: Policy
    eligible: bool
    conditions: list[Any] = field(default_factory=list)  # rules.ConditionResult(text, held)
    missing: list[str] = field(default_factory=list)
    # What is still to do, in plain words, when the policy is nearly met.
    near_texts: list[str] = field(default_factory=list)


@dataclass
class Matches:
    eligible: list[PolicyMatch] = field(default_factory=list)
    near: list[PolicyMatch] = field(default_factory=list)


def subject_kind(subject: Person | Company) -> str:
    return SubjectKind.PERSON if isinstance(subject, Person) else SubjectKind.COMPANY


def policies_in_force(subject: str | None = None, on: dt.date | None = None) -> QuerySet[Policy]:
    on = on or timezone.localdate()
    query = (
        Policy.objects.filter(active=True, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("department")
    )
    if subject:
        query = query.filter(subject=subject)
    return query.order_by("code")


def matches_for(subject: Person | Company, on: dt.date | None = None) -> Matches:
    """Policies in force that `subject` qualifies for on `on`, and those it nearly qualifies
    for (at most NEAR_MISS_LIMIT leaf conditions missing, named)."""
    from yishi.policies import rules

    on = on or timezone.localdate()
    kind = subject_kind(subject)
    result = Matches()
    for policy in policies_in_force(kind, on):
        ev = rules.evaluate(policy.rule, subject, on)
        row = PolicyMatch(
            policy=policy,
            eligible=bool(ev.eligible),
            conditions=list(ev.conditions),
            missing=list(ev.missing),
            near_texts=ev.nearly_met_by,
        )
        if row.eligible:
            result.eligible.append(row)
        elif row.near_texts and len(row.near_texts) <= NEAR_MISS_LIMIT:
            result.near.append(row)
    return result


def explain(policy: Policy, subject: Person | Company, on: dt.date | None = None) -> dict[str, Any]:
    """One subject's eligibility for one policy with the conditions that held or not."""
    from yishi.policies import rules

    on = on or timezone.localdate()
    ev = rules.evaluate(policy.rule, subject, on)
    return {
        "policy": policy.code,
        "rule_version": policy.rule_version,
        "on": on,
        "eligible": bool(ev.eligible),
        "description": rules.describe(policy.rule, policy.subject),
        "conditions": [{"text": c.text, "held": bool(c.held)} for c in ev.conditions],
        "missing": list(ev.missing),
    }


def grants_of(subject: Person | Company) -> QuerySet[Grant]:
    key = "person" if isinstance(subject, Person) else "company"
    return (
        Grant.objects.filter(**{key: subject})
        .select_related("policy", "policy__department")
        .prefetch_related("objections")
        .order_by("-id")
    )


def notices_of(subject: Person | Company, limit: int = 20) -> list[Notice]:
    key = "person" if isinstance(subject, Person) else "company"
    return list(Notice.objects.filter(**{key: subject}).select_related("policy")[:limit])


def runs(policy: Policy | None = None) -> QuerySet[Run]:
    query = Run.objects.select_related("policy", "rule_version")
    if policy is not None:
        query = query.filter(policy=policy)
    return query.order_by("-period", "-id")


def run_changes(run: Run, change: str | None = None) -> QuerySet[RunChange]:
    query = RunChange.objects.filter(run=run).select_related(
        "grant", "grant__person", "grant__company"
    )
    if change:
        query = query.filter(change=change)
    return query.order_by("change", "grant_id")


def grant_counts(policy: Policy) -> dict[str, int]:
    rows = Grant.objects.filter(policy=policy).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def is_policy_staff(user: Any) -> bool:
    """Staff of any role, or a superuser, may see runs and other subjects' eligibility."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return StaffProfile.objects.filter(user_id=user.pk).exists()


def can_see_beneficiaries(user: Any) -> bool:
    """Runs list beneficiaries by name and ID number (the payment list in full): policy
    officers and administrators only."""
    return has_role(user, Role.POLICY_OFFICER, Role.ADMINISTRATOR)


def can_run(user: Any) -> bool:
    """Running a policy pays money: administrators and superusers only."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return has_role(user, Role.ADMINISTRATOR)


def can_handle_objections(user: Any, policy: Policy) -> bool:
    """Contests are answered by the granting department's staff or an administrator."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    profile = StaffProfile.objects.filter(user_id=user.pk).first()
    return profile is not None and (
        has_role(user, Role.ADMINISTRATOR) or profile.department_id == policy.department_id
    )


def open_objections(policy: Policy) -> QuerySet[Objection]:
    return (
        Objection.objects.filter(grant__policy=policy, status=Objection.Status.OPEN)
        .select_related("grant", "grant__person", "grant__company")
        .order_by("created_at", "id")
    )


# ---------------------------------------------------------------- company space


def company_licences(company: Company, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The company's licences with the days left before expiry (read-only from licences)."""
    from yishi.licences.queries import licences_of_holder

    today = today or timezone.localdate()
    rows = []
    for licence in licences_of_holder(company=company):
        days = (licence.valid_until - today).days if licence.valid_until else None
        rows.append(
            {
                "licence": licence,
                "days_left": days,
                "expiring": days is not None and 0 <= days <= LICENCE_REMIND_DAYS,
                "expired": days is not None and days < 0,
            }
        )
    return rows


def company_applications(company: Company, limit: int = 20) -> list[Any]:
    from yishi.cases.models import Application

    return list(
        Application.objects.filter(company=company)
        .exclude(status=Application.Status.DRAFT)
        .select_related("theme", "matter")
        .order_by("-id")[:limit]
    )


def reminder_feed(
    company: Company,
    *,
    licences: list[dict[str, Any]],
    matches: Matches,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Proactive reminders: licences expiring or expired, policies about to close that the
    company qualifies or nearly qualifies for, annual report due, and recent notices."""
    today = today or timezone.localdate()
    feed: list[dict[str, Any]] = []
    for row in licences:
        licence = row["licence"]
        if row["expired"]:
            feed.append(
                {
                    "kind": "licence",
                    "level": "error",
                    "text": f"证照「{licence.type.name}」已于 {licence.valid_until:%Y-%m-%d} 过期，请及时办理延续或换证。",
                }
            )
        elif row["expiring"]:
            feed.append(
                {
                    "kind": "licence",
                    "level": "warning",
                    "text": f"证照「{licence.type.name}」将于 {licence.valid_until:%Y-%m-%d} 到期（还剩 {row['days_left']} 天），请提前办理延续。",
                }
            )
    for row in [*matches.eligible, *matches.near]:
        ends = row.policy.ends_on
        if ends and 0 <= (ends - today).days <= POLICY_DEADLINE_DAYS:
            feed.append(
                {
                    "kind": "policy",
                    "level": "warning",
                    "text": f"政策「{row.policy.name}」将于 {ends:%Y-%m-%d} 截止。",
                }
            )
    # 企业年报: 1 January – 30 June each year (《企业信息公示暂行条例》第八条).
    if today.month <= 6:
        feed.append(
            {
                "kind": "annual_report",
                "level": "info",
                "text": f"请于 {today.year}-06-30 前报送 {today.year - 1} 年度企业年度报告。",
            }
        )
    feed.extend(
        {"kind": "notice", "level": "info", "text": notice.text}
        for notice in notices_of(company, limit=10)
    )
    return feed
