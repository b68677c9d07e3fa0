"""Pages of 数据治理: the chief data officer's and data officers' workbench (scores, findings
through 检查 → 校核 → 确认 → 更正, the data resource catalog, supply and demand), the clerk's
one-click report from a case, and the public open-data pages. Thin: rules live in
yishi.governance.services and .queries; every route asks yishi.governance.access."""

from __future__ import annotations

import csv
import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yishi.cases import access as case_access
from yishi.core.errors import DomainError
from yishi.governance import access, opendata, queries, services
from yishi.governance.models import DataRequest, Dataset, Finding, Scenario

ACTIONS = ("verify", "confirm", "correct", "reject")


def _refuse(request: HttpRequest) -> HttpResponse:
    return render(
        request, "workbench/forbidden.html", {"needed": "首席数据官或数据专员"}, status=403
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not access.may_govern(request.user):
        return _refuse(request)
    datasets = access.datasets_visible_to(request.user)
    scores = queries.latest_scores(datasets)
    findings = (
        access.findings_visible_to(request.user)
        .filter(status__in=Finding.OPEN)
        .select_related("dataset", "rule", "application")
        .order_by("due_on", "id")[:200]
    )
    context = {
        "scores": scores,
        "departments": queries.department_scores(scores),
        "findings": findings,
        "is_chief": access.is_chief(request.user),
    }
    return render(request, "governance/home.html", context)


@login_required
@require_POST
def run_checks(request: HttpRequest) -> HttpResponse:
    """The data officer's button: run the rules of the datasets they see, now."""
    if not access.may_govern(request.user):
        return _refuse(request)
    result = services.governance_check(
        datasets=list(access.datasets_visible_to(request.user)), actor=request.user
    )
    messages.success(
        request,
        f"已检查数据资源 {result['datasets']} 个，新发现问题 {result['findings']} 条。",
    )
    return redirect("governance:home")


def _finding(request: HttpRequest, pk: int) -> Finding:
    finding = (
        access.findings_visible_to(request.user)
        .select_related("dataset", "dataset__department", "rule", "application", "owner")
        .filter(pk=pk)
        .first()
    )
    if finding is None:
        raise Http404("未找到该数据问题")
    return finding


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not access.may_govern(request.user):
        return _refuse(request)
    finding = _finding(request, pk)
    fields = []
    if finding.record_type in ("people.person", "people.company"):
        fields = [
            c
            for c in finding.dataset.fields
            if isinstance(c, dict) and c.get("name") not in services.UNCORRECTABLE
        ]
    context = {"f": finding, "shown": queries.finding_shown(finding), "fields": fields}
    return render(request, "governance/finding.html", context)


@login_required
@require_POST
def finding_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if not access.may_govern(request.user):
        return _refuse(request)
    finding = _finding(request, pk)
    if action not in ACTIONS:
        raise Http404("未知操作")
    post = request.POST
    try:
        if action == "verify":
            services.finding_verify(finding=finding, staff=request.user)
        elif action == "confirm":
            services.finding_confirm(finding=finding, staff=request.user)
        elif action == "correct":
            services.finding_correct(
                finding=finding,
                staff=request.user,
                field=post.get("field", ""),
                value=post.get("value", ""),
                note=post.get("note", ""),
            )
        else:
            services.finding_reject(
                finding=finding, staff=request.user, reason=post.get("reason", "")
            )
        messages.success(request, "已办理。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("governance:finding", pk=finding.pk)


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    if not access.may_govern(request.user):
        return _refuse(request)
    datasets = (
        Dataset.objects.select_related("department")
        .prefetch_related("matters", "policies")
        .order_by("department__name", "code")
    )
    return render(request, "governance/catalog.html", {"datasets": datasets})


@login_required
@require_POST
def report(request: HttpRequest, number: str) -> HttpResponse:
    """以用促治: the clerk's one-click report on a registry record shown on a case."""
    application = (
        case_access.applications_visible_to(request.user)
        .select_related("person", "company")
        .filter(number=number)
        .first()
    )
    if application is None or not access.may_report(request.user, application):
        raise Http404("未找到该申请")
    try:
        services.finding_report(
            application=application,
            subject=request.POST.get("subject", ""),
            staff=request.user,
            note=request.POST.get("note", ""),
        )
        messages.success(request, "已报告数据问题，数据专员将核实更正。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("workbench:application", args=[number]))


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    if not access.may_govern(request.user):
        return _refuse(request)
    if request.method == "POST":
        if not access.may_request(request.user):
            return _refuse(request)
        dataset = Dataset.objects.filter(pk=request.POST.get("dataset") or 0).first()
        try:
            if dataset is None:
                raise DomainError("请选择数据资源", field="dataset")
            services.request_submit(
                dataset=dataset,
                staff=request.user,
                purpose=request.POST.get("purpose", ""),
                legal_basis=request.POST.get("legal_basis", ""),
            )
            messages.success(request, "数据需求已提交，等待提供部门答复。")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("governance:requests")
    reqs = access.requests_visible_to(request.user).select_related(
        "dataset", "dataset__department", "requester"
    )
    context = {
        "requests": reqs[:200],
        "datasets": Dataset.objects.exclude(sharing=Dataset.Sharing.NONE).select_related(
            "department"
        ),
    }
    return render(request, "governance/requests.html", context)


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not access.may_govern(request.user):
        return _refuse(request)
    req = get_object_or_404(
        access.requests_visible_to(request.user).select_related("dataset", "requester"), pk=pk
    )
    if request.method == "POST":
        if not access.may_answer(request.user, req):
            return _refuse(request)
        try:
            if request.POST.get("action") == "deliver":
                _req, secret = services.request_deliver(request=req, staff=request.user)
                messages.success(
                    request,
                    f"已交付。接口密钥（仅显示一次）：{secret}" if secret else "已交付。",
                )
            else:
                services.request_answer(
                    request=req,
                    staff=request.user,
                    agree=request.POST.get("action") == "agree",
                    answer=request.POST.get("answer", ""),
                    terms=request.POST.get("terms", ""),
                    delivery=request.POST.get("delivery", ""),
                )
                messages.success(request, "已答复。")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("governance:request", pk=req.pk)
    context = {
        "r": req,
        "may_answer": access.may_answer(request.user, req),
        "deliveries": DataRequest.Delivery.choices,
    }
    return render(request, "governance/request.html", context)


@login_required
def request_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The delivered export: only the requesting department (and the chief) read it."""
    if not access.may_govern(request.user):
        return _refuse(request)
    req = get_object_or_404(access.requests_visible_to(request.user), pk=pk)
    if not req.delivered_file:
        raise Http404("没有交付文件")
    response = HttpResponse(req.delivered_file, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="data-request-{req.pk}.csv"'
    return response


# ---------------------------------------------------------------- open data (public)


def open_index(request: HttpRequest) -> HttpResponse:
    datasets = Dataset.objects.filter(is_open=True).select_related("department")
    scenarios = Scenario.objects.prefetch_related("datasets")
    sectors = {}
    for scenario in scenarios:
        sectors.setdefault(scenario.get_sector_display(), []).append(scenario)
    context = {
        "datasets": [{"d": d, "columns": opendata.columns(d)} for d in datasets],
        "sectors": sectors,
    }
    return render(request, "governance/open_index.html", context)


def _open(code: str) -> Dataset:
    dataset = Dataset.objects.filter(code=code, is_open=True).first()
    if dataset is None:
        raise Http404("未找到该开放数据")
    return dataset


def _cell(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def open_csv(request: HttpRequest, code: str) -> HttpResponse:
    dataset = _open(code)
    cols = opendata.columns(dataset)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c["label"] for c in cols])
    for row in opendata.rows(dataset):
        writer.writerow([_cell(row.get(c["name"])) for c in cols])
    services.open_download(dataset=dataset)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dataset.code}.csv"'
    return response


def open_json(request: HttpRequest, code: str) -> HttpResponse:
    dataset = _open(code)
    body = {"rows": opendata.rows(dataset)}
    services.open_download(dataset=dataset)
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
