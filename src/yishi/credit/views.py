"""Credit pages. Workbench (/workbench/credit/): open commitment items with countdowns for
window staff and supervisors, 容缺受理 at the counter, commitment detail with signature check,
repair decisions. Portal (/account/credit/): the applicant's credit status and commitments.
Thin: every write is one service call; a domain error comes back on the page with its status."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yishi.cases import access as case_access
from yishi.cases.models import Application
from yishi.catalog.models import Material
from yishi.core.crypto import mask
from yishi.core.errors import DomainError, ValidationFailed
from yishi.core.roles import Role, has_role
from yishi.credit import commitments, queries, services
from yishi.credit.models import Commitment, CommitmentItem, CreditRepair
from yishi.people.models import CompanyAgent
from yishi.people.queries import account_of, acting_companies

R = Role
WINDOW = (R.WINDOW, R.ADMINISTRATOR)
LIST_ROLES = (R.WINDOW, R.SUPERVISOR, R.ADMINISTRATOR)
DECIDE = (R.SUPERVISOR, R.ADMINISTRATOR)
LOGIN_URL = "/account/login/"
STATE_LABELS = {"ok": "正常", "warning": "临近", "overdue": "逾期"}
CREDIT = CompanyAgent.Scope.CREDIT


def _may(request: HttpRequest, roles: tuple[str, ...]) -> bool:
    return has_role(request.user, *roles)


def _refuse(request: HttpRequest, needed: str) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": needed}, status=403)


def _state(days_left: int | None) -> str:
    if days_left is None:
        return "ok"
    if days_left < 0:
        return "overdue"
    return "warning" if days_left <= commitments.remind_days() else "ok"


# ---------------------------------------------------------------- workbench


@login_required
def commitment_list(request: HttpRequest) -> HttpResponse:
    if not _may(request, LIST_ROLES):
        return _refuse(request, "窗口人员、监管人员或管理员")
    today = timezone.localdate()
    rows = [
        {
            "item": item,
            "days_left": left,
            "state": _state(left),
            "late_days": -left if left is not None and left < 0 else 0,
        }
        for item, left in queries.open_items(today, user=request.user)
    ]
    recent = (
        queries.commitments_visible_to(request.user)
        .exclude(status=Commitment.Status.ACTIVE)
        .select_related("application")
        .order_by("-id")[:20]
    )
    context = {
        "rows": rows,
        "recent": recent,
        "can_fulfil": _may(request, WINDOW),
        "can_decide": _may(request, DECIDE),
        "pending_repairs": CreditRepair.objects.filter(
            status=CreditRepair.Status.SUBMITTED
        ).count(),
        "today": today,
    }
    return render(request, "credit/commitment_list.html", context)


def _commitment_page(
    request: HttpRequest, commitment: Commitment, *, status: int = 200
) -> HttpResponse:
    rows = [
        {"row": r, "label": STATE_LABELS[r.state]}
        for r in queries.item_rows(commitment, timezone.localdate())
    ]
    context = {
        "c": commitment,
        "rows": rows,
        "valid": commitments.commitment_verify(commitment),
        "can_fulfil": _may(request, WINDOW) and commitment.status == Commitment.Status.ACTIVE,
    }
    return render(request, "credit/commitment_detail.html", context, status=status)


def _staff_commitment(request: HttpRequest, commitment_id: int) -> Commitment:
    commitment = queries.commitments_visible_to(request.user).filter(pk=commitment_id).first()
    if commitment is None:
        raise Http404("承诺书不存在")
    return commitment


@login_required
def commitment_detail(request: HttpRequest, commitment_id: int) -> HttpResponse:
    if not _may(request, LIST_ROLES):
        return _refuse(request, "窗口人员、监管人员或管理员")
    return _commitment_page(request, _staff_commitment(request, commitment_id))


@login_required
@require_POST
def item_fulfil(request: HttpRequest, commitment_id: int, item_id: int) -> HttpResponse:
    if not _may(request, WINDOW):
        return _refuse(request, "窗口人员或管理员")
    commitment = _staff_commitment(request, commitment_id)
    item = commitment.items.filter(pk=item_id).first()
    if item is None:
        raise Http404("承诺事项不存在")
    try:
        commitments.commitment_item_fulfil(item=item, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _commitment_page(request, commitment, status=error.status)
    messages.success(request, f"已登记补交「{item.name}」。")
    return redirect("credit:commitment", commitment_id=commitment.pk)


def _candidates(application: Application) -> list[dict[str, Any]]:
    """The materials of the application's matters that may be promised or supplied later."""
    matters = commitments.application_matters(application)
    materials = Material.objects.filter(
        Q(deferrable=True) | Q(by_commitment=True), matter_id__in=list(matters)
    ).select_related("matter")
    out = []
    for m in sorted(materials, key=lambda m: (m.matter_id, m.order, m.pk)):
        matter = matters[m.matter_id]
        out.append(
            {
                "m": m,
                "matter": matter,
                "value": f"{m.matter_id}:{m.pk}",
                "kind": "容缺后补" if m.deferrable else "告知承诺替代",
                "days": m.effective_defer_days if m.deferrable else None,
                "excluded": commitments.excluded_reason(matter),
            }
        )
    return out


