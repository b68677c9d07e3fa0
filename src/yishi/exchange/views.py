"""Staff pages: where each cross-region case stands, with its deadlines (on the deciding
region's calendar), its envelopes, and the deciding side's actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yishi.core.errors import DomainError
from yishi.core.idempotency import idempotent
from yishi.core.roles import has_role
from yishi.exchange import pickup, services
from yishi.exchange.forms import idempotency_key, kept_forget, material_files, replayed
from yishi.exchange.models import Crossing, Delivery, Mode, PickupItem
from yishi.exchange.pickup import may_use_shelf, shelf_items
from yishi.exchange.portal_views import delivery_options, material_rows
from yishi.exchange.queries import (
    STAFF_ROLES,
    counter_offers,
    may_receive_at_counter,
    offer_for,
    visible_crossings,
)

# What each kind of envelope is called on the page (the protocol's kinds are codes).
KIND_LABELS = {
    "application": "移交申请",
    "status": "状态通知",
    "supplement_request": "补正通知",
    "supplement_reply": "补正材料",
    "decision": "办理决定",
    "result": "结果文书",
    "delivery": "送达通知",
    "receipt": "回执",
}


def _refuse(request: HttpRequest) -> HttpResponse:
    return render(
        request, "workbench/forbidden.html", {"needed": "窗口人员、审批人员或管理员"}, status=403
    )


def _overdue(crossing: Crossing) -> bool:
    open_ = crossing.status not in (Crossing.Status.DELIVERED, Crossing.Status.REFUSED)
    return bool(open_ and crossing.promised_due and crossing.promised_due < timezone.localdate())


@login_required
def crossing_list(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, *STAFF_ROLES):
        return _refuse(request)
    rows = [{"c": c, "overdue": _overdue(c)} for c in visible_crossings(request.user)[:200]]
    return render(
        request,
        "exchange/crossing_list.html",
        {"rows": rows, "can_receive": may_receive_at_counter(request.user)},
    )


def _visible(request: HttpRequest, ref) -> Crossing:
    crossing = visible_crossings(request.user).filter(ref=ref).first()
    if crossing is None:
        raise Http404("跨域办件不存在")
    return crossing


@login_required
def crossing_detail(request: HttpRequest, ref) -> HttpResponse:
    if not has_role(request.user, *STAFF_ROLES):
        return _refuse(request)
    crossing = _visible(request, ref)
    return render(
        request,
        "exchange/crossing_detail.html",
        {
            "c": crossing,
            "overdue": _overdue(crossing),
            "envelopes": [
                {"e": e, "kind": KIND_LABELS.get(e.kind, e.kind)}
                for e in crossing.envelopes.order_by("at", "id")
            ],
            "delivery_label": (
                Delivery(crossing.delivery_method).label
                if crossing.delivery_method in Delivery.values
                else crossing.delivery_method
            ),
        },
    )


@login_required
@require_POST
def crossing_action(request: HttpRequest, ref, action: str) -> HttpResponse:
    if not has_role(request.user, *STAFF_ROLES):
        return _refuse(request)
    crossing = _visible(request, ref)
    post = request.POST
    try:
        if action == "approve":
            services.crossing_decide(
                crossing=crossing,
                reviewer=request.user,
                approved=True,
                result_name=post.get("result_name", "") or crossing.agreed.result_name,
            )
        elif action == "refuse":
            services.crossing_decide(
                crossing=crossing,
                reviewer=request.user,
                approved=False,
                reason=post.get("reason", ""),
            )
        elif action == "supplement":
            items = [line for line in post.get("items", "").splitlines() if line.strip()]
            services.crossing_request_supplement(
                crossing=crossing, reviewer=request.user, items=items
            )
        elif action == "deliver":
            services.crossing_deliver(
                crossing=crossing,
                staff=request.user,
                method=post.get("method", ""),
                tracking_number=post.get("tracking_number", ""),
                carrier=post.get("carrier", ""),
                pickup_place=post.get("pickup_place", ""),
            )
        else:
            raise Http404("操作不存在")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已办理，信封已排队发往对方地区")
    return redirect("exchange_staff:detail", ref=crossing.ref)


# ---------------------------------------------------------------- 异地代收代办 at our counter

# The fields a refusal of the service may name, shown beside them; any other goes on top.
COUNTER_FIELDS = ("name", "id_number", "phone", "identity_checked", "delivery_method")


def _offer(value: str) -> object | None:
    return offer_for(int(value), Mode.PROXY) if value.isdigit() else None


COUNTER_SCOPE = "exchange.counter"


def _counter_done(request: HttpRequest, body: dict[str, str]) -> HttpResponse:
    return redirect("exchange_staff:detail", ref=body["ref"])


@login_required
def crossing_counter(request: HttpRequest) -> HttpResponse:
    """The clerk receives a partner's matter at our hall: partner and agreed matter, the
    person by ID number (people registry), each material of the unified list checked and
    scanned; then the case goes to the partner (services.crossing_receive_at_counter). Scans
    that passed are kept when something else is refused; a double submit makes one case."""
    if not may_receive_at_counter(request.user):
        return render(
            request, "workbench/forbidden.html", {"needed": "窗口人员或管理员"}, status=403
        )
    data = request.POST if request.method == "POST" else request.GET
    offers = counter_offers()
    agreed = _offer(data.get("agreed", ""))
    errors: dict[str, str] = {}
    values = {k: data.get(k, "").strip()[:200] for k in ("name", "id_number", "phone")}
    values["delivery_address"] = data.get("delivery_address", "").strip()[:200]
    values["delivery_method"] = data.get("delivery_method", "")
    values["identity_checked"] = data.get("identity_checked") == "yes"
    ticked = {k for k in data if k.startswith("checked.") and data.get(k) == "yes"}
    kept: dict[int, dict] = {}
    key = idempotency_key(request)
    if request.method == "GET" and agreed is not None:
        kept_forget(request, "counter", agreed)
    if request.method == "POST":
        first = replayed(request, COUNTER_SCOPE)
        if first is not None:  # a double submit: the case the first one made
            return _counter_done(request, first)
        if agreed is None:
            errors["agreed"] = "请选择合作地区和通办事项"
        else:
            if not values["identity_checked"]:
                errors["identity_checked"] = "请先核验申请人身份（查验居民身份证原件）"
            checked = []
            for n, name in enumerate(agreed.materials or [], 1):
                if f"checked.{n}" in ticked:
                    checked.append(name)
                else:
                    errors[f"checked.{n}"] = f"材料“{name}”尚未核对"
            scans, kept = material_files(
                request,
                agreed,
                form="counter",
                field="scan",
                errors=errors,
                missing="请扫描上传“{}”",
            )
            if not errors:

                def action() -> tuple[int, dict[str, str], int]:
                    application = services.crossing_receive_at_counter(
                        clerk=request.user,
                        agreed=agreed,
                        id_number=values["id_number"],
                        name=values["name"],
                        phone=values["phone"],
                        materials=scans,
                        checked_materials=checked,
                        identity_checked=values["identity_checked"],
                        delivery_method=values["delivery_method"],
                        delivery_address=values["delivery_address"],
                    )
                    crossing = Crossing.objects.get(application=application, agreed=agreed)
                    body = {"number": application.number, "ref": str(crossing.ref)}
                    return 201, body, application.pk

                try:
                    outcome = idempotent(
                        key=key,
                        scope=COUNTER_SCOPE,
                        owner=f"user:{request.user.pk}",
                        request={"agreed": agreed.pk},
                        action=action,
                    )
                except DomainError as exc:
                    errors[exc.field or "form"] = exc.message
                else:
                    kept_forget(request, "counter", agreed)
                    messages.success(
                        request,
                        f"已收件并移交{agreed.partner.name}办理，"
                        f"申请编号 {outcome.body['number']}。",
                    )
                    return _counter_done(request, outcome.body)
    rows = []
    if agreed is not None:
        for row in material_rows(agreed, {}, kept, field="scan"):
            n = row["n"]
            row["checked"] = f"checked.{n}" in ticked
            row["check_error"] = errors.get(f"checked.{n}", "")
            row["scan_error"] = errors.get(f"scan.{n}", "")
            rows.append(row)
    known = {"agreed", "delivery_address", *COUNTER_FIELDS}
    known |= {k for k in errors if k.startswith(("checked.", "scan."))}
    return render(
        request,
        "exchange/counter.html",
        {
            "offers": offers,
            "agreed": agreed,
            "rows": rows,
            "options": delivery_options(agreed) if agreed is not None else [],
            "values": values,
            "errors": errors,
            "idempotency_key": key,
            "general": [m for k, m in errors.items() if k not in known],
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------- the pickup shelf


def _shelf_refuse(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": "窗口人员或管理员"}, status=403)


def _shelf_page(
    request: HttpRequest, status: str, errors: dict[int, str] | None = None, code: int = 200
) -> HttpResponse:
    errors = errors or {}
    rows = list(shelf_items(request.user).filter(status=status).order_by("placed_at", "id")[:200])
    for row in rows:
        row.error = errors.get(row.pk, "")
    return render(
        request,
        "exchange/shelf.html",
        {"rows": rows, "status": status, "tabs": PickupItem.Status.choices},
        status=code,
    )


@login_required
def shelf_list(request: HttpRequest) -> HttpResponse:
    """What waits on the shelves of the clerk's outlets, and what was collected or returned."""
    if not may_use_shelf(request.user):
        return _shelf_refuse(request)
    status = request.GET.get("status", PickupItem.Status.WAITING)
    if status not in PickupItem.Status.values:
        status = PickupItem.Status.WAITING
    return _shelf_page(request, status)


@login_required
@require_POST
def shelf_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if not may_use_shelf(request.user):
        return _shelf_refuse(request)
    if not shelf_items(request.user).filter(pk=pk).exists():
        raise Http404("待领取结果不存在")
    try:
        if action == "handover":
            item = pickup.pickup_hand_over(
                item_id=pk, clerk=request.user, id_number=request.POST.get("id_number", "")
            )
            messages.success(
                request, f"已核验身份并交付“{item.title}”（取件码 {item.shelf_code}）。"
            )
        elif action == "return":
            item = pickup.pickup_return(
                item_id=pk, clerk=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"取件码 {item.shelf_code} 的结果已退回。")
        else:
            raise Http404("操作不存在")
    except DomainError as exc:
        code = exc.status if exc.status in (403, 404, 409) else 400
        return _shelf_page(request, PickupItem.Status.WAITING, {pk: exc.message}, code)
    return redirect("exchange_staff:shelf")
