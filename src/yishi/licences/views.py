"""Pages of 电子证照: the public verification page (typed number or scanned QR code) and the
applicant's wallet with PDF download. Thin: rules live in services, queries, verification."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yishi.core.errors import DomainError
from yishi.licences import queries
from yishi.licences.models import Licence
from yishi.licences.pdf import licence_pdf, public_base_url
from yishi.licences.verification import NOT_FOUND, licence_verify
from yishi.people.queries import account_of

LOGIN_URL = "/account/login/"


def _masked_name(name: str) -> str:
    """王** : the family name only, on a page anyone can open."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def _verify_page(request: HttpRequest, number: str) -> HttpResponse:
    result = licence_verify(number) if number else None
    context = {"number": number, "result": result}
    if result is not None and result.licence is not None:
        context["holder"] = _masked_name(result.licence.holder_name)
    status = 404 if result is not None and result.state == NOT_FOUND else 200
    return render(request, "licences/verify.html", context, status=status)


def verify(request: HttpRequest) -> HttpResponse:
    """/licences/verify/?number=… : anyone types a number."""
    return _verify_page(request, (request.GET.get("number") or "").strip()[:120])


def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """/licences/verify/<number>/ : where a licence's QR code points."""
    return _verify_page(request, number.strip()[:120])


@login_required(login_url=LOGIN_URL)
def mine(request: HttpRequest) -> HttpResponse:
    account = account_of(request.user)
    if account is None:
        return render(request, "licences/mine.html", {"account": None}, status=403)
    today = timezone.localdate()
    rows = [
        {"licence": x, "renewal": queries.renewal_due(x, today=today)}
        for x in queries.wallet(request.user)[:500]
    ]
    return render(request, "licences/mine.html", {"account": account, "rows": rows})


@login_required(login_url=LOGIN_URL)
def download(request: HttpRequest, number: str) -> HttpResponse:
    licence = queries.wallet_licence(request.user, number)
    if licence is None:
        raise Http404("未找到该电子证照")
    try:
        document = licence_pdf(licence, base_url=public_base_url(request))
    except DomainError as error:  # e.g. the issuer's seal image is over the pixel limit
        context = {"status": error.status, "title": "无法生成证照文件", "message": error.message}
        return render(request, "400.html", context, status=error.status)
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = download_disposition(licence)
    return response


def download_disposition(licence: Licence) -> str:
    """attachment named by the licence number, and (RFC 6266/5987) by the licence's name and
    number for browsers that read filename*."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", licence.number) + ".pdf"
    full_name = quote(f"{licence.type.name}-{licence.number}.pdf", safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{full_name}"
