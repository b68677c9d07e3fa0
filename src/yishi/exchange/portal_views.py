"""The resident's side of 全程网办: a matter of our catalog that a partner region decides,
applied for here online (the unified materials of the agreement, uploaded through the
platform's upload check) and handed over signed; the case then shows in 我的申请 with where
it stands."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from yishi.core.errors import DomainError
from yishi.core.uploads import check_upload
from yishi.exchange import services
from yishi.exchange.models import AgreedMatter, Delivery, Mode
from yishi.exchange.queries import offer_for

LOGIN_URL = "/account/login/"
ADDRESS_MAX = 200


def material_rows(agreed: AgreedMatter, errors: dict[str, str]) -> list[dict[str, Any]]:
    """The unified materials, numbered from 1 (field `material.<n>`), each with its error."""
    return [
        {"n": n, "name": name, "error": errors.get(f"material.{n}", "")}
        for n, name in enumerate(agreed.materials or [], 1)
    ]


def delivery_options(agreed: AgreedMatter) -> list[tuple[str, str]]:
    agreed_ways = [d for d in agreed.delivery or [] if d in Delivery.values]
    return [(d, Delivery(d).label) for d in agreed_ways or Delivery.values]


def checked_uploads(
    request: HttpRequest,
    agreed: AgreedMatter,
    field: str,
    errors: dict[str, str],
    missing: str = "请上传“{}”",
) -> list[tuple[str, str, bytes]]:
    """Each unified material's file (field `<field>.<n>`), checked by content; a missing or
    refused one is noted in `errors` beside its field."""
    found = []
    for n, name in enumerate(agreed.materials or [], 1):
        key = f"{field}.{n}"
        upload = request.FILES.get(key)
        if upload is None:
            errors[key] = missing.format(name)
            continue
        try:
            checked = check_upload(name=upload.name, data=upload, field=key)
        except DomainError as exc:
            errors[key] = exc.message
            continue
        found.append((name, checked.content_type, checked.content))
    return found


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def online_apply(request: HttpRequest, agreed_id: int) -> HttpResponse:
    agreed = offer_for(agreed_id, Mode.ONLINE)
    if agreed is None:
        raise Http404("该事项不能在本平台申请跨域通办")
    options = delivery_options(agreed)
    errors: dict[str, str] = {}
    values = {"delivery_method": options[0][0], "delivery_address": ""}
    if request.method == "POST":
        values = {
            "delivery_method": request.POST.get("delivery_method", "").strip()[:10],
            "delivery_address": request.POST.get("delivery_address", "").strip()[:ADDRESS_MAX],
        }
        materials = checked_uploads(request, agreed, "material", errors)
        if not errors:
            try:
                application = services.crossing_submit(
                    user=request.user,
                    partner=agreed.partner,
                    mode=Mode.ONLINE,
                    matter=agreed.matter,
                    materials=materials,
                    delivery_method=values["delivery_method"],
                    delivery_address=values["delivery_address"],
                )
            except DomainError as exc:
                errors[exc.field or "form"] = exc.message
            else:
                return redirect("apply:detail", number=application.number)
    known = {f"material.{n}" for n in range(1, len(agreed.materials or []) + 1)}
    known |= {"delivery_method", "delivery_address"}
    return render(
        request,
        "exchange/online_apply.html",
        {
            "agreed": agreed,
            "matter": agreed.matter,
            "rows": material_rows(agreed, errors),
            "options": options,
            "values": values,
            "errors": errors,
            "general": [message for key, message in errors.items() if key not in known],
        },
        status=400 if errors else 200,
    )
