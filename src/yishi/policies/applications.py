"""即申即享: applying for a policy as a case of its matter, reviewed through the normal case
flow (受理 / 补正 / 准予 / 不予, yishi.cases.services), the amount from the policy's bands
committed on approval, and the payment (兑现) recorded to paid. Plus the reads behind the
company's 可申报 list, its deadline calendar and reminders, and the officers' figures.

No second case engine: every state change of the case is a call into yishi.cases.services;
this module only adds what a policy needs around it (eligibility before applying, the
prefilled form and materials, the amount, the payment)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from yishi.cases import services as cases
from yishi.cases.models import Application, CaseMaterial, SubCase
from yishi.catalog.models import Material
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.outbox import outbox_enqueue
from yishi.core.roles import Role, has_role
from yishi.people.models import Company, CompanyAgent, Person
from yishi.people.queries import account_of, can_act_for
from yishi.policies.models import (
    FIELD_KINDS,
    PREFILL_SOURCES,
    Notice,
    Policy,
    PolicyApplication,
    SubjectKind,
)
from yishi.policies.queries import POLICY_DEADLINE_DAYS, policies_in_force

APPLY = CompanyAgent.Scope.APPLY
FORM_MATERIAL_KIND = "policy_application_form"
PAYMENT_TOPIC = "policies.payment"
# Case statuses in which an application still runs (a second one is refused meanwhile).
RUNNING_CASE = ("submitted", "supplement_requested", "accepted")
ST = PolicyApplication.State


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# ---------------------------------------------------------------- reads


def application_policies(
    subject: str = SubjectKind.COMPANY, on: dt.date | None = None
) -> QuerySet[Policy]:
    """即申即享 policies in force for a kind of subject."""
    return policies_in_force(subject, on).filter(proactive=False, matter__isnull=False)


def in_force(policy: Policy, on: dt.date) -> bool:
    return (
        policy.active
        and policy.starts_on <= on
        and (policy.ends_on is None or policy.ends_on >= on)
    )


def applications_of(policy: Policy, subject: Person | Company) -> QuerySet[PolicyApplication]:
    key = "person" if isinstance(subject, Person) else "company"
    return (
        PolicyApplication.objects.filter(policy=policy, **{key: subject})
        .select_related("application", "policy")
        .prefetch_related("application__pauses")
        .order_by("-id")
    )


def open_application(policy: Policy, subject: Person | Company) -> PolicyApplication | None:
    """The subject's application of the policy that still runs or was granted, if any."""
    for pa in applications_of(policy, subject):
        if pa.is_open:
            return pa
    return None


def _registry_value(source: str, *, person: Person | None, company: Company | None) -> str:
    owner_name, _, attribute = source.partition(".")
    owner = {"person": person, "company": company}.get(owner_name)
    if owner is None:
        return ""
    value = getattr(owner, attribute, "")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def form_rows(
    policy: Policy, *, person: Person | None, company: Company | None
) -> list[dict[str, Any]]:
    """The policy's form with each prefilled field's value from the registries and its
    source named (the ID-free registry data the platform already holds)."""
    rows = []
    for field in policy.application_fields:
        source = field.get("prefill") or ""
        value = _registry_value(source, person=person, company=company) if source else ""
        rows.append(
            {
                **field,
                "value": value,
                "prefilled": bool(source and value),
                "source_label": PREFILL_SOURCES.get(source, ""),
                "kind_label": FIELD_KINDS.get(field.get("kind", "text"), ""),
            }
        )
    return rows


