"""Writes of policy services: policies and their rule versions, the monthly 免申即享 run, a
beneficiary's decline or contest, and the matching push.

A run works on sets in the database: the eligible subjects come from the compiled rule
(`rules.eligible_queryset`) and are compared with the open grants by subqueries; only ids
(never whole registry rows) come back to Python, and grants and run lines are written in
bulk. A run is idempotent per policy and period (unique constraint + the lock on the policy
row): asking again for a period already run returns that run and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from yishi.cases.models import Message
from yishi.core.audit import audit_append, audit_batch
from yishi.core.errors import Conflict, NotFound, ValidationFailed
from yishi.core.outbox import outbox_enqueue
from yishi.people.models import ApplicantAccount, Company, CompanyAgent, Person
from yishi.people.queries import account_of, acting_user_ids, can_act_for
from yishi.policies.models import (
    PERIOD_RE,
    Grant,
    Match,
    Notice,
    Objection,
    Policy,
    Run,
    RunChange,
    SubjectKind,
    check_bands,
    check_rule,
)
from yishi.policies.queries import policies_in_force

logger = logging.getLogger(__name__)

SMS_TOPIC = "sms.policy"
PAYMENT_TOPIC = "policies.payment"
PAYMENT_CHUNK = 500
_CHUNK = 500
G = Grant.Status
OPEN = (G.ACTIVE, G.CONTESTED)
# A subject with one of these grants is not granted again (paying twice, or after a decline).
BLOCKING = (G.ACTIVE, G.CONTESTED, G.DECLINED, G.COMPLETED)


def payment_destination() -> str:
    return str(getattr(settings, "YISHI_PAYMENT_PUSH_DESTINATION", "log") or "log")


# ---------------------------------------------------------------- periods


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a "YYYY-MM" period; ValidationFailed on anything else."""
    match = PERIOD_RE.match(str(period or ""))
    if not match:
        raise ValidationFailed("兑现期间必须是 YYYY-MM 格式，如 2026-11", field="period")
    year, month = int(match.group(1)), int(match.group(2))
    first = dt.date(year, month, 1)
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def period_of(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def next_period(period: str) -> str:
    _, last = parse_period(period)
    return period_of(last + dt.timedelta(days=1))


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _fk(policy: Policy) -> str:
    return "person_id" if policy.subject == SubjectKind.PERSON else "company_id"


def _model(subject: str) -> type[Person] | type[Company]:
    return Person if subject == SubjectKind.PERSON else Company


# ---------------------------------------------------------------- policies


POLICY_FIELDS = {
    "code",
    "name",
    "subject",
    "department",
    "rule",
    "amount_bands",
    "amount_note",
    "period",
    "starts_on",
    "ends_on",
    "active",
    "proactive",
    "mode",
    "matter",
    "application_fields",
    "faq",
    "description",
    "basis",
}


def policy_save(
    *, policy: Policy, actor: object = "", changes: dict[str, Any] | None = None
) -> Policy:
    """Create or update a policy: the rule and the amount bands are validated (Chinese
    message naming the field), a changed rule becomes a new rule version, and the change is
    audited."""
    for key, value in (changes or {}).items():
        if key not in POLICY_FIELDS:
            raise ValidationFailed(f"{key}：不能修改该字段", field=key)
        if key == "mode":
            if value not in Policy.Mode.values:
                raise ValidationFailed(
                    "兑现方式必须是 proactive（免申即享）或 application（即申即享）", field="mode"
                )
            policy.proactive = value == Policy.Mode.PROACTIVE
            continue
        setattr(policy, key, value)
    if policy.subject not in SubjectKind.values:
        raise ValidationFailed("对象类型必须是 person 或 company", field="subject")
    check_rule(policy.rule, policy.subject)
    policy.amount_bands = check_bands(policy.amount_bands, policy.subject)
    if not (policy.name or "").strip():
        raise ValidationFailed("请填写政策名称", field="name")
    if policy.ends_on and policy.starts_on and policy.ends_on < policy.starts_on:
        raise ValidationFailed("截止日期不能早于起始日期", field="ends_on")
    if not policy.proactive:
        _check_application_matter(policy)
    creating = policy.pk is None
    before = policy.rule_version
    with transaction.atomic(), audit_batch():
        try:
            with transaction.atomic():
                policy.save(actor=actor)
        except IntegrityError as exc:
            raise Conflict(f"政策编码 {policy.code} 已存在", field="code") from exc
        audit_append(
            action="policies.policy_create" if creating else "policies.policy_update",
            actor=actor,
            object_type="policy",
            object_id=policy.pk,
            data={
                "code": policy.code,
                "rule_version": policy.rule_version,
                "rule_changed": creating or policy.rule_version != before,
            },
        )
    return policy


def _check_application_matter(policy: Policy) -> None:
    """A 即申即享 policy is claimed through a published matter for its kind of subject."""
    from yishi.catalog.models import Matter

    matter = policy.matter
    if matter is None:
        raise ValidationFailed("申报事项：即申即享政策须指定申报事项", field="matter")
    audiences = {SubjectKind.COMPANY: ("company", "both"), SubjectKind.PERSON: ("person", "both")}
    if matter.audience not in audiences[policy.subject]:
        raise ValidationFailed(
            f"申报事项：「{matter.name}」的服务对象与政策的对象类型不一致", field="matter"
        )
    if matter.status != Matter.Status.PUBLISHED:
        raise ValidationFailed(f"申报事项：「{matter.name}」未发布", field="matter")


# ---------------------------------------------------------------- the run


def _band_of_ids(
    policy: Policy, on: dt.date, candidates: QuerySet, ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """Subject id → the first band whose rule holds for it (a band without a rule takes
    everyone left); subjects no band takes are left out."""
    from yishi.policies import rules

    remaining = set(ids)
    chosen: dict[int, dict[str, Any]] = {}
    for band in policy.amount_bands:
        if not remaining:
            break
        if band.get("rule"):
            band_qs = rules.eligible_queryset(band["rule"], policy.subject, on)
            hits = set(band_qs.filter(pk__in=candidates).values_list("pk", flat=True)) & remaining
        else:
            hits = set(remaining)
        for pk in hits:
            chosen[pk] = band
        remaining -= hits
    return chosen


def policy_run(*, policy: Policy, period: str, actor: object = "") -> Run:
    """The monthly 免申即享 run of `policy` for `period` ("YYYY-MM").

    Eligibility is judged on the first day of the period: a subject eligible then is paid for
    that month; a grant whose subject is no longer eligible ends with that period (so a death
    recorded in October ends the grant from November: the month after eligibility ended).
    Running a period again returns the existing run and changes nothing."""
    from yishi.policies import rules

    first, last = parse_period(period)
    existing = Run.objects.filter(policy_id=policy.pk, period=period).first()
    if existing is not None:
        return existing
    if not policy.active:
        raise Conflict("该政策已停用，不能兑现", field="policy")
    if not policy.proactive:
        raise Conflict("该政策为即申即享，须由企业申报后兑现，不能按月批量兑现", field="policy")
    if policy.starts_on > last:
        raise ValidationFailed(
            f"{period} 早于政策起始日期 {policy.starts_on:%Y-%m-%d}", field="period"
        )
    latest = (
        Run.objects.filter(policy_id=policy.pk)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if latest and latest > period:
        raise Conflict(f"该政策已兑现到 {latest}，不能补跑更早的期间", field="period")

    with transaction.atomic(), audit_batch():
        policy = Policy.objects.select_for_update(no_key=True).get(pk=policy.pk)
        existing = Run.objects.filter(policy=policy, period=period).first()
        if existing is not None:  # another run won the race
            return existing
        version = policy.rule_versions.get(version=policy.rule_version)
        run = Run.objects.create(
            policy=policy,
            period=period,
            rule_version=version,
            reference_date=first,
            started_at=timezone.now(),
            actor=_actor(actor),
        )
        fk = _fk(policy)
        subject_fk = fk.removesuffix("_id")
        if policy.ends_on and policy.ends_on < first:
            eligible = _model(policy.subject).objects.none()
        else:
            eligible = rules.eligible_queryset(policy.rule, policy.subject, first)
        eligible_ids = eligible.values("pk")
        grants = Grant.objects.filter(policy=policy)

        # 1. Grants whose subject is no longer eligible end with this period.
        reason = f"不再符合条件（规则第 {version.version} 版，判定日 {first:%Y-%m-%d}）"
        if policy.ends_on and policy.ends_on < first:
            reason = f"政策已于 {policy.ends_on:%Y-%m-%d} 截止"
        ending = list(
            grants.filter(status__in=OPEN)
            .exclude(**{f"{subject_fk}__in": eligible_ids})
            .values_list("pk", fk, "amount", "band")
        )
        _end(run, ending, G.ENDED, reason)
        # 2. Grants that reached their longest duration (失业保险金: by contribution) end too.
        exhausted = list(
            grants.filter(
                status__in=OPEN, max_months__isnull=False, paid_months__gte=F("max_months")
            ).values_list("pk", fk, "amount", "band")
        )
        _end(run, exhausted, G.COMPLETED, "已领满最长期限")
        # A completed grant stops blocking once its subject has left eligibility: a new spell
        # (e.g. a later unemployment) may be granted again.
        grants.filter(status=G.COMPLETED).exclude(**{f"{subject_fk}__in": eligible_ids}).update(
            status=G.ENDED
        )

        # 3. Continuing grants: paid again, moved to another band when the data say so.
        continuing = list(grants.filter(status__in=OPEN).values_list("pk", fk, "amount", "band"))
        bands = _band_of_ids(
            policy,
            first,
            grants.filter(status__in=OPEN).values(fk),
            [row[1] for row in continuing],
        )
        moves: dict[str, list[int]] = {}
        change_rows = []
        for pk, subject_id, amount, band_label in continuing:
            band = bands.get(subject_id)
            note = ""
            if band is not None and band["label"] != band_label:
                moves.setdefault(band["label"], []).append(pk)
                note = f"档次调整：{band_label} → {band['label']}"
                amount, band_label = Decimal(band["amount"]), band["label"]
            change_rows.append(
                RunChange(
                    run=run,
                    grant_id=pk,
                    change=RunChange.Change.CONTINUED,
                    amount=amount,
                    band=band_label,
                    reason=note,
                )
            )
        by_label = {b["label"]: b for b in policy.amount_bands}
        for label, pks in moves.items():
            for part in _chunks(pks):
                Grant.objects.filter(pk__in=part).update(
                    band=label, amount=Decimal(by_label[label]["amount"])
                )
        grants.filter(status__in=OPEN).update(paid_months=F("paid_months") + 1)

        # 4. New grants: eligible subjects with no open, declined or completed grant.
        blocked = grants.filter(status__in=BLOCKING).values(fk)
        new_qs = eligible.exclude(pk__in=blocked)
        new_ids = list(new_qs.values_list("pk", flat=True))
        new_bands = _band_of_ids(policy, first, new_qs.values("pk"), new_ids)
        unbanded = len(new_ids) - len(new_bands)
        new_grants = [
            Grant(
                policy=policy,
                status=G.ACTIVE,
                started_period=period,
                amount=Decimal(band["amount"]),
                band=band["label"],
                max_months=band.get("months"),
                paid_months=1,
                created_run=run,
                **{fk: subject_id},
            )
            for subject_id, band in sorted(new_bands.items())
        ]
        Grant.objects.bulk_create(new_grants, batch_size=1000)
        added = list(Grant.objects.filter(created_run=run).values_list("pk", fk, "amount", "band"))
        change_rows.extend(
            RunChange(
                run=run,
                grant_id=pk,
                change=RunChange.Change.ADDED,
                amount=amount,
                band=band_label,
                reason=f"符合条件（规则第 {version.version} 版）",
            )
            for pk, _subject, amount, band_label in added
        )
        RunChange.objects.bulk_create(change_rows, batch_size=1000)

        total = RunChange.objects.filter(
            run=run, change__in=(RunChange.Change.ADDED, RunChange.Change.CONTINUED)
        ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        run.new_count = len(added)
        run.continuing_count = len(continuing)
        run.ended_count = len(ending) + len(exhausted)
        run.total_amount = total
        run.finished_at = timezone.now()
        run.save()

        audit_append(
            action="policies.run",
            actor=actor,
            object_type="policy_run",
            object_id=run.pk,
            data={
                "policy": policy.code,
                "period": period,
                "rule_version": version.version,
                "new": run.new_count,
                "continuing": run.continuing_count,
                "ended": run.ended_count,
                "total_amount": str(total),
                "unbanded": unbanded,
                # Registry ids (never ID numbers): who was added or removed by this run.
                "added": sorted(row[1] for row in added),
                "ended_subjects": sorted(row[1] for row in ending + exhausted),
            },
        )
        _push_payment_list(run)
        _notify_new(policy, [(row[1], row[2], row[3]) for row in added], period)
    return run


def _actor(actor: object) -> str:
    get_username = getattr(actor, "get_username", None)
    return str(get_username() if callable(get_username) else (actor or ""))[:150]


def _end(run: Run, rows: list[tuple], status: str, reason: str) -> None:
    pks = [row[0] for row in rows]
    for part in _chunks(pks):
        Grant.objects.filter(pk__in=part).update(
            status=status, ended_period=run.period, ended_run=run, end_reason=reason[:200]
        )
    RunChange.objects.bulk_create(
        [
            RunChange(
                run=run,
                grant_id=pk,
                change=RunChange.Change.ENDED,
                amount=0,
                band=band,
                reason=reason[:200],
            )
            for pk, _subject, _amount, band in rows
        ],
        batch_size=1000,
    )


def payment_lines(run: Run) -> QuerySet[RunChange]:
    """The lines paid by a run (new and continuing grants), in a stable order."""
    return (
        RunChange.objects.filter(
            run=run, change__in=(RunChange.Change.ADDED, RunChange.Change.CONTINUED)
        )
        .select_related("grant", "grant__person", "grant__company")
        .order_by("grant_id")
    )


def _payment_payload_line(line: RunChange) -> dict[str, Any]:
    grant = line.grant
    if grant.person_id:
        subject = {"kind": "person", "name": grant.person.name, "id_number": grant.person.id_number}
    else:
        subject = {"kind": "company", "name": grant.company.name, "uscc": grant.company.uscc}
    return {
        "grant": grant.pk,
        "change": line.change,
        "band": line.band,
        "amount": str(line.amount),
        **subject,
    }


def _push_payment_list(run: Run) -> None:
    """The payment list to the paying system through the outbox, in chunks (one message per
    PAYMENT_CHUNK lines; the receiver de-duplicates by run, part and the delivery id)."""
    lines = list(payment_lines(run))
    parts = max(1, -(-len(lines) // PAYMENT_CHUNK))
    for n in range(parts):
        chunk = lines[n * PAYMENT_CHUNK : (n + 1) * PAYMENT_CHUNK]
        outbox_enqueue(
            topic=PAYMENT_TOPIC,
            destination=payment_destination(),
            payload={
                "policy": run.policy.code,
                "policy_name": run.policy.name,
                "department": run.policy.department.code,
                "period": run.period,
                "run": run.pk,
                "rule_version": run.rule_version.version,
                "part": n + 1,
                "parts": parts,
                "count": run.paid_count,
                "total_amount": str(run.total_amount),
                "lines": [_payment_payload_line(line) for line in chunk],
            },
        )


def _notify(
    policy: Policy,
    *,
    person_ids: Iterable[int] = (),
    company_ids: Iterable[int] = (),
    text: str,
) -> None:
    """An in-platform notice to each subject (and a message to its account holders), plus an
    SMS through the outbox to each person's phone."""
    person_ids, company_ids = list(person_ids), list(company_ids)
    Notice.objects.bulk_create(
        [Notice(policy=policy, person_id=pk, text=text) for pk in person_ids]
        + [Notice(policy=policy, company_id=pk, text=text) for pk in company_ids],
        batch_size=1000,
    )
    for part in _chunks(person_ids):
        users = ApplicantAccount.objects.filter(person_id__in=part).values_list(
            "user_id", flat=True
        )
        Message.objects.bulk_create([Message(user_id=uid, text=text) for uid in users])
        for person in Person.objects.filter(pk__in=part).only("pk", "phone"):
            if person.phone:
                outbox_enqueue(
                    topic=SMS_TOPIC,
                    destination=settings.SMS_DESTINATION,
                    payload={
                        "phone": person.phone,
                        "template": "policy_grant",
                        "policy": policy.code,
                        "text": f"【{settings.SITE_NAME}】{text}",
                    },
                )
    for part in _chunks(company_ids):
        # Only those verified to act for the company in benefit matters hear of its grants.
        users = acting_user_ids(part, scope=CompanyAgent.Scope.BENEFITS)
        Message.objects.bulk_create([Message(user_id=uid, text=text) for uid in users])


def _notify_new(policy: Policy, added: list[tuple[int, Decimal, str]], period: str) -> None:
    by_text: dict[str, list[int]] = {}
    for subject_id, amount, band in added:
        text = (
            f"您已获得「{policy.name}」（{band}，每月 {amount} 元），无需申请，"
            f"自 {period} 起按月发放。如需放弃或有异议，请登录平台“我的政策待遇”办理。"
        )
        by_text.setdefault(text, []).append(subject_id)
    for text, ids in by_text.items():
        if policy.subject == SubjectKind.PERSON:
            _notify(policy, person_ids=ids, text=text)
        else:
            _notify(policy, company_ids=ids, text=text)


# ---------------------------------------------------------------- decline and contest


def _own_grant(grant: Grant, user: Any) -> Grant:
    """The grant, locked, if `user` is its beneficiary or acts for its company; NotFound
    otherwise (another's grant is not revealed)."""
    grant = Grant.objects.select_for_update(no_key=True).select_related("policy").get(pk=grant.pk)
    if grant.person_id:
        account = account_of(user)
        if account is None or account.person_id != grant.person_id:
            raise NotFound("未找到该待遇", field="grant")
    elif not can_act_for(user, grant.company, CompanyAgent.Scope.BENEFITS):
        raise NotFound("未找到该待遇", field="grant")
    return grant


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写理由", field="reason")
    if len(reason) > 500:
        raise ValidationFailed("理由不能超过 500 字", field="reason")
    return reason


def grant_decline(*, grant: Grant, user: Any, reason: str) -> Grant:
    """The beneficiary declines the benefit: it is no longer paid from the next run and is
    not granted again."""
    reason = _reason(reason)
    with transaction.atomic(), audit_batch():
        grant = _own_grant(grant, user)
        if not grant.is_open:
            raise Conflict(f"该待遇状态为“{grant.get_status_display()}”，不能放弃", field="status")
        grant.status = G.DECLINED
        grant.end_reason = "本人放弃"
        grant.save(update_fields=["status", "end_reason"])
        Objection.objects.filter(grant=grant, status=Objection.Status.OPEN).update(
            status=Objection.Status.CLOSED, resolution="本人已放弃该待遇", closed_at=timezone.now()
        )
        objection = Objection.objects.create(
            grant=grant,
            kind=Objection.Kind.DECLINE,
            reason=reason,
            user=user,
            status=Objection.Status.CLOSED,
            closed_at=timezone.now(),
        )
        audit_append(
            action="policies.grant_decline",
            actor=user,
            object_type="policy_grant",
            object_id=grant.pk,
            data={"policy": grant.policy.code, "objection": objection.pk},
        )
    return grant


def grant_contest(*, grant: Grant, user: Any, reason: str) -> Objection:
    """The beneficiary contests the grant (band, amount or data): it is flagged 有异议 for the
    granting department and keeps being paid until resolved."""
    reason = _reason(reason)
    with transaction.atomic(), audit_batch():
        grant = _own_grant(grant, user)
        if grant.status != G.ACTIVE:
            raise Conflict(
                f"该待遇状态为“{grant.get_status_display()}”，不能提出异议",
                field="status",
            )
        grant.status = G.CONTESTED
        grant.save(update_fields=["status"])
        objection = Objection.objects.create(
            grant=grant, kind=Objection.Kind.CONTEST, reason=reason, user=user
        )
        audit_append(
            action="policies.grant_contest",
            actor=user,
            object_type="policy_grant",
            object_id=grant.pk,
            data={"policy": grant.policy.code, "objection": objection.pk},
        )
    return objection


def grant_end(*, grant: Grant, staff: Any, reason: str) -> Grant:
    """Staff end an open grant whose basis is gone (数据治理更正: e.g. the person died): it
    is not paid from the current period on."""
    reason = _reason(reason)
    with transaction.atomic(), audit_batch():
        grant = (
            Grant.objects.select_for_update(no_key=True).select_related("policy").get(pk=grant.pk)
        )
        if not grant.is_open:
            raise Conflict(f"该待遇状态为“{grant.get_status_display()}”，不能终止", field="status")
        grant.status = G.ENDED
        grant.ended_period = period_of(timezone.localdate())
        grant.end_reason = reason[:200]
        grant.save(update_fields=["status", "ended_period", "end_reason"])
        audit_append(
            action="policies.grant_end",
            actor=staff,
            object_type="policy_grant",
            object_id=grant.pk,
            data={"policy": grant.policy.code},
        )
    return grant


def objection_resolve(*, objection: Objection, staff: Any, resolution: str) -> Objection:
    """Staff close a contest with their answer; the grant is active again."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationFailed("请填写处理意见", field="resolution")
    with transaction.atomic(), audit_batch():
        objection = (
            Objection.objects.select_for_update(no_key=True)
            .select_related("grant")
            .get(pk=objection.pk)
        )
        if objection.status != Objection.Status.OPEN:
            raise Conflict("该异议已办结", field="status")
        objection.status = Objection.Status.CLOSED
        objection.resolution = resolution
        objection.closed_at = timezone.now()
        objection.save(update_fields=["status", "resolution", "closed_at"])
        Grant.objects.filter(pk=objection.grant_id, status=G.CONTESTED).update(status=G.ACTIVE)
        audit_append(
            action="policies.objection_resolve",
            actor=staff,
            object_type="policy_objection",
            object_id=objection.pk,
            data={"grant": objection.grant_id},
        )
    return objection


# ---------------------------------------------------------------- matching push


def _match_text(policy: Policy) -> str:
    how = "将按月自动兑现，无需申请" if policy.proactive else "可在平台申请办理"
    return f"根据登记信息，您符合「{policy.name}」的条件，{how}。"


def matching_push(*, policy: Policy, on: dt.date | None = None) -> int:
    """Tell every subject newly eligible for `policy` (a new policy, or a registry change),
    once: the subjects eligible now without a Match row get one and a notice. Returns how
    many were told."""
    from yishi.policies import rules

    on = on or timezone.localdate()
    if not policy.active:
        return 0
    fk = _fk(policy)
    eligible = rules.eligible_queryset(policy.rule, policy.subject, on)
    with transaction.atomic():
        known = Match.objects.filter(policy=policy).values(fk)
        new_ids = list(eligible.exclude(pk__in=known).values_list("pk", flat=True))
        now = timezone.now()
        Match.objects.bulk_create(
            [Match(policy=policy, matched_on=on, notified_at=now, **{fk: pk}) for pk in new_ids],
            batch_size=1000,
        )
        if new_ids:
            key = "person_ids" if fk == "person_id" else "company_ids"
            _notify(policy, text=_match_text(policy), **{key: new_ids})
    return len(new_ids)


def matching_push_all(*, on: dt.date | None = None) -> dict[str, int]:
    """The periodic matching pass over every policy in force."""
    on = on or timezone.localdate()
    return {p.code: matching_push(policy=p, on=on) for p in policies_in_force(on=on)}


def matching_refresh(
    *, person: Person | None = None, company: Company | None = None, on: dt.date | None = None
) -> list[Policy]:
    """After one subject's registry data changed: the policies it has newly become eligible
    for, each told once. Returns those policies."""
    from yishi.policies import rules

    on = on or timezone.localdate()
    subject = SubjectKind.PERSON if person is not None else SubjectKind.COMPANY
    target = person if person is not None else company
    if target is None:
        raise ValidationFailed("请指定自然人或法人", field="subject")
    fk = "person" if person is not None else "company"
    told = set(Match.objects.filter(**{fk: target}).values_list("policy_id", flat=True))
    newly = [
        p
        for p in policies_in_force(subject, on).exclude(pk__in=told)
        if rules.evaluate(p.rule, target, on).eligible
    ]
    with transaction.atomic():
        for policy in newly:
            _, created = Match.objects.get_or_create(
                policy=policy,
                **{fk: target},
                defaults={"matched_on": on, "notified_at": timezone.now()},
            )
            if created:
                key = "person_ids" if person is not None else "company_ids"
                _notify(policy, text=_match_text(policy), **{key: [target.pk]})
    return newly
