"""Pages of the service hall. Public: take a ticket (kiosk/phone), the ticket's live status,
the calling screen. Staff: the outlets, a window's console, the day's dashboard. Thin: rules
live in services and queries; live parts are fragments polled every 1.5 s."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from urllib.parse import quote, urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yishi.cases.models import Application
from yishi.catalog.models import Matter
from yishi.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from yishi.core.roles import Role, has_role
from yishi.hall import queries, services
from yishi.hall.models import (
    Appointment,
    AppointmentSlot,
    GreenChannelRequest,
    Outlet,
    Queue,
    Ticket,
    Window,
    WindowSession,
)
from yishi.hall.policy import Priority
from yishi.people.models import ApplicantAccount, Person
from yishi.people.queries import account_of, company_by_uscc
from yishi.people.services import person_lookup, person_register

POLL_MS = 1500


def _outlet(code: str) -> Outlet:
    return get_object_or_404(Outlet, code=code, is_active=True)


# ---------------------------------------------------------------- public pages


def outlets(request: HttpRequest) -> HttpResponse:
    """The district's service outlets: where to take a ticket, book, check in, watch calls;
    a small map of them above the list."""
    rows = [
        {
            "outlet": outlet,
            "waiting": queries.waiting_count(outlet),
            "open_now": queries.is_open(outlet),
            "hours": queries.opening_hours_on(outlet, timezone.localdate()),
        }
        for outlet in Outlet.objects.order_by("kind", "code")
    ]
    on_map = queries.outlets_on_map(Outlet.objects.filter(is_active=True).order_by("kind", "code"))
    return render(
        request,
        "hall/outlets.html",
        {"rows": rows, **map_context([map_card(r) for r in on_map])},
    )


# ---------------------------------------------------------------- the service map


def _nav_links(row: queries.OutletOnMap) -> list[tuple[str, str]]:
    """Navigation links of the public URI schemes of 高德 and 腾讯 (GCJ-02) and 百度 (BD-09)."""
    if not row.has_location:
        return []
    name = quote(row.outlet.name, safe="")
    g_lat, g_lng = row.gcj02
    b_lat, b_lng = row.bd09
    return [
        (
            "高德地图",
            f"https://uri.amap.com/marker?position={g_lng:.6f},{g_lat:.6f}&name={name}"
            "&coordinate=gaode&callnative=1",
        ),
        (
            "腾讯地图",
            f"https://apis.map.qq.com/uri/v1/marker?marker=coord:{g_lat:.6f},{g_lng:.6f}"
            f";title:{name}&referer=yishi",
        ),
        (
            "百度地图",
            f"https://api.map.baidu.com/marker?location={b_lat:.6f},{b_lng:.6f}&title={name}"
            f"&content={name}&output=html&coord_type=bd09ll&src=yishi",
        ),
    ]


def map_card(row: queries.OutletOnMap) -> dict:
    """What a marker's card and the list item show about one outlet."""
    o = row.outlet
    d = row.distance_m
    return {
        "row": row,
        "distance_text": ""
        if d is None
        else (f"{d / 1000:.1f} 公里" if d >= 1000 else f"{round(d)} 米"),
        "outlet": o,
        "hours_today": "、".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in row.hours),
        "nav": _nav_links(row),
        "take_url": reverse("hall_public:take", args=[o.code]),
        "book_url": reverse("hall_public:book", args=[o.code]),
        "matters_url": reverse("portal:search"),
    }


MAP_LAYERS = list(Outlet.Kind.choices)


def _tile_attribution(url: str) -> str:
    host = urlsplit(url).netloc
    if "openstreetmap" in host:
        return "© OpenStreetMap contributors"
    if "tianditu" in host:
        return "© 天地图"
    return ""


def map_context(cards: list[dict]) -> dict:
    """Template context of a map: the cards, the markers' data for map.js, the tile URL, and
    each layer with how many outlets sit on it (an empty layer says so instead of hiding)."""
    counts = {kind: 0 for kind, _ in MAP_LAYERS}
    for c in cards:
        for kind in c["row"].layers:
            counts[kind] = counts.get(kind, 0) + 1
    return {
        "cards": cards,
        "layers": [(kind, label, counts[kind]) for kind, label in MAP_LAYERS],
        "map_data": {
            "tiles": settings.MAP_TILE_URL,
            "attribution": _tile_attribution(settings.MAP_TILE_URL),
            "layers": [{"kind": k, "label": str(label)} for k, label in MAP_LAYERS],
            "outlets": [
                {
                    "code": c["outlet"].code,
                    "name": c["outlet"].name,
                    "kind": c["outlet"].kind,
                    "layers": list(c["row"].layers),
                    "lat": c["row"].lat,
                    "lng": c["row"].lng,
                }
                for c in cards
                if c["row"].has_location
            ],
        },
    }