def material_rows(
    policy: Policy,
    *,
    person: Person | None,
    company: Company | None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The matter's materials, each saying how it is provided: the online form itself, a
    held e-licence (免提交), data shared by the department, or to be handed in."""
    from yishi.licences.queries import held_licence_for_applicant

    if policy.matter_id is None:
        return []
    rows = []
    for material in Material.objects.filter(matter_id=policy.matter_id).order_by("order", "id"):
        licence = None
        if material.kind == FORM_MATERIAL_KIND:
            how, text = "form", "在线填报（即本申请表）"
        else:
            if person is not None:
                licence = held_licence_for_applicant(
                    material, person=person, company=company, today=today
                )
            if licence is not None:
                how, text = "licence", f"免提交：已调取电子证照「{licence.type.name}」"
            elif material.source in (Material.Source.SHARED, Material.Source.GOVERNMENT):
                how, text = "shared", "免提交：由部门共享获取"
            else:
                how = "upload"
                text = "需在受理时提交" if material.required else "如有请在受理时提交"
        rows.append(
            {
                "material": material,
                "name": material.name,
                "required": material.required,
                "how": how,
                "text": text,
                "licence": licence,
            }
        )
    return rows


def explain(policy: Policy, subject: Person | Company, on: dt.date) -> dict[str, Any]:
    from yishi.policies import queries

    return queries.explain(policy, subject, on)


def band_for(policy: Policy, subject: Person | Company, on: dt.date) -> dict[str, Any] | None:
    """The first band whose rule holds for the subject (a band without a rule takes anyone)."""
    from yishi.policies import rules

    for band in policy.amount_bands:
        if (
            not band.get("rule")
            or rules.evaluate(band["rule"], subject, on, explain=False).eligible
        ):
            return band
    return None


# ---------------------------------------------------------------- access


def _profile(user: Any) -> Any:
    return cases.staff_profile(user)


def is_staff_member(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and _profile(user) is not None


def may_staff_see(user: Any, pa: PolicyApplication) -> bool:
    """Staff see an application when they are administrators, belong to the granting
    department, review its matter's sub-case, or work the window of its service centre."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False) or has_role(user, Role.ADMINISTRATOR):
        return True
    profile = _profile(user)
    if profile is None:
        return False
    if profile.department_id == pa.policy.department_id:
        return True
    app = pa.application
    if app.subcases.filter(department_id=profile.department_id).exists():
        return True
    if has_role(user, Role.WINDOW):
        from yishi.catalog.centres import centre_of_staff

        return app.service_centre_id == centre_of_staff(profile)
    return False


def may_applicant_see(user: Any, pa: PolicyApplication) -> bool:
    if pa.company_id is not None:
        return can_act_for(user, pa.company, APPLY)
    account = account_of(user)
    return account is not None and account.person_id == pa.person_id


def may_pay(user: Any, policy: Policy) -> bool:
    """Recording a payment: policy officers of the granting department, administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False) or has_role(user, Role.ADMINISTRATOR):
        return True
    profile = _profile(user)
    return (
        profile is not None
        and has_role(user, Role.POLICY_OFFICER)
        and profile.department_id == policy.department_id
    )


def may_see_policy_applications(user: Any, policy: Policy) -> bool:
    """The per-policy list (company names, amounts): the granting department's staff, policy
    officers and administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False) or has_role(
        user, Role.ADMINISTRATOR, Role.POLICY_OFFICER
    ):
        return True
    profile = _profile(user)
    return profile is not None and profile.department_id == policy.department_id


def staff_application(user: Any, pa_id: int) -> PolicyApplication:
    pa = (
        PolicyApplication.objects.select_related(
            "policy", "policy__department", "policy__matter", "application", "company", "person"
        )
        .filter(pk=pa_id)
        .first()
    )
    if pa is None or not may_staff_see(user, pa):
        raise NotFound("未找到该申报", field="application")
    return pa


def own_application(user: Any, pa_id: int) -> PolicyApplication:
    pa = (
        PolicyApplication.objects.select_related(
            "policy", "policy__department", "policy__matter", "application", "company", "person"
        )
        .filter(pk=pa_id)
        .first()
    )
    if pa is None or not may_applicant_see(user, pa):
        raise NotFound("未找到该申报", field="application")
    return pa


# ---------------------------------------------------------------- applying


