"""policies API (thin; rules live in services and queries): the policies in force, rule
validation, one subject's eligibility with its explanation (the applicant's own; anyone else's
for policy officers and administrators, with a stated purpose, recorded for the person to
see), runs and their lines (staff), and the applicant's own grants with decline/contest."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import django_auth

from yishi.core.crypto import mask
from yishi.core.errors import NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.fields import blind_index
from yishi.core.labels import API_FIELD_LABELS
from yishi.core.roles import Role, first_role
from yishi.core.validators import clean_identifier
from yishi.people.access_log import purpose_clean, registry_access_record
from yishi.people.models import Company, CompanyAgent, Person, RegistryAccess
from yishi.people.queries import account_of, can_act_for, company_by_uscc, person_by_id_number
from yishi.policies import queries, services
from yishi.policies.models import Grant, Policy, PolicyApplication, Run, RunChange

router = Router(tags=["政策服务"], auth=django_auth)

for _key, _label in {
    "pa_id": "政策申报",
    "company": "企业统一社会信用代码",
    "form_data": "申请表数据",
}.items():
    API_FIELD_LABELS.setdefault(_key, _label)


class ApplyIn(Schema):
    company: str = ""  # 统一社会信用代码 of the company applying (company policies)
    form_data: dict[str, Any] = {}


class RuleIn(Schema):
    subject: str
    rule: Any = None


class EligibilityIn(Schema):
    identifier: str  # 居民身份证号 or 统一社会信用代码
    on: dt.date | None = None
    purpose: str = ""  # 查询用途: required to check anyone but oneself (and recorded)


# Another subject's eligibility shows the registry facts its rule reads (disability, 低保,
# employment …): policy officers and administrators only, and each read is recorded.
ELIGIBILITY_ROLES = (Role.POLICY_OFFICER, Role.ADMINISTRATOR)


class RunIn(Schema):
    period: str


class ReasonIn(Schema):
    reason: str


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _require_staff(request: HttpRequest) -> None:
    if not queries.is_policy_staff(request.user):
        raise PermissionDeniedError("只有工作人员可以查看", field="user")


def _policy(code: str) -> Policy:
    policy = Policy.objects.select_related("department").filter(code=code).first()
    if policy is None:
        raise NotFound(f"政策 {code} 不存在", field="code")
    return policy


def policy_out(policy: Policy) -> dict[str, Any]:
    from yishi.policies import rules

    return {
        "code": policy.code,
        "name": policy.name,
        "subject": policy.subject,
        "department": policy.department.name,
        "department_code": policy.department.code,
        "rule": policy.rule,
        "rule_version": policy.rule_version,
        "description_of_rule": rules.describe(policy.rule, policy.subject),
        "amount_bands": policy.amount_bands,
        "amount_note": policy.amount_note,
        "period": policy.period,
        "starts_on": policy.starts_on,
        "ends_on": policy.ends_on,
        "proactive": policy.proactive,
        "mode": policy.mode,
        "mode_label": policy.get_mode_display(),
        "matter": policy.matter.code if policy.matter_id else None,
        "matter_name": policy.matter.name if policy.matter_id else None,
        "application_fields": policy.application_fields,
        "faq": policy.faq,
        "description": policy.description,
        "basis": policy.basis,
    }


def application_out(pa: PolicyApplication) -> dict[str, Any]:
    return {
        "id": pa.pk,
        "policy": pa.policy.code,
        "policy_name": pa.policy.name,
        "application": pa.application.number,
        "case_status": pa.application.status,
        "state": pa.state,
        "state_label": pa.get_state_display(),
        "subject": "company" if pa.company_id else "person",
        "name": pa.subject_name,
        "eligibility": pa.eligibility,
        "prefilled": pa.prefilled,
        "band": pa.band,
        "amount": str(pa.amount) if pa.amount is not None else None,
        "committed_at": pa.committed_at,
        "paid_at": pa.paid_at,
        "payment_reference": pa.payment_reference,
        "created_at": pa.created_at,
    }


def run_out(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "policy": run.policy.code,
        "period": run.period,
        "rule_version": run.rule_version.version,
        "reference_date": run.reference_date,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "actor": run.actor,
        "new": run.new_count,
        "continuing": run.continuing_count,
        "ended": run.ended_count,
        "total_amount": str(run.total_amount),
    }


def change_out(change: RunChange) -> dict[str, Any]:
    grant = change.grant
    subject = grant.subject_obj
    return {
        "grant": grant.pk,
        "change": change.change,
        "change_label": change.get_change_display(),
        "subject": "person" if grant.person_id else "company",
        "name": subject.name,
        "identifier": mask(subject.id_number) if grant.person_id else subject.uscc,
        "band": change.band,
        "amount": str(change.amount),
        "reason": change.reason,
    }


def grant_out(grant: Grant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "policy": grant.policy.code,
        "policy_name": grant.policy.name,
        "status": grant.status,
        "status_label": grant.get_status_display(),
        "band": grant.band,
        "amount": str(grant.amount),
        "started_period": grant.started_period,
        "ended_period": grant.ended_period,
        "end_reason": grant.end_reason,
    }


@router.get("/policies", auth=None, summary="政策清单（在有效期内、已启用）")
def policy_list(request: HttpRequest, subject: str | None = None) -> HttpResponse:
    if subject is not None and subject not in ("person", "company"):
        raise ValidationFailed("主体类型必须是 person（个人）或 company（法人）", field="subject")
    return _json(200, [policy_out(p) for p in queries.policies_in_force(subject)])


@router.get("/policies/{code}", auth=None, summary="政策详情")
def policy_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _json(200, policy_out(_policy(code)))


@router.post("/rules/validate", summary="校验资格规则（返回中文描述或具体错误）")
def rule_validate(request: HttpRequest, payload: RuleIn) -> HttpResponse:
    from yishi.policies import rules
    from yishi.policies.models import check_rule

    if payload.subject not in ("person", "company"):
        raise ValidationFailed("主体类型必须是 person（个人）或 company（法人）", field="subject")
    check_rule(payload.rule, payload.subject)
    return _json(200, {"valid": True, "description": rules.describe(payload.rule, payload.subject)})


def _subject(subject: str, identifier: str) -> Person | Company:
    found = person_by_id_number(identifier) if subject == "person" else company_by_uscc(identifier)
    if found is None:
        raise NotFound("未找到该主体", field="identifier")
    return found


def _own_subject(request: HttpRequest, subject: str, identifier: str) -> Person | Company | None:
    """The caller's own person, or a company they act for, when `identifier` names it."""
    if subject == "person":
        account = account_of(request.user)
        number = clean_identifier(identifier)
        if account is None or not number:
            return None
        return account.person if blind_index(number) == account.person.id_number_index else None
    company = company_by_uscc(identifier)
    if company is None or not can_act_for(request.user, company, CompanyAgent.Scope.BENEFITS):
        return None
    return company