def service_map(request: HttpRequest) -> HttpResponse:
    """政务服务数字地图: every active outlet on a map by layer, with the same cards as a list
    (readable without tiles or JavaScript)."""
    rows = queries.outlets_on_map(Outlet.objects.filter(is_active=True).order_by("kind", "code"))
    return render(request, "hall/map.html", map_context([map_card(r) for r in rows]))


def _client(request: HttpRequest, *, kiosk: bool) -> dict:
    """The phone's session as the client taking tickets (bounded per outlet and day); a
    staff-opened kiosk is not bounded."""
    if kiosk:
        return {}
    if request.session.session_key is None:
        request.session.save()
    return {
        "client_key": services.client_key_for(f"session:{request.session.session_key}"),
        "client_limit": settings.YISHI_HALL_TICKETS_PER_PHONE,
    }


def take(request: HttpRequest, code: str) -> HttpResponse:
    """取号: choose the business (queue); the eligible may ask for the green channel."""
    outlet = _outlet(code)
    queues = list(Queue.objects.filter(outlet=outlet, is_green=False))
    error, status = None, 200
    # A kiosk is the centre's device, opened by staff: many people take tickets on it.
    kiosk = bool(request.GET.get("kiosk")) and request.user.is_staff
    if request.method == "POST":
        letter = request.POST.get("queue", "")
        queue = next((q for q in queues if q.letter == letter), None)
        reason = request.POST.get("green_reason", "")
        # A signed-in applicant's claim is checked against their own registry entry; on a
        # kiosk (or signed out) the claim waits for a clerk to see the documents.
        account = None if kiosk else account_of(request.user)
        try:
            if queue is None:
                raise ValidationFailed("请选择办理业务", field="queue")
            ticket = services.ticket_take(
                outlet=outlet,
                queue=queue,
                priority=Priority.GREEN if reason else Priority.ORDINARY,
                green_reason=reason,
                person=account.person if account else None,
                channel=Ticket.Channel.KIOSK if kiosk else Ticket.Channel.PHONE,
                actor=account.user if account else "",
                **_client(request, kiosk=kiosk),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            return redirect("hall_public:ticket", token=ticket.token)
    return render(
        request,
        "hall/take.html",
        {
            "outlet": outlet,
            "queues": queues,
            "reasons": GreenChannelRequest.Reason.choices,
            "signed_in": not kiosk and account_of(request.user) is not None,
            "error": error,
            "waiting": queries.waiting_count(outlet),
            "open_now": queries.is_open(outlet),
            "hours": queries.opening_hours_on(outlet, timezone.localdate()),
        },
        status=status,
    )


def _ticket(token: str) -> Ticket:
    try:
        key = uuid.UUID(str(token))
    except ValueError as exc:
        raise Http404("排队号不存在") from exc
    return get_object_or_404(Ticket.objects.select_related("outlet", "queue", "window"), token=key)


def _qr_svg(url: str) -> str:
    """The ticket page's address as an inline SVG QR code (scan the kiosk slip with a phone)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False)
    return out.getvalue().decode()


def poster(request: HttpRequest, code: str) -> HttpResponse:
    """An outlet's printable poster: its name, address and hours, and a QR code that opens its
    card on the service map on a phone (取号, 预约, 导航 from there)."""
    from yishi.licences.pdf import public_base_url

    outlet = _outlet(code)
    url = f"{public_base_url(request)}{reverse('service_map:index')}#outlet-{outlet.code}"
    return render(request, "hall/poster.html", {"outlet": outlet, "url": url, "qr": _qr_svg(url)})


def ticket_page(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _ticket(token)
    return render(
        request,
        "hall/ticket.html",
        {
            "pos": queries.ticket_position(ticket),
            "t": ticket,
            "poll_ms": POLL_MS,
            "qr": _qr_svg(request.build_absolute_uri()),
        },
    )


def check_in(request: HttpRequest, code: str) -> HttpResponse:
    """预约签到 at the kiosk: the booking code turns into a ticket (priority when on time)."""
    outlet = _outlet(code)
    error, status = None, 200
    if request.method == "POST":
        booking = (
            Appointment.objects.filter(
                code=(request.POST.get("code") or "").strip().upper(), slot__outlet=outlet
            )
            .select_related("slot")
            .first()
        )
        try:
            if booking is None:
                raise ValidationFailed("预约码不存在，请核对", field="code")
            ticket = services.appointment_check_in(appointment=booking)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            return redirect("hall_public:ticket", token=ticket.token)
    return render(request, "hall/check_in.html", {"outlet": outlet, "error": error}, status=status)


@login_required(login_url="/account/login/")
def book(request: HttpRequest, code: str) -> HttpResponse:
    """预约办: pick a matter handled here, then a half-hour slot of the coming days (grouped
    by day); my bookings with cancel."""
    outlet = _outlet(code)
    # Slots are opened for the matters handled at the outlet's windows
    # (services.appointment_slots_open_bookable); offered are those with slots still ahead.
    matters = (
        Matter.objects.filter(
            appointment_slots__outlet=outlet, appointment_slots__starts_at__gt=timezone.now()
        )
        .distinct()
        .order_by("name")
    )
    matter = matters.filter(code=request.GET.get("matter") or "").first()
    if request.method == "POST":
        try:
            if request.POST.get("cancel"):
                booking = Appointment.objects.filter(
                    code=request.POST["cancel"], user=request.user
                ).first()
                if booking is None:
                    raise ValidationFailed("预约不存在", field="appointment")
                services.appointment_cancel(appointment=booking, user=request.user)
                messages.success(request, f"已取消预约 {booking.code}")
            else:
                slot = AppointmentSlot.objects.filter(
                    pk=request.POST.get("slot") or 0, outlet=outlet
                ).first()
                if slot is None:
                    raise ValidationFailed("请选择预约时段", field="slot")
                account = ApplicantAccount.objects.filter(user=request.user).first()
                booking = services.appointment_book(
                    user=request.user, slot=slot, person=account.person if account else None
                )
                messages.success(request, f"预约成功，预约码 {booking.code}，请按时到厅签到")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    days = queries.open_slots_by_day(outlet, matter) if matter else []
    mine = Appointment.objects.filter(user=request.user, slot__outlet=outlet).select_related(
        "slot__matter", "ticket"
    )[:20]
    return render(
        request,
        "hall/book.html",
        {
            "outlet": outlet,
            "matters": matters,
            "matter": matter,
            "days": days,
            "mine": mine,
        },
    )


@never_cache
def ticket_status(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _ticket(token)
    return render(
        request, "hall/_ticket_status.html", {"pos": queries.ticket_position(ticket), "t": ticket}
    )


def screen(request: HttpRequest, code: str) -> HttpResponse:
    outlet = _outlet(code)
    return render(
        request,
        "hall/screen.html",
        {
            "outlet": outlet,
            "calls": queries.screen_calls(outlet),
            "poll_ms": POLL_MS,
            "waiting": queries.waiting_count(outlet),
        },
    )


@never_cache
def screen_calls(request: HttpRequest, code: str) -> HttpResponse:
    outlet = _outlet(code)
    return render(
        request,
        "hall/_screen_calls.html",
        {
            "outlet": outlet,
            "calls": queries.screen_calls(outlet),
            "waiting": queries.waiting_count(outlet),
        },
    )


# ---------------------------------------------------------------- staff pages


def _forbidden(request: HttpRequest, outlet: Outlet | None = None) -> HttpResponse | None:
    try:
        services.require_staff(request.user, outlet)
    except DomainError as exc:
        return render(
            request,
            "workbench/forbidden.html",
            {"needed": "窗口人员或管理员", "reason": exc.message},
            status=403,
        )
    return None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if refused := _forbidden(request):
        return refused
    outlets = Outlet.objects.filter(is_active=True).prefetch_related("windows")
    mine = (
        WindowSession.objects.filter(staff=request.user, ended_at__isnull=True)
        .select_related("window__outlet")
        .first()
    )
    return render(
        request, "hall/index.html", {"outlets": outlets, "mine": mine, "nav_title": "服务大厅"}
    )


def _window_context(request: HttpRequest, window: Window) -> dict:
    session = (
        WindowSession.objects.filter(window=window, ended_at__isnull=True)
        .select_related("staff")
        .first()
    )
    current = services.window_current(window)
    others = Window.objects.filter(outlet=window.outlet, is_active=True).exclude(pk=window.pk)
    waiting = list(
        Ticket.objects.filter(
            services._skill_filter(window), outlet=window.outlet, day=timezone.localdate()
        )
        .select_related("queue", "claim_checked_by")
        .order_by("virtual_at", "id")[:10]
    )
    return {
        "claims": queries.pending_claims(window.outlet),
        "window": window,
        "session": session,
        "on_duty": session is not None and session.staff_id == request.user.pk,
        "current": current,
        "others": others,
        "waiting": waiting,
        "max_recalls": services.max_recalls(),
        "nav_title": f"{window.outlet.name} · {window.label}",
    }


@login_required
def window_page(request: HttpRequest, window_id: int) -> HttpResponse:
    window = get_object_or_404(Window.objects.select_related("outlet"), pk=window_id)
    if refused := _forbidden(request, window.outlet):
        return refused
    return render(request, "hall/window.html", _window_context(request, window))


@login_required
@never_cache
def window_waiting(request: HttpRequest, window_id: int) -> HttpResponse:
    window = get_object_or_404(Window.objects.select_related("outlet"), pk=window_id)
    if refused := _forbidden(request, window.outlet):
        return refused
    return render(request, "hall/_window_waiting.html", _window_context(request, window))


def _claim_ticket(request: HttpRequest, window: Window) -> Ticket:
    """The ticket of this window's outlet named in the form (404 for any other)."""
    try:
        pk = int(request.POST.get("ticket") or 0)
    except ValueError:
        pk = 0
    return get_object_or_404(Ticket, pk=pk, outlet=window.outlet)


@login_required
@require_POST
def window_action(request: HttpRequest, window_id: int, action: str) -> HttpResponse:
    window = get_object_or_404(Window.objects.select_related("outlet"), pk=window_id)
    if refused := _forbidden(request, window.outlet):
        return refused
    user = request.user
    current = services.window_current(window)
    try:
        if action == "claim-confirm":
            t = services.ticket_claim_confirm(ticket=_claim_ticket(request, window), staff=user)
            messages.success(request, f"{t.number} 绿色通道已核验，按绿色通道优先叫号")
        elif action == "claim-reject":
            t = services.ticket_claim_reject(
                ticket=_claim_ticket(request, window),
                staff=user,
                note=request.POST.get("note", ""),
            )
            messages.info(request, f"{t.number} 绿色通道未通过核验，按普通号排队")
        elif action == "sign-on":
            session = services.window_sign_on(window=window, staff=user)
            messages.success(request, f"已在{window.label}上岗")
            # Checks registered by other apps (持证上岗 in warn mode) may let one on with a word.
            for warning in getattr(session, "warnings", ()):
                messages.warning(request, warning)
        elif action == "sign-off":
            services.window_sign_off(window=window, staff=user)
            messages.success(request, f"已从{window.label}离岗")
        elif action in ("call", "finish-next"):
            ticket = services.ticket_call_next(
                window=window, staff=user, finish_current=action == "finish-next"
            )
            if ticket is None:
                messages.info(request, "当前没有本窗口可办理的等候号")
            else:
                messages.success(request, f"请 {ticket.number} 号到{window}办理")
        elif current is None:
            raise Conflict("本窗口当前没有在办的号", field="ticket")
        elif action == "recall":
            t = services.ticket_recall(ticket=current, staff=user)
            if t.status == Ticket.Status.NO_SHOW:
                messages.info(request, f"{t.number} 多次呼叫未到，已按过号处理")
            else:
                messages.success(request, f"已重呼 {t.number}（第{t.recall_count}次）")
        elif action == "no-show":
            t = services.ticket_no_show(ticket=current, staff=user)
            messages.info(request, f"{t.number} 已按过号处理")
        elif action == "transfer":
            to = Window.objects.filter(
                outlet=window.outlet, pk=request.POST.get("to_window") or 0
            ).first()
            if to is None:
                raise ValidationFailed("请选择要转去的窗口", field="to_window")
            t = services.ticket_transfer(ticket=current, to_window=to, staff=user)
            messages.success(request, f"{t.number} 已转至{to.label}，号码不变")
        elif action == "serve":
            services.ticket_serve_start(ticket=current, staff=user)
            messages.success(request, f"开始办理 {current.number}")
        elif action == "link":
            services.ticket_link_application(
                ticket=current, staff=user, number=request.POST.get("application", "")
            )
            messages.success(request, "已关联办件")
        elif action == "finish":
            number = (request.POST.get("application") or "").strip()
            application = None
            if number:
                application = Application.objects.filter(number=number).first()
                if application is None:
                    raise ValidationFailed("申请编号不存在", field="application")
            t = services.ticket_finish(ticket=current, staff=user, application=application)
            messages.success(request, f"{t.number} 已办结")
        else:
            raise Http404("未知操作")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("hall:window", window_id=window.pk)


@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    outlet = _outlet(code)
    if refused := _forbidden(request, outlet):
        return refused
    try:
        day = dt.date.fromisoformat(request.GET.get("day") or "")
    except ValueError:
        day = timezone.localdate()
    m = queries.outlet_day_measures(outlet, day)
    served_chart = queries.bar_chart_svg(
        [(str(w.window), w.served) for w in m.windows], title="各窗口办结量", unit="件"
    )
    util_chart = queries.bar_chart_svg(
        [(str(w.window), round(w.utilisation * 100)) for w in m.windows],
        title="各窗口利用率",
        unit="%",
    )
    return render(
        request,
        "hall/dashboard.html",
        {
            "outlet": outlet,
            "day": day,
            "m": m,
            "served_chart": served_chart,
            "util_chart": util_chart,
            "nav_title": f"{outlet.name} · 运行分析",
            "screen_url": reverse("hall_public:screen", kwargs={"code": outlet.code}),
        },
    )


def _person_for_counter(request: HttpRequest) -> Person | None:
    """The person by ID number (registered on the spot with the name if new), or None."""
    id_number = (request.POST.get("id_number") or "").strip()
    if not id_number:
        return None
    try:
        # The person stands at the counter; the read is still recorded for them to see.
        role = Role.WINDOW if has_role(request.user, Role.WINDOW) else Role.ADMINISTRATOR
        return person_lookup(
            id_number=id_number, actor=request.user, purpose="绿色通道现场登记", role=role.label
        )
    except NotFound:
        name = (request.POST.get("name") or "").strip()
        if not name:
            raise ValidationFailed("该身份证号尚未登记，请填写姓名以便登记", field="name") from None
        return person_register(name=name, id_number=id_number, actor=request.user)


@login_required
def green(request: HttpRequest, code: str) -> HttpResponse:
    """绿色通道: register a request (陪同办/代理办/优先办/上门办), assign, complete."""
    outlet = _outlet(code)
    if refused := _forbidden(request, outlet):
        return refused
    if request.method == "POST":
        try:
            action = request.POST.get("action", "create")
            if action == "create":
                company = None
                uscc = (request.POST.get("uscc") or "").strip()
                if uscc:
                    company = company_by_uscc(uscc)
                    if company is None:
                        raise ValidationFailed("未找到该统一社会信用代码的企业", field="uscc")
                r = services.green_request_create(
                    outlet=outlet,
                    service=request.POST.get("service", ""),
                    reason=request.POST.get("reason", ""),
                    person=_person_for_counter(request),
                    company=company,
                    contact_name=request.POST.get("contact_name", ""),
                    address=request.POST.get("address", ""),
                    note=request.POST.get("note", ""),
                    issue_ticket=bool(request.POST.get("issue_ticket")),
                    actor=request.user,
                )
                extra = f"，绿色通道号 {r.ticket.number}" if r.ticket else ""
                messages.success(request, f"已登记{r.get_service_display()}{extra}")
            else:
                r = get_object_or_404(
                    GreenChannelRequest, pk=request.POST.get("request") or 0, outlet=outlet
                )
                if action == "assign":
                    services.green_request_assign(
                        request=r, staff=request.user, assignee=request.user
                    )
                    messages.success(request, "已由您负责")
                elif action == "complete":
                    services.green_request_complete(
                        request=r, staff=request.user, result=request.POST.get("result", "")
                    )
                    messages.success(request, "已办结")
                else:
                    raise Http404("未知操作")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("hall:green", code=outlet.code)
    rows = GreenChannelRequest.objects.filter(outlet=outlet).select_related(
        "person", "company", "assigned_to", "ticket"
    )[:50]
    return render(
        request,
        "hall/green.html",
        {
            "outlet": outlet,
            "rows": rows,
            "services_": GreenChannelRequest.Service.choices,
            "reasons": GreenChannelRequest.Reason.choices,
            "nav_title": f"{outlet.name} · 绿色通道",
        },
    )