def _clean_form(
    policy: Policy, form_data: Any, *, person: Person | None, company: Company | None
) -> tuple[dict[str, Any], list[str]]:
    """The submitted form checked against the policy's fields; prefilled fields take the
    registry's value whatever was sent (what the registry says is what is applied with)."""
    if form_data is None:
        form_data = {}
    if not isinstance(form_data, dict):
        raise ValidationFailed("申请表内容格式不正确", field="form_data")
    known = {f["key"] for f in policy.application_fields}
    unknown = sorted(set(form_data) - known)
    if unknown:
        raise ValidationFailed(f"申请表中没有字段 {unknown[0]}", field=unknown[0])
    cleaned: dict[str, Any] = {}
    prefilled: list[str] = []
    for field in policy.application_fields:
        key, label, kind = field["key"], field["label"], field.get("kind", "text")
        source = field.get("prefill") or ""
        registry = _registry_value(source, person=person, company=company) if source else ""
        if registry:
            cleaned[key] = registry
            prefilled.append(key)
            continue
        raw = form_data.get(key)
        text = "" if raw is None else str(raw).strip()
        if not text:
            if field.get("required", True):
                raise ValidationFailed(f"请填写「{label}」", field=key)
            continue
        if len(text) > 500:
            raise ValidationFailed(f"「{label}」不能超过 500 字", field=key)
        if kind == "number":
            if not text.isdigit():
                raise ValidationFailed(f"「{label}」须为不小于 0 的整数", field=key)
            cleaned[key] = int(text)
        elif kind == "date":
            try:
                cleaned[key] = dt.date.fromisoformat(text).isoformat()
            except ValueError as exc:
                raise ValidationFailed(f"「{label}」须为日期（如 2026-12-01）", field=key) from exc
        else:
            cleaned[key] = text
    return cleaned, prefilled


def policy_apply(
    *,
    policy: Policy,
    user: Any,
    company: Company | None = None,
    form_data: Any = None,
    today: dt.date | None = None,
) -> PolicyApplication:
    """Apply for a 即申即享 policy (for a company the user acts for in applications): the rule
    is checked first (ineligible: refused with the conditions not met), the form is checked
    with its prefilled fields taken from the registries, and the application is submitted as
    a case of the policy's matter with the materials held as licences or shared recorded
    免提交. One running application per subject and policy."""
    from yishi.policies import rules

    day = _today(today)
    account = account_of(user)
    if account is None:
        raise PermissionDeniedError("请以申请人身份登录后申报", field="user")
    if policy.subject == SubjectKind.COMPANY:
        if company is None:
            raise ValidationFailed("请选择申报企业", field="company")
        if not can_act_for(user, company, APPLY):
            raise NotFound(f"企业 {company.uscc} 不存在或您未获授权代其申报", field="company")
        subject: Person | Company = company
        person = account.person
    else:
        if company is not None:
            raise ValidationFailed("该政策面向个人，不能以企业名义申报", field="company")
        subject = person = account.person
    if policy.proactive or policy.matter_id is None:
        raise Conflict(f"「{policy.name}」为免申即享政策，无需申请", field="policy")
    if not in_force(policy, day):
        raise Conflict(f"「{policy.name}」不在申报期内", field="policy")
    evaluation = rules.evaluate(policy.rule, subject, day)
    if not evaluation.eligible:
        raise ValidationFailed(
            f"不符合「{policy.name}」的申报条件：{'；'.join(evaluation.missing)}",
            field="eligibility",
        )
    cleaned, prefilled = _clean_form(
        policy, form_data, person=person, company=company if policy.subject == "company" else None
    )
    materials = material_rows(policy, person=person, company=company, today=day)
    with transaction.atomic():
        # One applicant at a time per policy row: two tabs cannot both apply.
        Policy.objects.select_for_update(no_key=True).filter(pk=policy.pk).first()
        if open_application(policy, subject) is not None:
            raise Conflict(f"已申报「{policy.name}」，请勿重复申报", field="policy")
        application = cases.application_submit(
            user=user,
            matter=policy.matter,
            form_data=cleaned,
            company=company if policy.subject == SubjectKind.COMPANY else None,
            today=day,
        )
        CaseMaterial.objects.bulk_create(
            [
                CaseMaterial(
                    application=application,
                    kind=(row["material"].kind or row["name"])[:60],
                    name=(
                        f"{row['name']}（电子证照 {row['licence'].number}）"
                        if row["how"] == "licence"
                        else row["name"]
                    )[:150],
                    source=CaseMaterial.Source.LICENCE
                    if row["how"] == "licence"
                    else CaseMaterial.Source.SHARED,
                )
                for row in materials
                if row["how"] in ("licence", "shared")
            ]
        )
        pa = PolicyApplication.objects.create(
            policy=policy,
            application=application,
            company=company if policy.subject == SubjectKind.COMPANY else None,
            person=None if policy.subject == SubjectKind.COMPANY else person,
            rule_version=policy.rule_version,
            eligibility={
                "on": day.isoformat(),
                "conditions": [
                    {"text": c.text, "held": bool(c.held)} for c in evaluation.conditions
                ],
            },
            prefilled=prefilled,
        )
        audit_append(
            action="policies.application_submit",
            actor=user,
            object_type="policy_application",
            object_id=pa.pk,
            data={"policy": policy.code, "application": application.number},
        )
    return pa


