"""Writes of 企业一类事与增值服务: starting a package, and a service request's life (request,
share, revoke, answer, rate). One transaction each; errors are yishi.core.errors.

No second case engine: a package's theme modules are submitted as theme applications and
its matter modules as matter applications (yishi.cases.services.application_submit), its
policy modules as policy applications (yishi.policies.applications.policy_apply), its offers
as service requests; PackageRun only remembers what each started."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from yishi.cases import services as cases
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.people.models import Company
from yishi.people.queries import account_of
from yishi.policies import applications as policy_applications

from . import access, packages
from .models import (
    Module,
    Offer,
    Package,
    PackageRun,
    RunItem,
    ServiceRequest,
    ShareConsent,
)

MESSAGE_MAX = 1000
S = ServiceRequest.State


def _company_of_user(user: Any, company: Company | None) -> Company:
    if account_of(user) is None:
        raise PermissionDeniedError("请以申请人身份登录", field="user")
    if company is None or not access.may_act_for(user, company):
        uscc = company.uscc if company is not None else ""
        raise NotFound(f"企业 {uscc} 不存在或您未获授权代其办理", field="company")
    return company


def _text(value: Any, label: str, field: str, *, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationFailed(f"请填写「{label}」", field=field)
    if len(text) > MESSAGE_MAX:
        raise ValidationFailed(f"「{label}」不能超过 {MESSAGE_MAX} 字", field=field)
    return text


# ---------------------------------------------------------------- packages


def package_start(
    *,
    package: Package,
    user: Any,
    company: Company | None,
    modules: Iterable[Any] | None,
    form_data: Any,
    today: dt.date | None = None,
) -> PackageRun:
    """Start the ticked modules of a package with one form: each module through its own
    service, all or nothing."""
    company = _company_of_user(user, company)
    if not package.published:
        raise NotFound(f"一类事 {package.code} 不存在", field="package")
    chosen = packages.chosen_modules(package, modules)
    fields = packages.package_form(chosen)
    # Registry values stand for what the form would ask (the policy services do the same).
    account = account_of(user)
    prefilled = packages.package_prefill(fields, person=account.person, company=company)
    data = dict(form_data) if isinstance(form_data, dict) else form_data
    if isinstance(data, dict):
        data = {**data, **{k: v for k, v in prefilled.items() if not str(data.get(k, "")).strip()}}
    cleaned = packages.validate_package_form(fields, data)
    with transaction.atomic():
        run = PackageRun.objects.create(
            package=package, company=company, started_by=user, form_data=cleaned
        )
        for module in chosen:
            item = RunItem(run=run, module=module)
            values = packages.module_form_data(module, cleaned)
            if module.kind == Module.Kind.THEME:
                item.application = cases.application_submit(
                    user=user,
                    theme=module.theme,
                    answers=module.answers or {},
                    form_data=values,
                    company=company,
                    today=today,
                )
            elif module.kind == Module.Kind.MATTER:
                item.application = cases.application_submit(
                    user=user, matter=module.matter, form_data=values, company=company, today=today
                )
            elif module.kind == Module.Kind.POLICY:
                item.policy_application = policy_applications.policy_apply(
                    policy=module.policy,
                    user=user,
                    company=company,
                    form_data=values,
                    today=today,
                )
            else:
                item.service_request = request_create(
                    offer=module.offer, company=company, user=user, message=""
                )
            item.save()
        audit_append(
            action="enterprise.package_start",
            actor=user,
            object_type="package_run",
            object_id=run.pk,
            data={"package": package.code, "modules": [m.pk for m in chosen]},
        )
    return run


# ---------------------------------------------------------------- service requests


def _clean_share(fields: Any) -> list[str]:
    if fields is None:
        return []
    if isinstance(fields, str) or not isinstance(fields, list | tuple):
        raise ValidationFailed("共享内容格式不正确", field="fields")
    unknown = [f for f in fields if f not in access.SHARE_FIELDS]
    if unknown:
        raise ValidationFailed(f"不能共享的内容：{unknown[0]}", field="fields")
    return [f for f in access.SHARE_FIELDS if f in fields]


def request_create(
    *,
    offer: Offer,
    company: Company | None,
    user: Any,
    message: Any = "",
    share: Any = None,
) -> ServiceRequest:
    """A company asks a provider for an offer. The provider sees nothing until the company
    shares (here with `share`, the fields it chooses, or later with consent_grant)."""
    company = _company_of_user(user, company)
    if not offer.active or not offer.provider.active:
        raise NotFound(f"增值服务 {offer.code} 不存在", field="offer")
    text = _text(message, "需求说明", "message")
    fields = _clean_share(share) if share is not None else None
    with transaction.atomic():
        request = ServiceRequest.objects.create(
            offer=offer, company=company, requested_by=user, message=text
        )
        audit_append(
            action="enterprise.request_create",
            actor=user,
            object_type="service_request",
            object_id=request.pk,
            data={"offer": offer.code, "company": company.uscc},
        )
        if fields is not None:
            consent_grant(request=request, user=user, fields=fields)
    return request


def _own_request(request: ServiceRequest, user: Any) -> ServiceRequest:
    if not access.may_see_request(user, request):
        raise NotFound("未找到该增值服务申请", field="request")
    return request


def consent_grant(*, request: ServiceRequest, user: Any, fields: Any) -> ShareConsent:
    """Share the company's name, USCC and the chosen fields with the request's provider
    (replacing a consent in force)."""
    _own_request(request, user)
    chosen = _clean_share(fields)
    with transaction.atomic():
        ServiceRequest.objects.select_for_update(no_key=True).filter(pk=request.pk).first()
        now = timezone.now()
        request.consents.filter(revoked_at__isnull=True).update(revoked_at=now, revoked_by=user)
        consent = ShareConsent.objects.create(request=request, fields=chosen, granted_by=user)
        audit_append(
            action="enterprise.consent_grant",
            actor=user,
            object_type="service_request",
            object_id=request.pk,
            data={"fields": chosen, "provider": request.offer.provider.code},
        )
    return consent


def consent_revoke(*, request: ServiceRequest, user: Any) -> ShareConsent:
    """Withdraw the consent in force: from now the provider no longer sees the request."""
    _own_request(request, user)
    with transaction.atomic():
        ServiceRequest.objects.select_for_update(no_key=True).filter(pk=request.pk).first()
        consent = request.consents.filter(revoked_at__isnull=True).first()
        if consent is None:
            raise Conflict("该申请当前没有共享授权", field="consent")
        consent.revoked_at = timezone.now()
        consent.revoked_by = user
        consent.save(update_fields=["revoked_at", "revoked_by"])
        audit_append(
            action="enterprise.consent_revoke",
            actor=user,
            object_type="service_request",
            object_id=request.pk,
            data={"provider": request.offer.provider.code},
        )
    return consent


def provider_request(user: Any, request_id: int) -> ServiceRequest:
    """The request as its provider may see it, or NotFound (403 for non-provider users is
    the caller's: they ask access.provider_account first)."""
    account = access.provider_account(user)
    if account is None:
        raise PermissionDeniedError("仅服务商账号可以访问", field="user")
    request = (
        ServiceRequest.objects.select_related("offer", "offer__provider", "company")
        .filter(pk=request_id)
        .first()
    )
    if request is None or not access.provider_may_see(account, request):
        raise NotFound("未找到该服务申请", field="request")
    return request


def request_answer(*, request_id: int, user: Any, answer: Any) -> ServiceRequest:
    """The provider answers a request it may see (once)."""
    text = _text(answer, "答复内容", "answer", required=True)
    with transaction.atomic():
        request = provider_request(user, request_id)
        locked = ServiceRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        if locked.state != S.OPEN:
            raise Conflict("该申请已答复，不能再次答复", field="answer")
        locked.answer = text
        locked.answered_by = user
        locked.answered_at = timezone.now()
        locked.state = S.ANSWERED
        locked.save(update_fields=["answer", "answered_by", "answered_at", "state"])
        audit_append(
            action="enterprise.request_answer",
            actor=user,
            object_type="service_request",
            object_id=locked.pk,
            data={"provider": request.offer.provider.code},
        )
    return locked


def request_rate(
    *, request: ServiceRequest, user: Any, rating: Any, comment: Any = ""
) -> ServiceRequest:
    """The company rates the provider's answer, 1 to 5 stars, once."""
    _own_request(request, user)
    try:
        stars = int(rating)
    except (TypeError, ValueError):
        raise ValidationFailed("「评价」须为 1 至 5 星", field="rating") from None
    if not 1 <= stars <= 5:
        raise ValidationFailed("「评价」须为 1 至 5 星", field="rating")
    text = _text(comment, "评价意见", "comment")
    with transaction.atomic():
        locked = ServiceRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        if locked.state != S.ANSWERED:
            raise Conflict("服务商答复后才能评价", field="rating")
        if locked.rating is not None:
            raise Conflict("该申请已评价", field="rating")
        locked.rating, locked.rating_comment, locked.rated_at = stars, text, timezone.now()
        locked.save(update_fields=["rating", "rating_comment", "rated_at"])
        audit_append(
            action="enterprise.request_rate",
            actor=user,
            object_type="service_request",
            object_id=locked.pk,
            data={"rating": stars},
        )
    return locked


def shared_view(request: ServiceRequest, *, viewer: Any) -> list[tuple[str, str]]:
    """What the provider sees of the company for this request, (label, value) rows: name,
    USCC and the consented fields, read now; the view is logged (it may hold a phone number)."""
    consent = access.live_consent(request)
    if consent is None:
        return []
    company = request.company
    rows = [("企业名称", company.name), ("统一社会信用代码", company.uscc)]
    for key in consent.fields:
        label = access.SHARE_FIELDS[key]
        if key == "legal_representative":
            value = company.legal_representative
        elif key == "address":
            value = company.address
        elif key == "capital":
            value = f"{company.paid_in_capital} 万元" if company.paid_in_capital is not None else ""
        elif key == "employees":
            value = f"{company.employees} 人"
        elif key == "contact":
            account = account_of(request.requested_by)
            person = account.person if account else None
            value = f"{person.name} {getattr(person, 'phone', '') or ''}".strip() if person else ""
        else:  # licences
            from yishi.licences.queries import licences_of_holder

            value = "、".join(
                f"{lic.type.name}（{lic.number}）" for lic in licences_of_holder(company=company)
            )
        rows.append((label, value or "（未登记）"))
    audit_append(
        action="enterprise.shared_view",
        actor=viewer,
        object_type="service_request",
        object_id=request.pk,
        data={"fields": list(consent.fields)},
    )
    return rows
