"""Company-side pages of 企业一类事与增值服务 (mounted at /enterprise/). Thin: access is
decided by yishi.enterprise.access, writes are services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from yishi.core.errors import DomainError
from yishi.people.models import Company
from yishi.people.queries import account_of
from yishi.themes.form_rules import FormInvalid

from . import access, packages, queries, services
from .models import Module, PackageRun, ServiceRequest, Stage

LOGIN_URL = "/account/login/"


def _chosen_company(
    request: HttpRequest, companies: list[Company], *, strict: bool = True
) -> Company | None:
    """The company named in the request among those the user acts for (none named: the
    first). Another company: 404 where it would act (strict), else none chosen."""
    uscc = request.POST.get("company") or request.GET.get("company") or ""
    if not uscc:
        return companies[0] if companies else None
    company = next((c for c in companies if c.uscc == uscc), None)
    if company is None and strict:
        raise Http404("未找到该企业")
    return company


def _raise_404(error: DomainError) -> None:
    if error.status == 404:
        raise Http404(error.message) from error


def package_list(request: HttpRequest) -> HttpResponse:
    """Every published package, by stage of a company's life and by industry."""
    items = list(queries.published_packages())
    stages = [
        {"code": code, "label": label, "packages": [p for p in items if p.stage == code]}
        for code, label in Stage.choices
    ]
    companies = access.companies_of(request.user)
    company = _chosen_company(request, companies, strict=False)
    runs = list(queries.runs_of(company)[:20]) if company else []
    context = {"stages": stages, "companies": companies, "company": company, "runs": runs}
    return render(request, "enterprise/packages.html", context)


def package_page(request: HttpRequest, code: str) -> HttpResponse:
    """One package: tick modules → one notice, one form, one material set; POST starts it."""
    package = queries.package_by_code(code)
    if package is None:
        raise Http404("未找到该一类事")
    source = request.POST if request.method == "POST" else request.GET
    picked = source.getlist("module") if "picked" in source else None
    companies = access.companies_of(request.user)
    company = _chosen_company(request, companies, strict=request.method == "POST")
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect(f"{LOGIN_URL}?next={request.path}")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    status = 200
    try:
        modules = packages.chosen_modules(package, picked)
    except DomainError as error:
        messages.error(request, error.message)
        modules = packages.chosen_modules(package, None)
        status = error.status
    if request.method == "POST" and status == 200:
        fields = packages.package_form(modules)
        values = {f.key: request.POST.get(f.key, "") for f in fields}
        try:
            run = services.package_start(
                package=package,
                user=request.user,
                company=company,
                modules=[m.pk for m in modules],
                form_data=values,
            )
        except FormInvalid as error:
            errors = error.by_field
            status = 400
        except DomainError as error:
            _raise_404(error)
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, f"「{package.name}」已发起，可在下方跟踪各项办理进度。")
            return redirect("enterprise:run", run_id=run.pk)
    notice = packages.package_notice(package, modules, company=company)
    if request.method != "POST" and company is not None:
        account = account_of(request.user)
        values = packages.package_prefill(
            list(notice.fields), person=account.person if account else None, company=company
        )
    rows = [
        {"field": f, "value": values.get(f.key, ""), "error": errors.get(f.key, "")}
        for f in notice.fields
    ]
    context = {
        "package": package,
        "all_modules": list(package.modules.all()),
        "picked": {m.pk for m in modules},
        "notice": notice,
        "rows": rows,
        "companies": companies,
        "company": company,
        "signed_in": request.user.is_authenticated,
    }
    return render(request, "enterprise/package.html", context, status=status)


@login_required(login_url=LOGIN_URL)
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    """The one tracking view of everything a package started."""
    run = PackageRun.objects.select_related("package", "company").filter(pk=run_id).first()
    if run is None or not access.may_see_run(request.user, run):
        raise Http404("未找到该一类事办理")
    context = {"run": run, "rows": queries.track_rows(run)}
    return render(request, "enterprise/run.html", context)


def zone(request: HttpRequest) -> HttpResponse:
    """涉企增值服务专区: providers' offers by stage; the company's requests."""
    offers = list(queries.active_offers())
    stage = request.GET.get("stage") or ""
    if stage in Stage.values:
        offers = [o for o in offers if stage in o.stages]
    companies = access.companies_of(request.user)
    company = _chosen_company(request, companies, strict=False)
    context = {
        "offers": offers,
        "stages": Stage.choices,
        "stage": stage,
        "companies": companies,
        "company": company,
        "requests": list(queries.requests_of(company)[:50]) if company else [],
    }
    return render(request, "enterprise/zone.html", context)


def offer_page(request: HttpRequest, code: str) -> HttpResponse:
    """One offer; a company's agent requests it (choosing what to share) with POST."""
    offer = queries.offer_by_code(code)
    if offer is None:
        raise Http404("未找到该服务")
    companies = access.companies_of(request.user)
    company = _chosen_company(request, companies, strict=request.method == "POST")
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{LOGIN_URL}?next={request.path}")
        try:
            created = services.request_create(
                offer=offer,
                company=company,
                user=request.user,
                message=request.POST.get("message", ""),
                share=request.POST.getlist("share") if request.POST.get("consent") else None,
            )
        except DomainError as error:
            _raise_404(error)
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, "服务申请已提交。")
            return redirect("enterprise:request", request_id=created.pk)
    packages_of = {m.package for m in Module.objects.filter(offer=offer).select_related("package")}
    context = {
        "offer": offer,
        "companies": companies,
        "company": company,
        "share_fields": access.SHARE_FIELDS.items(),
        "packages": sorted(packages_of, key=lambda p: p.order),
        "signed_in": request.user.is_authenticated,
    }
    return render(request, "enterprise/offer.html", context, status=status)


@login_required(login_url=LOGIN_URL)
def request_page(request: HttpRequest, request_id: int) -> HttpResponse:
    """The company's own request: share / revoke / rate."""
    sr = (
        ServiceRequest.objects.select_related("offer", "offer__provider", "company")
        .filter(pk=request_id)
        .first()
    )
    if sr is None or not access.may_see_request(request.user, sr):
        raise Http404("未找到该增值服务申请")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "share":
                services.consent_grant(
                    request=sr, user=request.user, fields=request.POST.getlist("share")
                )
                messages.success(request, "已授权服务商查看所选企业信息。")
            elif action == "revoke":
                services.consent_revoke(request=sr, user=request.user)
                messages.success(request, "已撤回授权，服务商不再能查看该申请。")
            elif action == "rate":
                services.request_rate(
                    request=sr,
                    user=request.user,
                    rating=request.POST.get("rating"),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, "感谢您的评价。")
            else:
                messages.error(request, "不支持的操作")
        except DomainError as error:
            _raise_404(error)
            messages.error(request, error.message)
        return redirect("enterprise:request", request_id=sr.pk)
    consent = access.live_consent(sr)
    context = {
        "sr": sr,
        "consent": consent,
        "consent_labels": [access.SHARE_FIELDS[k] for k in consent.fields] if consent else [],
        "history": list(sr.consents.all()),
        "share_fields": access.SHARE_FIELDS.items(),
        "stars": range(5, 0, -1),
    }
    return render(request, "enterprise/request.html", context)
