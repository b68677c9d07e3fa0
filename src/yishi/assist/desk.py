"""惠企政策服务台: a company's 政策咨询, 申报辅导 and 转办代办 as assisted-service requests
(AssistRequest of a policy kind, on the chat channel, so the console, the chat and the rates
work on them unchanged), 转办 to the department that handles it, and each closed with an
outcome (已解答, 已完成申报, 已转办并办结, 已代为办结, 不符合条件, 未能解决)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from yishi.assist import services
from yishi.assist.models import AssistRequest
from yishi.catalog.models import Department
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.people.models import Company, CompanyAgent
from yishi.people.queries import account_of, can_act_for

K, OC = AssistRequest.Kind, AssistRequest.Outcome
DESK_KINDS = (K.POLICY_CONSULT, K.POLICY_COACHING, K.POLICY_REFERRAL)
# The outcomes that close each kind of desk request.
OUTCOMES = {
    K.POLICY_CONSULT: (OC.ANSWERED, OC.NOT_ELIGIBLE, OC.UNRESOLVED),
    K.POLICY_COACHING: (OC.APPLIED, OC.ANSWERED, OC.NOT_ELIGIBLE, OC.UNRESOLVED),
    K.POLICY_REFERRAL: (OC.REFERRED, OC.HANDLED, OC.NOT_ELIGIBLE, OC.UNRESOLVED),
}


def desk_open(
    *, user: Any, company: Company | None, kind: str, question: str, policy: Any = None
) -> AssistRequest:
    """A company (its verified agent) asks the desk: routed to the policy's granting
    department when a policy is named, else to every window clerk."""
    if kind not in DESK_KINDS:
        raise ValidationFailed("服务类别须为政策咨询、申报辅导或转办代办", field="kind")
    if account_of(user) is None:
        raise PermissionDeniedError("请以申请人身份登录后提出", field="user")
    if company is None:
        raise ValidationFailed("请选择企业", field="company")
    if not can_act_for(user, company, CompanyAgent.Scope.APPLY):
        raise NotFound(f"企业 {company.uscc} 不存在或您未获授权代其办理", field="company")
    if policy is not None and policy.subject != "company":
        raise ValidationFailed("惠企政策服务台只受理企业政策", field="policy")
    with transaction.atomic():
        request = services.chat_open(
            user=user,
            question=question,
            department=policy.department if policy is not None else None,
            matter=policy.matter if policy is not None else None,
        )
        request.kind = kind
        request.company = company
        request.policy = policy
        request.save(update_fields=["kind", "company", "policy"])
        services._audit("desk_open", user, request, kind=kind, company=company.pk)
    return request


def _staff_request(request: AssistRequest, clerk: Any) -> AssistRequest:
    from yishi.assist import access

    if not access.may_staff(clerk, request):
        raise NotFound("帮办请求不存在", field="request")
    if request.kind not in DESK_KINDS:
        raise Conflict("该请求不是惠企政策服务台的请求", field="kind")
    return request


def desk_refer(
    *, request: AssistRequest, clerk: Any, department: Department | None, note: str
) -> AssistRequest:
    """转办: the request goes to the department that handles it (it then sees it in its
    console), still open until that department closes it with an outcome."""
    request = _staff_request(request, clerk)
    if department is None:
        raise ValidationFailed("请选择转办部门", field="department")
    note = services._text(note, "note", "转办说明", limit=300)
    with transaction.atomic():
        current = AssistRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        services._require_open(current)
        current.referred_to = department
        current.department = department
        current.clerk = None  # the receiving department takes it
        current.outcome = f"转办至{department.name}：{note}"[:300]
        if current.status == AssistRequest.Status.OPEN:
            services._move(current, AssistRequest.Status.ACTIVE)
        current.save(update_fields=["referred_to", "department", "clerk", "outcome", "status"])
        services._audit("desk_refer", clerk, current, department=department.pk)
    return current


def desk_conclude(
    *, request: AssistRequest, clerk: Any, outcome: str, note: str = ""
) -> AssistRequest:
    """Close a desk request with its outcome (one of those allowed for its kind)."""
    request = _staff_request(request, clerk)
    allowed = OUTCOMES[AssistRequest.Kind(request.kind)]
    if outcome not in allowed:
        raise ValidationFailed(
            f"办理结果须为{'、'.join(str(OC(o).label) for o in allowed)}之一", field="outcome"
        )
    with transaction.atomic():
        done = services.request_conclude(
            request=request,
            clerk=clerk,
            resolved=outcome != OC.UNRESOLVED,
            note=note or str(OC(outcome).label),
        )
        done.outcome_kind = outcome
        done.save(update_fields=["outcome_kind"])
    return done