@login_required
def accept_form(request: HttpRequest, number: str) -> HttpResponse:
    """容缺受理 at the counter: choose the missing materials, the applicant reads and signs
    the commitment, the application is accepted."""
    if not _may(request, WINDOW):
        return _refuse(request, "窗口人员或管理员")
    application = (
        case_access.applications_visible_to(request.user)
        .select_related("person", "company", "theme", "matter")
        .filter(number=number)
        .first()
    )
    if application is None:
        raise Http404(f"申请 {number} 不存在")
    restriction = queries.commitment_restriction(**queries.application_subject(application))
    # Signed online with the submission: the counter accepts on it, nothing is signed again.
    online = (
        application.commitments.filter(status=Commitment.Status.SIGNED)
        .prefetch_related("items")
        .first()
    )
    chosen = request.POST.getlist("items") if request.method == "POST" else []
    status = 200
    if request.method == "POST":
        try:
            if online is not None:
                items = None
            elif request.POST.get("signed") != "yes":
                raise ValidationFailed("请申请人阅读承诺书并确认签署后再受理", field="signed")
            else:
                items = []
                for value in chosen:
                    matter_id, _, material_id = value.partition(":")
                    items.append({"matter_id": matter_id, "material_id": material_id})
            commitment = commitments.commitment_accept(
                application=application,
                staff=request.user,
                signer=application.applicant,
                items=items,
            )
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(
                request,
                f"申请 {number} 已按承诺受理，承诺书 #{commitment.pk} "
                + ("（申请人在线签署）开始履行。" if online is not None else "已签署。"),
            )
            return redirect("credit:commitment", commitment_id=commitment.pk)
    context = {
        "app": application,
        "id_masked": mask(application.person.id_number),
        "restriction": restriction,
        "candidates": _candidates(application),
        "online": online,
        "chosen": set(chosen),
        "can_accept": application.status
        in (Application.Status.SUBMITTED, Application.Status.SUPPLEMENT_REQUESTED),
    }
    return render(request, "credit/accept_form.html", context, status=status)


@login_required
def repair_list(request: HttpRequest) -> HttpResponse:
    if not _may(request, DECIDE):
        return _refuse(request, "监管人员或管理员")
    repairs = (
        CreditRepair.objects.select_related("person", "company", "decided_by")
        .prefetch_related("records")
        .order_by("status", "-id")[:100]
    )
    return render(request, "credit/repair_list.html", {"repairs": repairs})


@login_required
@require_POST
def repair_decide(request: HttpRequest, repair_id: int) -> HttpResponse:
    if not _may(request, DECIDE):
        return _refuse(request, "监管人员或管理员")
    repair = CreditRepair.objects.filter(pk=repair_id).first()
    if repair is None:
        raise Http404("信用修复申请不存在")
    try:
        services.credit_repair_decide(
            repair=repair,
            staff=request.user,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"信用修复申请 #{repair.pk} 已审核。")
    return redirect("credit:repairs")


# ---------------------------------------------------------------- portal


def _portal_subject(request: HttpRequest, account: Any) -> dict[str, Any]:
    """The applicant, or the company named by `company` when they may act for it in credit
    matters; any other company is not found (404), whether it exists or not."""
    uscc = request.GET.get("company") or request.POST.get("company") or ""
    if not uscc:
        return {"person": account.person}
    for company in acting_companies(request.user, scope=CREDIT):
        if company.uscc == uscc:
            return {"company": company}
    raise Http404("未找到该企业")


@login_required(login_url=LOGIN_URL)
def my_credit(request: HttpRequest) -> HttpResponse:
    account = account_of(request.user)
    if account is None:
        return render(request, "credit/my_credit.html", {"account": None}, status=403)
    subject = _portal_subject(request, account)
    status = 200
    if request.method == "POST":
        try:
            services.credit_repair_submit(
                user=request.user,
                statement=request.POST.get("statement", ""),
                company=subject.get("company"),
            )
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, "信用修复申请已提交，请等待审核。")
            return redirect(request.get_full_path())
    today = timezone.localdate()
    credit = queries.credit_status(**subject, today=today)
    commitment_rows = [
        {
            "c": c,
            "items": [
                {"row": r, "label": STATE_LABELS[r.state]} for r in queries.item_rows(c, today)
            ],
        }
        for c in credit["commitments"]
    ]
    context = {
        "account": account,
        "subject": subject.get("company") or account.person,
        "companies": acting_companies(request.user, scope=CREDIT),
        "chosen_company": subject.get("company"),
        "credit": credit,
        "commitments": commitment_rows,
        "pending_repair": any(r.status == CreditRepair.Status.SUBMITTED for r in credit["repairs"]),
        "can_repair": credit["restriction"] is not None,
        "item_kinds": CommitmentItem.Kind,
    }
    return render(request, "credit/my_credit.html", context, status=status)