@router.post(
    "/policies/{code}/eligibility",
    summary="某一主体对某项政策的资格及逐条说明（本人或其代办企业；查他人限政策专员、管理员，"
    "须填写查询用途 purpose，查询记录本人可见；证件号放在请求体中，不进日志）",
)
def eligibility(request: HttpRequest, code: str, payload: EligibilityIn) -> HttpResponse:
    from yishi.policies import rules

    policy = _policy(code)
    on = payload.on or timezone.localdate()
    own = _own_subject(request, policy.subject, payload.identifier)
    if own is not None:  # one's own data: nothing to record
        return _json(200, queries.explain(policy, own, on))
    role = first_role(request.user, *ELIGIBILITY_ROLES)
    if role is None:
        if queries.is_policy_staff(request.user):
            raise PermissionDeniedError(
                "只有政策专员或管理员可以查看他人的资格核验结果", field="user"
            )
        # An applicant asking about someone else learns nothing, not even that they exist.
        raise NotFound("未找到该主体", field="identifier")
    purpose = purpose_clean(payload.purpose)
    subject = _subject(policy.subject, payload.identifier)
    with transaction.atomic():
        registry_access_record(
            reader=request.user,
            role=role.label,
            fields=rules.fields_read(policy.rule, policy.subject),
            purpose=purpose,
            channel=RegistryAccess.Channel.ELIGIBILITY,
            **{policy.subject: subject},
        )
        body = queries.explain(policy, subject, on)
    return _json(200, body)


@router.get("/policies/{code}/runs", summary="政策的兑现批次（工作人员）")
def run_list(request: HttpRequest, code: str) -> HttpResponse:
    _require_staff(request)
    return _json(200, [run_out(r) for r in queries.runs(_policy(code))[:200]])


@router.post(
    "/policies/{code}/runs",
    response={200: None, 201: None},
    summary="运行某期免申即享兑现（管理员；同一期间重复运行不重复发放）",
)
def run_create(request: HttpRequest, code: str, payload: RunIn) -> HttpResponse:
    if not queries.can_run(request.user):
        raise PermissionDeniedError("只有管理员可以运行兑现", field="user")
    policy = _policy(code)
    existed = Run.objects.filter(policy=policy, period=payload.period).exists()
    run = services.policy_run(policy=policy, period=payload.period, actor=request.user)
    return _json(200 if existed else 201, run_out(run))