# ---------------------------------------------------------------- review (the case flow)


def _running_subcase(pa: PolicyApplication) -> SubCase:
    subcase = (
        pa.application.subcases.filter(
            status__in=[SubCase.Status.PENDING, SubCase.Status.SUPPLEMENT_REQUESTED]
        )
        .select_related("matter", "application")
        .first()
    )
    if subcase is None:
        raise Conflict("该申报尚未受理或已审结", field="status")
    return subcase


def policy_application_accept(
    *, pa: PolicyApplication, staff: Any, today: dt.date | None = None
) -> PolicyApplication:
    """受理 at the window (the cases flow: the clock starts, the department's sub-case opens)."""
    cases.application_accept(application=pa.application, staff=staff, today=today)
    pa.application.refresh_from_db()
    return pa


def policy_application_supplement(
    *, pa: PolicyApplication, staff: Any, items: list[str], today: dt.date | None = None
) -> PolicyApplication:
    """补正: before acceptance by the window, after it by the reviewing department."""
    if pa.application.status == Application.Status.ACCEPTED:
        cases.subcase_request_supplement(
            subcase=_running_subcase(pa), reviewer=staff, items=items, today=today
        )
    else:
        cases.application_request_supplement(
            application=pa.application, staff=staff, items=items, today=today
        )
    pa.application.refresh_from_db()
    return pa


def policy_application_supplied(
    *, pa: PolicyApplication, user: Any, today: dt.date | None = None
) -> PolicyApplication:
    """The applicant brings the supplement back (the clock runs again)."""
    cases.application_supplement_provided(application=pa.application, user=user, today=today)
    pa.application.refresh_from_db()
    return pa


def policy_application_refuse(
    *, pa: PolicyApplication, staff: Any, reason: str, today: dt.date | None = None
) -> PolicyApplication:
    """不予: before acceptance the window refuses the application, after it the department
    refuses its sub-case (不予许可); no amount is committed."""
    if pa.application.status == Application.Status.ACCEPTED:
        cases.subcase_refuse(
            subcase=_running_subcase(pa), reviewer=staff, reason=reason, today=today
        )
    else:
        cases.application_refuse(
            application=pa.application, staff=staff, reason=reason, today=today
        )
    pa.application.refresh_from_db()
    return pa


