"""Pages of provider accounts (mounted at /providers/): the inbox of requests companies
shared with the provider, and a request's page where it answers. A user without a provider
account gets 403; a request of another provider, not shared or revoked, 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from yishi.core.errors import DomainError

from . import access, queries, services

LOGIN_URL = "/account/login/"


def _account_or_403(request: HttpRequest):
    account = access.provider_account(request.user)
    if account is None:
        response = render(request, "enterprise/provider_denied.html", status=403)
        return None, response
    return account, None


@login_required(login_url=LOGIN_URL)
def inbox(request: HttpRequest) -> HttpResponse:
    account, denied = _account_or_403(request)
    if denied is not None:
        return denied
    context = {"account": account, "requests": queries.provider_inbox(account)}
    return render(request, "enterprise/provider_inbox.html", context)


@login_required(login_url=LOGIN_URL)
def request_page(request: HttpRequest, request_id: int) -> HttpResponse:
    account, denied = _account_or_403(request)
    if denied is not None:
        return denied
    try:
        sr = services.provider_request(request.user, request_id)
    except DomainError as error:
        raise Http404(error.message) from error
    if request.method == "POST":
        try:
            services.request_answer(
                request_id=sr.pk, user=request.user, answer=request.POST.get("answer", "")
            )
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.message) from error
            messages.error(request, error.message)
        else:
            messages.success(request, "答复已发送给企业。")
        return redirect("providers:request", request_id=sr.pk)
    context = {
        "account": account,
        "sr": sr,
        "shared": services.shared_view(sr, viewer=request.user),
    }
    return render(request, "enterprise/provider_request.html", context)
