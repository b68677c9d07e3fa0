"""Pages of 企业服务. Thin: access is decided by yishi.companies.access, rules live in
services and queries."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from yishi.companies import access, queries, services
from yishi.companies.models import SealedDocument
from yishi.companies.pdf import sealed_pdf
from yishi.core.errors import DomainError
from yishi.core.uploads import StoredFileDamaged
from yishi.licences.pdf import public_base_url, qr_png
from yishi.people.models import Company

LOGIN_URL = "/account/login/"


def _company(uscc: str) -> Company:
    company = queries.company_by_code(uscc)
    if company is None:
        raise Http404("未找到该企业")
    return company


def company_page(request: HttpRequest, uscc: str) -> HttpResponse:
    """/companies/<USCC>/ : where the company's QR code points. Everyone sees the public
    fields; the company's users and authorised staff, signed in, see their sections too."""
    company = _company(uscc)
    profile = queries.public_profile(company)
    context: dict[str, Any] = {
        "company": company,
        "profile": profile,
        "type_label": profile["type"],
        "status_label": company.get_status_display(),
        "states": queries.LICENCE_STATES,
        "page_url": public_base_url(request) + reverse("companies:page", args=[company.uscc]),
        "private": None,
        "seal_link": False,
    }
    if request.user.is_authenticated:
        view = queries.private_view(request.user, company)
        context["private"] = view if any(v is not None for v in view.values()) else None
        context["seal_link"] = access.may_open_seal_page(request.user, company)
    return render(request, "companies/page.html", context)


def company_qr(request: HttpRequest, uscc: str) -> HttpResponse:
    """The company's QR code (一企一码) as a PNG: the address of its page."""
    company = _company(uscc)
    url = public_base_url(request) + reverse("companies:page", args=[company.uscc])
    response = HttpResponse(qr_png(url, scale=6), content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _seal_company(request: HttpRequest, uscc: str) -> Company:
    company = _company(uscc)
    # Not the company's own (a pending claim included): as if it did not exist.
    if not access.may_open_seal_page(request.user, company):
        raise Http404("未找到该企业")
    return company


def _act(request: HttpRequest, company: Company) -> str:
    """Run the posted action; the message to show on success."""
    action = request.POST.get("action", "")
    user = request.user
    if action == "apply":
        services.seal_apply(company=company, user=user)
        return "电子印章申请已提交，待法定代表人确认后启用。"
    if action in ("confirm", "revoke"):
        seal = queries.current_seal(company)
        if seal is None:
            raise Http404("未找到该电子印章")
        if action == "confirm":
            services.seal_confirm(seal=seal, user=user)
            return "电子印章已启用，可用于签署承诺书、表单和合同。"
        services.seal_revoke(seal=seal, user=user, reason=request.POST.get("reason", ""))
        return "电子印章已注销，此后不能再用它签章。"
    if action == "sign":
        upload = request.FILES.get("file")
        document = services.document_sign(
            company=company,
            user=user,
            kind=request.POST.get("kind", ""),
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            upload=upload,
            upload_name=upload.name if upload is not None else "",
        )
        return f"「{document.title}」已加盖企业电子印章。"
    if action == "commitment":
        from yishi.credit.models import Commitment

        raw = request.POST.get("commitment", "")
        commitment = (
            Commitment.objects.filter(pk=int(raw), company=company).first()
            if raw.isdigit() and len(raw) < 12
            else None
        )
        if commitment is None:
            raise Http404("未找到该承诺书")
        document = services.commitment_seal(commitment=commitment, user=user)
        return f"「{document.title}」已加盖企业电子印章。"
    raise Http404("未知操作")


@login_required(login_url=LOGIN_URL)
def seal_page(request: HttpRequest, uscc: str) -> HttpResponse:
    company = _seal_company(request, uscc)
    if request.method == "POST":
        try:
            messages.success(request, _act(request, company))
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.message) from error
            messages.error(request, error.message)
        return redirect("companies:seal", uscc=company.uscc)
    user = request.user
    may_use = access.may_use_seal(user, company)
    context = {
        "company": company,
        "seal": queries.current_seal(company),
        "history": queries.seal_history(company),
        "may_apply": access.may_apply_seal(user, company),
        "may_confirm": access.may_confirm_seal(user, company),
        "may_use": may_use,
        "documents": queries.documents_of(company) if may_use else [],
        "commitments": queries.commitments_to_seal(company) if may_use else [],
        "kinds": [
            (SealedDocument.Kind.FORM, SealedDocument.Kind.FORM.label),
            (SealedDocument.Kind.CONTRACT, SealedDocument.Kind.CONTRACT.label),
        ],
    }
    return render(request, "companies/seal.html", context)


@login_required(login_url=LOGIN_URL)
def document_pdf(request: HttpRequest, uscc: str, ref: Any) -> HttpResponse:
    company = _company(uscc)
    if not access.may_use_seal(request.user, company):
        raise Http404("未找到该文书")
    document = (
        SealedDocument.objects.select_related("company", "seal", "original")
        .filter(company=company, ref=ref)
        .first()
    )
    if document is None:
        raise Http404("未找到该文书")
    try:
        pdf = sealed_pdf(document, base_url=public_base_url(request))
    except StoredFileDamaged as error:
        context = {"status": error.status, "title": error.title, "message": error.message}
        return render(request, "400.html", context, status=error.status)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sealed-{document.ref}.pdf"'
    return response