def policy_application_approve(
    *, pa: PolicyApplication, reviewer: Any, today: dt.date | None = None
) -> PolicyApplication:
    """准予: the reviewing department approves the sub-case and the amount of the band the
    subject falls in (on the day of approval) is committed in the same transaction."""
    day = _today(today)
    subcase = _running_subcase(pa)
    band = band_for(pa.policy, pa.subject_obj, day)
    if band is None:
        raise Conflict("没有适用的金额档次，请先由管理员调整金额档次", field="amount_bands")
    with transaction.atomic():
        cases.subcase_approve(
            subcase=subcase,
            reviewer=reviewer,
            result_name=f"核定{pa.policy.name} {band['amount']} 元（{band['label']}）",
            today=day,
        )
        pa = commit_amount(pa=pa, on=day, actor=reviewer)
    return pa


def commit_amount(*, pa: PolicyApplication, on: dt.date, actor: Any = "") -> PolicyApplication:
    """The amount from the bands, once (idempotent: an approval seen twice commits once)."""
    with transaction.atomic():
        pa = (
            PolicyApplication.objects.select_for_update(of=("self",), no_key=True)
            .select_related("policy", "application", "company", "person")
            .get(pk=pa.pk)
        )
        if pa.amount is not None:
            return pa
        band = band_for(pa.policy, pa.subject_obj, on)
        if band is None:
            raise Conflict("没有适用的金额档次", field="amount_bands")
        pa.amount = Decimal(band["amount"])
        pa.band = band["label"][:60]
        pa.committed_at = timezone.now()
        pa.save(update_fields=["amount", "band", "committed_at"])
        audit_append(
            action="policies.application_commit",
            actor=actor or "system:policies",
            object_type="policy_application",
            object_id=pa.pk,
            data={"policy": pa.policy.code, "amount": str(pa.amount), "band": pa.band},
        )
    return pa


def policy_application_pay(
    *, pa: PolicyApplication, staff: Any, reference: str, today: dt.date | None = None
) -> PolicyApplication:
    """兑现: the committed amount is recorded paid (with the payment's voucher number) and
    sent to the paying system through the outbox, as a proactive run's payment list is."""
    if not may_pay(staff, pa.policy):
        raise PermissionDeniedError("只有兑现部门的政策专员或管理员可以登记兑现", field="staff")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationFailed("请填写支付凭证号", field="reference")
    if len(reference) > 60:
        raise ValidationFailed("支付凭证号不能超过 60 个字符", field="reference")
    with transaction.atomic():
        pa = (
            PolicyApplication.objects.select_for_update(of=("self",), no_key=True)
            .select_related("policy", "policy__department", "application", "company", "person")
            .get(pk=pa.pk)
        )
        if pa.paid_at is not None:
            raise Conflict("该申报已兑现", field="status")
        if pa.amount is None:
            raise Conflict("该申报尚未核定金额，不能兑现", field="status")
        pa.paid_at = timezone.now()
        pa.paid_by = staff
        pa.payment_reference = reference
        pa.save(update_fields=["paid_at", "paid_by", "payment_reference"])
        subject = pa.subject_obj
        outbox_enqueue(
            topic=PAYMENT_TOPIC,
            destination=str(getattr(settings, "YISHI_PAYMENT_PUSH_DESTINATION", "log") or "log"),
            payload={
                "policy": pa.policy.code,
                "policy_name": pa.policy.name,
                "department": pa.policy.department.code,
                "policy_application": pa.pk,
                "application": pa.application.number,
                "reference": reference,
                "band": pa.band,
                "amount": str(pa.amount),
                **(
                    {"kind": "company", "name": subject.name, "uscc": subject.uscc}
                    if pa.company_id
                    else {"kind": "person", "name": subject.name, "id_number": subject.id_number}
                ),
            },
        )
        cases.notify_applicant(
            pa.application,
            f"您申报的「{pa.policy.name}」核定 {pa.amount} 元已兑现（支付凭证号 {reference}）。",
        )
        audit_append(
            action="policies.application_pay",
            actor=staff,
            object_type="policy_application",
            object_id=pa.pk,
            data={"policy": pa.policy.code, "amount": str(pa.amount), "reference": reference},
        )
    return pa


