"""Reads: a subject's restriction on commitment handling, credit status, commitment lists
with countdowns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from yishi.cases import access as case_access
from yishi.catalog.models import StaffProfile
from yishi.core.errors import NotFound
from yishi.core.roles import Role, has_role
from yishi.core.workdays import working_days_between
from yishi.credit.models import Blacklist, Commitment, CommitmentItem, CreditRecord, CreditRepair
from yishi.people.models import Company, CompanyAgent, Person
from yishi.people.queries import acting_companies

STAFF_ROLES = (Role.WINDOW, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.REVIEWER)
REPAIR_DECIDERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def cn_date(day: dt.date) -> str:
    """2026年3月9日, as the catalog's commitment text writes dates."""
    return f"{day.year}年{day.month}月{day.day}日"


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def subject_filter(*, person: Person | None = None, company: Company | None = None) -> Q:
    """The Q selecting rows of exactly this subject (a company when given, else the person)."""
    if company is not None:
        return Q(company=company)
    if person is not None:
        return Q(person=person, company__isnull=True)
    raise ValueError("a subject needs a person or a company")


def active_blacklist(
    *, person: Person | None = None, company: Company | None = None, today: dt.date | None = None
) -> QuerySet[Blacklist]:
    day = _today(today)
    return Blacklist.objects.filter(
        subject_filter(person=person, company=company),
        Q(until__isnull=True) | Q(until__gte=day),
        lifted_at__isnull=True,
        listed_on__lte=day,
    ).order_by("-listed_on", "-id")


def unrepaired_broken(
    *, person: Person | None = None, company: Company | None = None
) -> QuerySet[CreditRecord]:
    """Broken promises and penalties not yet lifted by an approved repair."""
    return CreditRecord.objects.filter(
        subject_filter(person=person, company=company),
        kind__in=[CreditRecord.Kind.BROKEN, CreditRecord.Kind.PENALTY],
        repaired_by__isnull=True,
    ).order_by("-occurred_on", "-id")


def commitment_restriction(
    *, person: Person | None = None, company: Company | None = None, today: dt.date | None = None
) -> str | None:
    """Why this subject may not use commitment handling (告知承诺/容缺受理), in Chinese; None
    when it may."""
    listed = active_blacklist(person=person, company=company, today=today).first()
    if listed is not None:
        period = f"至 {cn_date(listed.until)}" if listed.until else "至信用修复"
        return (
            f"该主体已于 {cn_date(listed.listed_on)} 列入失信名单（{period}），"
            f"原因：{listed.reason}。在此期间不能适用告知承诺制或容缺受理。"
        )
    broken = (
        unrepaired_broken(person=person, company=company)
        .filter(kind=CreditRecord.Kind.BROKEN)
        .first()
    )
    if broken is not None:
        return (
            f"该主体于 {cn_date(broken.occurred_on)} 有未履行的承诺（{broken.reason}），"
            "尚未完成信用修复，不能适用告知承诺制或容缺受理。"
        )
    return None


def application_subject(application: Any) -> dict[str, Any]:
    """The credit subject of an application: its company when it has one, else the person."""
    if application.company_id:
        return {"person": None, "company": application.company}
    return {"person": application.person, "company": None}


def working_days_left(due: dt.date | None, today: dt.date | None = None) -> int | None:
    """Working days from today to the due date: positive ahead, 0 on the day, negative after."""
    if due is None:
        return None
    day = _today(today)
    if due >= day:
        return working_days_between(day, due)
    return -working_days_between(due, day)


@dataclass
class ItemRow:
    item: CommitmentItem
    days_left: int | None

    @property
    def state(self) -> str:
        if self.item.fulfilled_at or self.days_left is None:
            return "ok"
        if self.days_left < 0:
            return "overdue"
        if self.days_left <= 3:
            return "warning"
        return "ok"


def item_rows(commitment: Commitment, today: dt.date | None = None) -> list[ItemRow]:
    day = _today(today)
    return [
        ItemRow(item, None if item.fulfilled_at else working_days_left(item.due, day))
        for item in commitment.items.select_related("matter", "material")
    ]


def _staff_profile(user: Any) -> StaffProfile | None:
    if user is None or getattr(user, "pk", None) is None:
        return None
    return StaffProfile.objects.filter(user_id=user.pk).select_related("department").first()


def commitments_visible_to(user: Any) -> QuerySet[Commitment]:
    """Supervisors and administrators see every commitment (they watch the credit loop);
    window staff and reviewers those on applications the cases policy lets them see;
    applicants those they signed, that name them, or of companies they are verified to act
    for in credit matters."""
    base = Commitment.objects.select_related("application", "person", "company", "signer")
    if has_role(user, Role.SUPERVISOR, Role.ADMINISTRATOR):
        return base
    if _staff_profile(user) is None:
        uid = getattr(user, "pk", None)
        companies = [c.pk for c in acting_companies(user, scope=CompanyAgent.Scope.CREDIT)]
        mine = Q(signer_id=uid) | Q(application__applicant_id=uid) | Q(company_id__in=companies)
        return base.filter(mine).distinct()
    return base.filter(application__in=case_access.applications_visible_to(user).values("pk"))


def commitment_for(user: Any, commitment_id: int) -> Commitment:
    commitment = commitments_visible_to(user).filter(pk=commitment_id).first()
    if commitment is None:
        raise NotFound(f"承诺书 {commitment_id} 不存在", field="id")
    return commitment


def open_items(
    today: dt.date | None = None, *, user: Any = None
) -> list[tuple[CommitmentItem, int | None]]:
    """Unfulfilled deferred items of active commitments (those `user` may see, when given),
    soonest due first, with the working days left."""
    day = _today(today)
    items = (
        CommitmentItem.objects.filter(
            *(() if user is None else (Q(commitment__in=commitments_visible_to(user)),)),
            commitment__status=Commitment.Status.ACTIVE,
            kind=CommitmentItem.Kind.DEFERRED,
            fulfilled_at__isnull=True,
        )
        .select_related("commitment__application", "matter", "material")
        .order_by("due", "id")
    )
    return [(item, working_days_left(item.due, day)) for item in items]


def credit_status(
    *, person: Person | None = None, company: Company | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """A subject's credit page: records, blacklist entries, restriction, repairs."""
    q = subject_filter(person=person, company=company)
    return {
        "restriction": commitment_restriction(person=person, company=company, today=today),
        "records": list(CreditRecord.objects.filter(q).order_by("-occurred_on", "-id")),
        "blacklist": list(active_blacklist(person=person, company=company, today=today)),
        "repairs": list(CreditRepair.objects.filter(q).order_by("-id")),
        "commitments": list(
            Commitment.objects.filter(q).select_related("application").order_by("-id")
        ),
    }
