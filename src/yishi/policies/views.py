"""Policy pages. Workbench (/workbench/policies/): policies, running a period, run results and
the payment list. Portal (/account/policies/): my grants (decline / contest) and my matched
policies; the company space (企业专属空间) of a company the user acts for. Thin: every write is
one service call; a domain error comes back on the page with its status."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yishi.cases.timeline import timeline
from yishi.core.audit import audit_append
from yishi.core.crypto import mask, mask_phone
from yishi.core.errors import DomainError
from yishi.people.models import Company, CompanyAgent
from yishi.people.queries import account_of, acting_companies, active_agencies
from yishi.policies import applications, queries, services
from yishi.policies.models import Grant, Objection, Policy, PolicyApplication, Run, RunChange
from yishi.policies.payments import application_payment_xlsx, payment_xlsx

LOGIN_URL = "/account/login/"
RUN_PAGE_ROWS = 200
BENEFITS, LICENCES, APPLY = (
    CompanyAgent.Scope.BENEFITS,
    CompanyAgent.Scope.LICENCES,
    CompanyAgent.Scope.APPLY,
)


def _refuse(request: HttpRequest, needed: str) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": needed}, status=403)


def _bands(policy: Policy) -> list[dict[str, Any]]:
    from yishi.policies import rules

    return [
        {
            **band,
            "condition": rules.describe(band["rule"], policy.subject)
            if band.get("rule")
            else "其余符合条件者",
        }
        for band in policy.amount_bands
    ]


# ---------------------------------------------------------------- workbench


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    if not queries.is_policy_staff(request.user):
        return _refuse(request, "工作人员")
    from yishi.policies import rules

    rows = [
        {
            "policy": policy,
            "description": rules.describe(policy.rule, policy.subject),
            "last_run": queries.runs(policy).first(),
            "counts": queries.grant_counts(policy),
        }
        for policy in Policy.objects.select_related("department").order_by("subject", "code")
    ]
    return render(
        request,
        "policies/policy_list.html",
        {"rows": rows, "can_run": queries.can_run(request.user)},
    )


@login_required
def policy_detail(request: HttpRequest, code: str) -> HttpResponse:
    if not queries.is_policy_staff(request.user):
        return _refuse(request, "工作人员")
    from yishi.policies import rules

    policy = Policy.objects.select_related("department").filter(code=code).first()
    if policy is None:
        raise Http404("政策不存在")
    status = 200
    period = request.POST.get("period") or services.period_of(timezone.localdate())
    if request.method == "POST":
        if not queries.can_run(request.user):
            return _refuse(request, "管理员")
        existed = Run.objects.filter(policy=policy, period=period).first()
        try:
            run = services.policy_run(policy=policy, period=period, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            if existed:
                messages.info(request, f"{period} 已兑现过，未重复发放，以下为该期结果。")
            else:
                messages.success(
                    request, f"{period} 兑现完成：新增 {run.new_count}，终止 {run.ended_count}。"
                )
            return redirect("policies:run", run_id=run.pk)
    can_handle = queries.can_handle_objections(request.user, policy)
    sees_applications = not policy.proactive and applications.may_see_policy_applications(
        request.user, policy
    )
    context = {
        "sees_applications": sees_applications,
        "can_download": queries.can_see_beneficiaries(request.user),
        "figures": applications.policy_figures(policy) if sees_applications else None,
        "policy_applications": applications.policy_applications(policy)
        if sees_applications
        else [],
        "policy": policy,
        "description": rules.describe(policy.rule, policy.subject),
        "bands": _bands(policy),
        "versions": policy.rule_versions.all()[:20],
        "runs": queries.runs(policy)[:36],
        "counts": queries.grant_counts(policy),
        "can_run": queries.can_run(request.user),
        "period": period,
        "can_handle": can_handle,
        # Objectors' names and reasons are for those who answer them.
        "objections": queries.open_objections(policy)[:100] if can_handle else [],
    }
    return render(request, "policies/policy_detail.html", context, status=status)


def _change_rows(run: Run, change: str) -> list[dict[str, Any]]:
    rows = []
    for line in queries.run_changes(run, change)[:RUN_PAGE_ROWS]:
        grant = line.grant
        subject = grant.subject_obj
        rows.append(
            {
                "line": line,
                "name": subject.name,
                "identifier": mask(subject.id_number) if grant.person_id else subject.uscc,
            }
        )
    return rows


def _run(run_id: int) -> Run:
    run = (
        Run.objects.select_related("policy", "policy__department", "rule_version")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise Http404("兑现批次不存在")
    return run


@login_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    if not queries.can_see_beneficiaries(request.user):
        return _refuse(request, "政策专员或管理员")
    run = _run(run_id)
    context = {
        "run": run,
        "added": _change_rows(run, RunChange.Change.ADDED),
        "ended": _change_rows(run, RunChange.Change.ENDED),
        "page_rows": RUN_PAGE_ROWS,
    }
    return render(request, "policies/run_detail.html", context)


@login_required
def run_payments(request: HttpRequest, run_id: int) -> HttpResponse:
    if not queries.can_see_beneficiaries(request.user):
        return _refuse(request, "政策专员或管理员")
    run = _run(run_id)
    # The list shows full ID numbers (payment needs them): every download is logged.
    audit_append(
        action="policies.payment_download",
        actor=request.user,
        object_type="policy_run",
        object_id=run.pk,
        data={"policy": run.policy.code, "period": run.period, "lines": run.paid_count},
    )
    response = HttpResponse(
        payment_xlsx(run),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="payments-{run.policy.code}-{run.period}.xlsx"'
    )
    return response


@login_required
def application_payments(request: HttpRequest, code: str) -> HttpResponse:
    """The 即申即享 payment list of a policy (.xlsx, full identifiers): policy officers and
    administrators; every download is logged."""
    if not queries.can_see_beneficiaries(request.user):
        return _refuse(request, "政策专员或管理员")
    policy = Policy.objects.select_related("department").filter(code=code).first()
    if policy is None or policy.proactive:
        raise Http404("政策不存在或不是即申即享政策")
    audit_append(
        action="policies.application_payment_download",
        actor=request.user,
        object_type="policy",
        object_id=policy.pk,
        data={"policy": policy.code},
    )
    response = HttpResponse(
        application_payment_xlsx(policy),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="applications-{policy.code}.xlsx"'
    return response


@login_required
@require_POST
def objection_resolve(request: HttpRequest, objection_id: int) -> HttpResponse:
    objection = Objection.objects.select_related("grant__policy").filter(pk=objection_id).first()
    if objection is None:
        raise Http404("异议不存在")
    policy = objection.grant.policy
    if not queries.can_handle_objections(request.user, policy):
        return _refuse(request, "兑现部门工作人员或管理员")
    try:
        services.objection_resolve(
            objection=objection, staff=request.user, resolution=request.POST.get("resolution", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "异议已办结，该待遇恢复为享受中。")
    return redirect("policies:detail", code=policy.code)


# ---------------------------------------------------------------- portal


def _grant_rows(subject: Any) -> list[dict[str, Any]]:
    return [
        {
            "grant": g,
            "open_contest": any(
                o.status == "open" and o.kind == "contest" for o in g.objections.all()
            ),
        }
        for g in queries.grants_of(subject)
    ]


@login_required(login_url=LOGIN_URL)
def my_policies(request: HttpRequest) -> HttpResponse:
    account = account_of(request.user)
    if account is None:
        return render(request, "policies/my_policies.html", {"account": None}, status=403)
    person = account.person
    context = {
        "account": account,
        "grants": _grant_rows(person),
        "matches": queries.matches_for(person, timezone.localdate()),
        "notices": queries.notices_of(person),
        "companies": acting_companies(request.user, scope=BENEFITS),
    }
    return render(request, "policies/my_policies.html", context)


def _chosen_company(request: HttpRequest, companies: list[Company]) -> Company | None:
    uscc = request.GET.get("company") or ""
    for company in companies:
        if company.uscc == uscc:
            return company
    return companies[0] if companies and not uscc else None


@login_required(login_url=LOGIN_URL)
def company_space(request: HttpRequest) -> HttpResponse:
    account = account_of(request.user)
    agencies = active_agencies(request.user, BENEFITS)
    companies = [agency.company for agency in agencies]
    if account is None or not companies:
        # Nothing to show; a claim still waiting for verification counts as none (404).
        return render(
            request,
            "policies/company_space.html",
            {"account": account, "companies": companies, "company": None},
            status=403 if account is None else 404,
        )
    company = _chosen_company(request, companies)
    if company is None:
        raise Http404("未找到该企业")
    today = timezone.localdate()
    # Licences and applications appear only to those whose scopes include them.
    scopes = next(a.scope_codes for a in agencies if a.company_id == company.pk)
    matches = queries.matches_for(company, today)
    licences = queries.company_licences(company, today) if LICENCES in scopes else None
    can_apply = APPLY in scopes
    calendar = applications.calendar_rows(company, today)
    context = {
        "account": account,
        "companies": companies,
        "company": company,
        "can_apply": can_apply,
        "calendar": calendar,
        "calendar_months": applications.calendar_months(calendar),
        "matches": matches,
        "grants": _grant_rows(company),
        "licences": licences,
        "applications": queries.company_applications(company) if APPLY in scopes else None,
        "feed": queries.reminder_feed(
            company, licences=licences or [], matches=matches, today=today
        ),
    }
    return render(request, "policies/company_space.html", context)


@login_required(login_url=LOGIN_URL)
@require_POST
def grant_action(request: HttpRequest, grant_id: int, action: str) -> HttpResponse:
    grant = Grant.objects.filter(pk=grant_id).select_related("company").first()
    if grant is None or action not in ("decline", "contest"):
        raise Http404("未找到该待遇")
    reason = request.POST.get("reason", "")
    try:
        if action == "decline":
            services.grant_decline(grant=grant, user=request.user, reason=reason)
            messages.success(request, f"您已放弃「{grant.policy.name}」，自下期起不再发放。")
        else:
            services.grant_contest(grant=grant, user=request.user, reason=reason)
            messages.success(
                request, f"您对「{grant.policy.name}」的异议已提交，兑现部门将核实处理。"
            )
    except DomainError as error:
        if error.status == 404:
            raise Http404(error.message) from error
        messages.error(request, error.message)
    if grant.company_id:
        return redirect(f"{_company_url()}?company={grant.company.uscc}")
    return redirect("policies_portal:home")


def _company_url() -> str:
    from django.urls import reverse

    return reverse("policies_portal:company")


# ---------------------------------------------------------------- 即申即享 (portal)


def _portal_account(request: HttpRequest) -> Any:
    return account_of(request.user)


@login_required(login_url=LOGIN_URL)
def policy_page(request: HttpRequest, code: str) -> HttpResponse:
    """One policy for an applicant: what it gives, its FAQ, and for a 即申即享 company policy
    the chosen company's eligibility (explained before applying), the form prefilled from the
    registries and the materials with those held as licences 免提交; POST applies."""
    from yishi.policies import rules

    account = _portal_account(request)
    policy = queries.policies_in_force().filter(code=code).first()
    if policy is None:
        raise Http404("政策不存在或不在有效期内")
    if account is None:
        return render(request, "policies/policy_page.html", {"policy": policy}, status=403)
    today = timezone.localdate()
    company = None
    companies: list[Company] = []
    if policy.subject == "company":
        companies = acting_companies(request.user, scope=APPLY)
        uscc = request.POST.get("company") or request.GET.get("company") or ""
        if uscc:
            company = next((c for c in companies if c.uscc == uscc), None)
            if company is None:
                raise Http404("未找到该企业")
        elif companies:
            company = companies[0]
    subject = company if policy.subject == "company" else account.person
    status = 200
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = {f["key"]: request.POST.get(f["key"], "") for f in policy.application_fields}
        try:
            pa = applications.policy_apply(
                policy=policy,
                user=request.user,
                company=company if policy.subject == "company" else None,
                form_data=values,
                today=today,
            )
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.message) from error
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(
                request,
                f"已提交「{policy.name}」申报（申请编号 {pa.application.number}），等待受理。",
            )
            return redirect("policies_portal:application", pa_id=pa.pk)
    context: dict[str, Any] = {
        "account": account,
        "policy": policy,
        "bands": _bands(policy),
        "description": rules.describe(policy.rule, policy.subject),
        "companies": companies,
        "company": company,
    }
    if subject is not None and not policy.proactive:
        existing = applications.open_application(policy, subject)
        rows = applications.form_rows(
            policy, person=account.person, company=company if policy.subject == "company" else None
        )
        for row in rows:
            if not row["prefilled"] and row["key"] in values:
                row["value"] = values[row["key"]]
        context.update(
            {
                "explain": queries.explain(policy, subject, today),
                "fields": rows,
                "materials": applications.material_rows(
                    policy, person=account.person, company=company, today=today
                ),
                "existing": existing,
                "can_apply": applications.in_force(policy, today) and existing is None,
            }
        )
    return render(request, "policies/policy_page.html", context, status=status)


@login_required(login_url=LOGIN_URL)
def application_page(request: HttpRequest, pa_id: int) -> HttpResponse:
    """The applicant's view of one policy application: the case's progress, what to supply,
    the amount committed and the payment."""
    try:
        pa = applications.own_application(request.user, pa_id)
    except DomainError as error:
        raise Http404(error.message) from error
    if request.method == "POST":
        try:
            applications.policy_application_supplied(pa=pa, user=request.user)
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.message) from error
            messages.error(request, error.message)
        else:
            messages.success(request, "已确认补正，申报恢复办理。")
        return redirect("policies_portal:application", pa_id=pa.pk)
    return render(request, "policies/application_page.html", _application_context(pa))


def _shown(field: dict[str, Any], value: Any) -> str:
    """A form value as pages show it: phone numbers masked (personal data on screen)."""
    text = "" if value is None else str(value)
    if text and (field.get("prefill") == "person.phone" or "phone" in field["key"]):
        return mask_phone(text)
    return text


def _application_context(pa: PolicyApplication) -> dict[str, Any]:
    app = pa.application
    open_pause = app.pauses.filter(ended_on__isnull=True).first()
    return {
        "pa": pa,
        "app": app,
        "events": timeline(app),
        "materials": app.materials.all(),
        "form": [
            {
                "label": f["label"],
                "value": _shown(f, app.form_data.get(f["key"], "")),
                "key": f["key"],
            }
            for f in pa.policy.application_fields
        ],
        "supplement_items": (open_pause.items if open_pause else app.supplement_items) or [],
        "needs_supplement": pa.state == PolicyApplication.State.SUPPLEMENT,
    }


# ---------------------------------------------------------------- 即申即享 (workbench)


STAFF_ACTIONS = ("accept", "supplement", "approve", "refuse", "pay")


@login_required
def staff_application(request: HttpRequest, pa_id: int) -> HttpResponse:
    """A policy application for staff: the case with its form, materials and eligibility;
    受理 / 补正 / 准予 (amount from the bands) / 不予 through the case flow, and 兑现."""
    if not queries.is_policy_staff(request.user):
        return _refuse(request, "工作人员")
    try:
        pa = applications.staff_application(request.user, pa_id)
    except DomainError as error:
        raise Http404(error.message) from error
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "accept":
                applications.policy_application_accept(pa=pa, staff=request.user)
                done = "已受理，转审核部门办理。"
            elif action == "supplement":
                items = [i for i in request.POST.get("items", "").splitlines() if i.strip()]
                applications.policy_application_supplement(pa=pa, staff=request.user, items=items)
                done = "已告知申报企业补正。"
            elif action == "approve":
                pa = applications.policy_application_approve(pa=pa, reviewer=request.user)
                done = f"已准予，核定金额 {pa.amount} 元（{pa.band}）。"
            elif action == "refuse":
                applications.policy_application_refuse(
                    pa=pa, staff=request.user, reason=request.POST.get("reason", "")
                )
                done = "已作出不予支持的决定。"
            elif action == "pay":
                applications.policy_application_pay(
                    pa=pa, staff=request.user, reference=request.POST.get("reference", "")
                )
                done = "已登记兑现。"
            else:
                raise Http404("未知的操作")
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.message) from error
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, done)
            return redirect("policies:application", pa_id=pa.pk)
        pa = applications.staff_application(request.user, pa_id)
    context = {
        **_application_context(pa),
        "identifier": pa.company.uscc if pa.company_id else mask(pa.person.id_number),
        "may_pay": applications.may_pay(request.user, pa.policy),
        "bands": _bands(pa.policy),
    }
    return render(request, "policies/staff_application.html", context, status=status)