# ---------------------------------------------------------------- company space, figures


def calendar_rows(company: Company, today: dt.date | None = None) -> list[dict[str, Any]]:
    """可申报: the 即申即享 policies for companies in force, with the company's eligibility,
    its application if any and the deadline, soonest deadline first (long-term ones last)."""
    from yishi.policies import rules

    day = _today(today)
    rows = []
    for policy in application_policies(SubjectKind.COMPANY, day):
        ev = rules.evaluate(policy.rule, company, day)
        pa = open_application(policy, company)
        days_left = (policy.ends_on - day).days if policy.ends_on else None
        rows.append(
            {
                "policy": policy,
                "eligible": bool(ev.eligible),
                "missing": list(ev.missing),
                "application": pa,
                "deadline": policy.ends_on,
                "days_left": days_left,
                "due_soon": days_left is not None and days_left <= POLICY_DEADLINE_DAYS,
            }
        )
    rows.sort(key=lambda r: (r["deadline"] is None, r["deadline"] or day, r["policy"].code))
    return rows


def calendar_months(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with a deadline grouped by month (the deadline calendar)."""
    months: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["deadline"] is not None:
            months.setdefault(f"{row['deadline']:%Y年%-m月}", []).append(row)
    return [{"month": month, "rows": items} for month, items in months.items()]


def deadline_reminders(
    *, today: dt.date | None = None, within_days: int = POLICY_DEADLINE_DAYS
) -> dict[str, int]:
    """Remind each eligible company that has not applied of a 即申即享 policy closing within
    `within_days`: a notice in its space and a message to those who apply for it, once per
    policy, company and deadline. Returns how many were reminded per policy."""
    from yishi.policies import rules
    from yishi.policies.services import _notify

    day = _today(today)
    told: dict[str, int] = {}
    for policy in application_policies(SubjectKind.COMPANY, day).filter(
        ends_on__isnull=False, ends_on__lte=day + dt.timedelta(days=within_days)
    ):
        text = (
            f"申报提醒：「{policy.name}」将于 {policy.ends_on:%Y-%m-%d} 截止申报，"
            f"贵单位符合申报条件，请在企业专属空间“可申报政策”中在线申报。"
        )
        applied = PolicyApplication.objects.filter(policy=policy, company__isnull=False).filter(
            Q(amount__isnull=False) | Q(application__status__in=RUNNING_CASE)
        )
        reminded = Notice.objects.filter(policy=policy, company__isnull=False, text=text)
        eligible = rules.eligible_queryset(policy.rule, SubjectKind.COMPANY, day)
        ids = list(
            eligible.exclude(pk__in=applied.values("company_id"))
            .exclude(pk__in=reminded.values("company_id"))
            .values_list("pk", flat=True)
        )
        with transaction.atomic():
            if ids:
                _notify(policy, company_ids=ids, text=text)
        told[policy.code] = len(ids)
    return told


def policy_figures(policy: Policy) -> dict[str, Any]:
    """Applications, amounts committed and paid for one policy."""
    qs = PolicyApplication.objects.filter(policy=policy)
    totals = qs.aggregate(
        count=Count("id"),
        committed_count=Count("id", filter=Q(amount__isnull=False)),
        committed=Sum("amount", filter=Q(amount__isnull=False)),
        paid_count=Count("id", filter=Q(paid_at__isnull=False)),
        paid=Sum("amount", filter=Q(paid_at__isnull=False)),
    )
    zero = Decimal("0.00")
    committed = totals["committed"] or zero
    paid = totals["paid"] or zero
    return {
        **totals,
        "committed": committed,
        "paid": paid,
        "unpaid": committed - paid,
    }


def policy_applications(policy: Policy, limit: int = 200) -> list[PolicyApplication]:
    return list(
        PolicyApplication.objects.filter(policy=policy)
        .select_related("application", "company", "person", "policy")
        .prefetch_related("application__pauses")
        .order_by("-id")[:limit]
    )