@router.get("/policy-runs/{run_id}", summary="兑现批次结果：新增、继续、终止（政策专员、管理员）")
def run_detail(
    request: HttpRequest, run_id: int, change: str | None = None, limit: int = 500, offset: int = 0
) -> HttpResponse:
    if not queries.can_see_beneficiaries(request.user):
        raise PermissionDeniedError("只有政策专员或管理员可以查看兑现名单", field="user")
    run = Run.objects.select_related("policy", "rule_version").filter(pk=run_id).first()
    if run is None:
        raise NotFound("兑现批次不存在", field="run_id")
    if change is not None and change not in RunChange.Change.values:
        raise ValidationFailed("变更类型必须是 added、continued 或 ended", field="change")
    limit = max(1, min(limit, 2000))
    rows = queries.run_changes(run, change)[max(offset, 0) : max(offset, 0) + limit]
    return _json(200, {**run_out(run), "changes": [change_out(c) for c in rows]})


def _my_grant(request: HttpRequest, grant_id: int) -> Grant:
    grant = Grant.objects.select_related("policy", "company").filter(pk=grant_id).first()
    if grant is None:
        raise NotFound("未找到该待遇", field="grant")
    return grant


@router.get("/my/grants", summary="我的政策待遇（本人及可代办企业）")
def my_grants(request: HttpRequest, company: str | None = None) -> HttpResponse:
    account = account_of(request.user)
    if account is None:
        raise PermissionDeniedError("请以申请人身份登录", field="user")
    subject: Person | Company = account.person
    if company:
        firm = company_by_uscc(company)
        if firm is None or not can_act_for(request.user, firm, CompanyAgent.Scope.BENEFITS):
            raise NotFound(f"企业 {company} 不存在或您不是其经办人", field="company")
        subject = firm
    return _json(200, [grant_out(g) for g in queries.grants_of(subject)])


@router.post("/my/grants/{grant_id}/decline", summary="放弃享受某项待遇")
def grant_decline(request: HttpRequest, grant_id: int, payload: ReasonIn) -> HttpResponse:
    grant = services.grant_decline(
        grant=_my_grant(request, grant_id), user=request.user, reason=payload.reason
    )
    return _json(200, grant_out(grant))


@router.post("/my/grants/{grant_id}/contest", response={201: None}, summary="对某项待遇提出异议")
def grant_contest(request: HttpRequest, grant_id: int, payload: ReasonIn) -> HttpResponse:
    objection = services.grant_contest(
        grant=_my_grant(request, grant_id), user=request.user, reason=payload.reason
    )
    objection.grant.refresh_from_db()
    return _json(201, {"objection": objection.pk, **grant_out(objection.grant)})


# ---------------------------------------------------------------- 即申即享


@router.post(
    "/policies/{code}/applications",
    response={201: None},
    summary="申报即申即享政策（为可代办申报的企业；先核验资格，登记信息预填，"
    "作为该政策申报事项的办件提交）",
)
def application_create(request: HttpRequest, code: str, payload: ApplyIn) -> HttpResponse:
    from yishi.policies import applications

    policy = _policy(code)
    company = None
    if payload.company:
        company = company_by_uscc(payload.company)
        if company is None:
            raise NotFound(f"企业 {payload.company} 不存在或您未获授权代其申报", field="company")
    pa = applications.policy_apply(
        policy=policy, user=request.user, company=company, form_data=payload.form_data
    )
    return _json(201, application_out(pa))


@router.get("/my/policy-applications", summary="我的政策申报（本人及可代办申报的企业）")
def my_applications(request: HttpRequest, company: str | None = None) -> HttpResponse:
    account = account_of(request.user)
    if account is None:
        raise PermissionDeniedError("请以申请人身份登录", field="user")
    query = PolicyApplication.objects.select_related("policy", "application", "company", "person")
    if company:
        firm = company_by_uscc(company)
        if firm is None or not can_act_for(request.user, firm, CompanyAgent.Scope.APPLY):
            raise NotFound(f"企业 {company} 不存在或您不是其经办人", field="company")
        query = query.filter(company=firm)
    else:
        query = query.filter(person=account.person)
    return _json(200, [application_out(pa) for pa in query.order_by("-id")[:200]])


@router.get(
    "/policy-applications/{pa_id}",
    summary="一件政策申报的办理与兑现情况（申报企业的经办人；兑现部门、审核部门、受理窗口工作人员）",
)
def application_detail(request: HttpRequest, pa_id: int) -> HttpResponse:
    from yishi.policies import applications

    try:
        pa = applications.own_application(request.user, pa_id)
    except NotFound:
        pa = applications.staff_application(request.user, pa_id)
    return _json(200, application_out(pa))
