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
from yishi.core.idempotency import idempotent
from yishi.exchange import services
from yishi.exchange.forms import idempotency_key, kept_forget, material_files, replayed
from yishi.exchange.models import AgreedMatter, Delivery, Mode
from yishi.exchange.queries import joint_offer, offer_for
from yishi.themes.models import Theme

LOGIN_URL = "/account/login/"
ADDRESS_MAX = 200


def material_rows(
    agreed: AgreedMatter,
    errors: dict[str, str],
    kept: dict[int, dict[str, Any]] | None = None,
    field: str = "material",
) -> list[dict[str, Any]]:
    """The unified materials, numbered from 1 (field `<field>.<n>`), each with its error and
    the file kept for it from an earlier try."""
    kept = kept or {}
    return [
        {"n": n, "name": name, "error": errors.get(f"{field}.{n}", ""), "kept": kept.get(n)}
        for n, name in enumerate(agreed.materials or [], 1)
    ]


def delivery_options(agreed: AgreedMatter) -> list[tuple[str, str]]:
    agreed_ways = [d for d in agreed.delivery or [] if d in Delivery.values]
    return [(d, Delivery(d).label) for d in agreed_ways or Delivery.values]


ONLINE_SCOPE = "exchange.online"


def _submit_once(
    request: HttpRequest,
    key: str,
    scope: str,
    identity: dict[str, Any],
    errors: dict[str, str],
    **submit: Any,
) -> str | None:
    """`crossing_submit` under the form's idempotency key (a double submit makes one case):
    the application's number, or None with the refusal's message put into `errors`."""

    def action() -> tuple[int, dict[str, str], int]:
        application = services.crossing_submit(user=request.user, **submit)
        return 201, {"number": application.number}, application.pk

    try:
        outcome = idempotent(
            key=key,
            scope=scope,
            owner=f"user:{request.user.pk}",
            request=identity,
            action=action,
        )
    except DomainError as exc:
        errors[exc.field or "form"] = exc.message
        return None
    return outcome.body["number"]


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def online_apply(request: HttpRequest, agreed_id: int) -> HttpResponse:
    agreed = offer_for(agreed_id, Mode.ONLINE)
    if agreed is None:
        raise Http404("该事项不能在本平台申请跨域通办")
    options = delivery_options(agreed)
    errors: dict[str, str] = {}
    values = {"delivery_method": options[0][0], "delivery_address": ""}
    kept: dict[int, dict[str, Any]] = {}
    key = idempotency_key(request)
    if request.method == "GET":
        kept_forget(request, "online", agreed)
    else:
        first = replayed(request, ONLINE_SCOPE)
        if first is not None:  # a double submit: the case the first one made
            return redirect("apply:detail", number=first["number"])
        values = {
            "delivery_method": request.POST.get("delivery_method", "").strip()[:10],
            "delivery_address": request.POST.get("delivery_address", "").strip()[:ADDRESS_MAX],
        }
        materials, kept = material_files(
            request, agreed, form="online", field="material", errors=errors
        )
        if not errors:
            number = _submit_once(
                request,
                key,
                ONLINE_SCOPE,
                {"agreed": agreed.pk},
                errors,
                partner=agreed.partner,
                mode=Mode.ONLINE,
                matter=agreed.matter,
                materials=materials,
                **values,
            )
            if number is not None:
                kept_forget(request, "online", agreed)
                return redirect("apply:detail", number=number)
    known = {f"material.{n}" for n in range(1, len(agreed.materials or []) + 1)}
    known |= {"delivery_method", "delivery_address"}
    return render(
        request,
        "exchange/online_apply.html",
        {
            "agreed": agreed,
            "matter": agreed.matter,
            "rows": material_rows(agreed, errors, kept),
            "options": options,
            "values": values,
            "errors": errors,
            "idempotency_key": key,
            "general": [message for key, message in errors.items() if key not in known],
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------- 多地联办 from a theme

JOINT_SCOPE = "exchange.joint"


class _JointForm:
    """What the kept-files helper needs of an agreement: the materials and a slot id."""

    def __init__(self, theme: Any, materials: list[str]):
        self.pk = f"theme-{theme.pk}"
        self.materials = materials


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def joint_apply(request: HttpRequest, code: str) -> HttpResponse:
    """One application for a theme with steps in two regions: the partner's sub-cases are
    handed over signed with the unified materials, ours are handled here."""
    theme = Theme.objects.filter(code=code, status=Theme.Status.PUBLISHED).first()
    offer = joint_offer(theme)
    if offer is None:
        raise Http404("该主题不能多地联办")
    form = _JointForm(theme, offer["materials"])
    ways = [d for d in offer["delivery"] if d in Delivery.values] or list(Delivery.values)
    options = [(d, Delivery(d).label) for d in ways]
    errors: dict[str, str] = {}
    values = {"delivery_method": options[0][0], "delivery_address": ""}
    kept: dict[int, dict[str, Any]] = {}
    key = idempotency_key(request)
    if request.method == "GET":
        kept_forget(request, "joint", form)
    else:
        first = replayed(request, JOINT_SCOPE)
        if first is not None:
            return redirect("apply:detail", number=first["number"])
        values = {
            "delivery_method": request.POST.get("delivery_method", "").strip()[:10],
            "delivery_address": request.POST.get("delivery_address", "").strip()[:ADDRESS_MAX],
        }
        materials, kept = material_files(
            request, form, form="joint", field="material", errors=errors
        )
        if not errors:
            number = _submit_once(
                request,
                key,
                JOINT_SCOPE,
                {"theme": theme.pk},
                errors,
                partner=offer["partner"],
                mode=Mode.JOINT,
                theme=theme,
                materials=materials,
                **values,
            )
            if number is not None:
                kept_forget(request, "joint", form)
                return redirect("apply:detail", number=number)
    known = {f"material.{n}" for n in range(1, len(form.materials) + 1)}
    known |= {"delivery_method", "delivery_address"}
    return render(
        request,
        "exchange/joint_apply.html",
        {
            "offer": offer,
            "theme": theme,
            "rows": material_rows(form, errors, kept),
            "options": options,
            "values": values,
            "errors": errors,
            "idempotency_key": key,
            "general": [message for key, message in errors.items() if key not in known],
        },
        status=400 if errors else 200,
    )
