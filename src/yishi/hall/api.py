"""服务大厅 API: outlets, taking a ticket and following it, calling at a window,
appointments (预约办). Thin: rules live in yishi.hall.services and .queries; domain errors
become problem+json."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from yishi.catalog.models import Matter
from yishi.core.errors import NotFound, ValidationFailed
from yishi.hall import queries, services
from yishi.hall.models import Appointment, AppointmentSlot, Outlet, Queue, Ticket, Window
from yishi.hall.policy import Priority
from yishi.people.models import ApplicantAccount
from yishi.people.queries import account_of
from yishi.themes.models import Theme

router = Router(tags=["服务大厅"])


class TakeIn(Schema):
    queue: str | None = Field(None, description="队列字母（A 综合…），与 matter/theme 任选")
    matter: str | None = Field(None, description="事项实施编码")
    theme: str | None = Field(None, description="一件事主题编码")
    green_reason: str = Field(
        "",
        description="绿色通道适用情形（elderly/disabled/…），留空为普通号。仅为申请："
        "已登录申请人按本人身份证号和登记信息当即核验，其余待窗口工作人员核验，"
        "核验通过前按普通号排队",
    )


class BookIn(Schema):
    slot: int = Field(..., description="预约时段 id")


def _outlet(code: str) -> Outlet:
    outlet = Outlet.objects.filter(code=code, is_active=True).first()
    if outlet is None:
        raise NotFound("服务网点不存在", field="outlet")
    return outlet


def claim_out(ticket: Ticket) -> dict[str, Any] | None:
    """The green-channel claim for the ticket's holder (or staff): reason and state with
    their Chinese labels and what it means for the holder."""
    if not ticket.claim:
        return None
    return {
        "reason": ticket.green_reason,
        "reason_label": ticket.get_green_reason_display(),
        "status": ticket.claim,
        "status_label": ticket.get_claim_display(),
        "message": ticket.claim_message,
        "checked_at": ticket.claim_checked_at,
    }


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    pos = queries.ticket_position(ticket)
    return {
        "token": str(ticket.token),
        "number": ticket.number,
        "outlet": ticket.outlet.code,
        "queue": ticket.queue.letter,
        "priority": Priority(ticket.priority).name.lower(),
        "priority_label": ticket.get_priority_display(),
        "green_claim": claim_out(ticket),
        "status": ticket.status,
        "status_label": ticket.get_status_display(),
        "window": ticket.window.number if ticket.window_id else None,
        "window_label": ticket.window.label if ticket.window_id else "",
        "arrived_at": ticket.arrived_at,
        "called_at": ticket.called_at,
        "ahead": pos.ahead,
        "estimated_wait_minutes": pos.wait_minutes,
        "mean_service_minutes": round(pos.mean_service, 1),
    }


@router.get("hall/outlets", auth=None, summary="服务网点列表")
def outlets(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": o.code,
            "name": o.name,
            "kind": o.kind,
            "kind_label": o.get_kind_display(),
            "address": o.address,
            "latitude": float(o.latitude) if o.latitude is not None else None,
            "longitude": float(o.longitude) if o.longitude is not None else None,
            "sample_location": o.sample_location,
            "opening_hours": o.opening_hours,
            "queues": [
                {"letter": q.letter, "name": q.name, "green": q.is_green} for q in o.queues.all()
            ],
            "waiting": queries.waiting_count(o),
        }
        for o in Outlet.objects.filter(is_active=True).prefetch_related("queues")
    ]


@router.get("hall/outlets/nearest", auth=None, summary="就近办：附近可办理的服务网点")
def nearest(
    request: HttpRequest,
    lat: float = Query(..., ge=-90, le=90, allow_inf_nan=False, description="纬度(WGS-84)"),
    lng: float = Query(..., ge=-180, le=180, allow_inf_nan=False, description="经度(WGS-84)"),
    matter: str | None = Query(None, description="事项实施编码：只列可办理该事项的网点"),
    theme: str | None = Query(None, description="一件事主题编码：只列可办理该主题的网点"),
    limit: int = Query(10, ge=1, le=50, description="最多返回网点数(1–50)"),
) -> dict[str, Any]:
    """Outlets with coordinates, nearest first by great-circle distance (ties by code); with
    a matter or theme only those whose windows or queues handle it."""
    if matter and theme:
        raise ValidationFailed("事项编码与主题编码只能填写其一", field="theme")
    matter_obj = theme_obj = None
    if matter:
        matter_obj = Matter.objects.filter(code=matter).first()
        if matter_obj is None:
            raise ValidationFailed("事项编码不存在", field="matter")
    if theme:
        theme_obj = Theme.objects.filter(code=theme).first()
        if theme_obj is None:
            raise ValidationFailed("主题编码不存在", field="theme")
    rows = queries.nearest_outlets(lat, lng, matter=matter_obj, theme=theme_obj, limit=limit)
    items = []
    for r in rows:
        g_lat, g_lng = r.gcj02
        items.append(
            {
                "code": r.outlet.code,
                "name": r.outlet.name,
                "distance_m": round(r.distance_m, 1),
                "lat": r.lat,
                "lng": r.lng,
                "gcj02": {"lat": round(g_lat, 7), "lng": round(g_lng, 7)},
                "waiting": r.waiting,
                "open_now": r.open_now,
            }
        )
    return {"items": items}


@router.post("hall/outlets/{code}/tickets", auth=None, response={201: dict}, summary="取号")
def take_ticket(request: HttpRequest, code: str, body: TakeIn) -> Status:
    outlet = _outlet(code)
    queue = matter = theme = None
    if body.queue:
        queue = Queue.objects.filter(outlet=outlet, letter=body.queue.upper()).first()
        if queue is None:
            raise ValidationFailed("该网点没有这个队列", field="queue")
    if body.matter:
        matter = Matter.objects.filter(code=body.matter).first()
        if matter is None:
            raise ValidationFailed("事项编码不存在", field="matter")
    if body.theme:
        theme = Theme.objects.filter(code=body.theme).first()
        if theme is None:
            raise ValidationFailed("主题编码不存在", field="theme")
    account = account_of(request.user)  # a signed-in applicant's claim is checked at once
    ticket = services.ticket_take(
        outlet=outlet,
        queue=queue,
        matter=matter,
        theme=theme,
        priority=Priority.GREEN if body.green_reason else Priority.ORDINARY,
        green_reason=body.green_reason,
        person=account.person if account else None,
        actor=account.user if account else "",
        channel=Ticket.Channel.API,
        client_key=services.client_key_for(f"addr:{request.META.get('REMOTE_ADDR', '')}"),
        client_limit=settings.YISHI_HALL_TICKETS_PER_API_CLIENT,
    )
    return Status(201, ticket_out(ticket))


def _ticket(token: str) -> Ticket:
    try:
        key = uuid.UUID(token)
    except ValueError as exc:
        raise NotFound("排队号不存在", field="token") from exc
    ticket = Ticket.objects.select_related("outlet", "queue", "window").filter(token=key).first()
    if ticket is None:
        raise NotFound("排队号不存在", field="token")
    return ticket


@router.get("hall/tickets/{token}", auth=None, summary="排队号状态、前面人数与预计等候")
def ticket_status(request: HttpRequest, token: str) -> dict[str, Any]:
    return ticket_out(_ticket(token))


@router.post("hall/windows/{window_id}/call-next", auth=django_auth, summary="叫下一位")
def call_next(request: HttpRequest, window_id: int) -> dict[str, Any]:
    window = Window.objects.select_related("outlet").filter(pk=window_id).first()
    if window is None:
        raise NotFound("窗口不存在", field="window")
    ticket = services.ticket_call_next(window=window, staff=request.user)
    return {"ticket": ticket_out(ticket) if ticket else None}


def slot_out(slot: AppointmentSlot) -> dict[str, Any]:
    return {
        "id": slot.pk,
        "outlet": slot.outlet.code,
        "matter": slot.matter.code,
        "starts_at": slot.starts_at,
        "capacity": slot.capacity,
        "available": max(0, slot.capacity - slot.booked),
    }


@router.get("hall/outlets/{code}/slots", auth=None, summary="可预约时段")
def slots(request: HttpRequest, code: str, matter: str, day: dt.date) -> list[dict[str, Any]]:
    outlet = _outlet(code)
    return [
        slot_out(s)
        for s in AppointmentSlot.objects.filter(
            outlet=outlet, matter__code=matter, starts_at__date=day
        ).select_related("outlet", "matter")
    ]


def appointment_out(a: Appointment) -> dict[str, Any]:
    return {
        "code": a.code,
        "status": a.status,
        "status_label": a.get_status_display(),
        "slot": slot_out(a.slot),
        "ticket": a.ticket.number if a.ticket_id else None,
    }


@router.post("hall/appointments", auth=django_auth, response={201: dict}, summary="预约")
def book(request: HttpRequest, body: BookIn) -> Status:
    slot = AppointmentSlot.objects.select_related("outlet", "matter").filter(pk=body.slot).first()
    if slot is None:
        raise ValidationFailed("预约时段不存在", field="slot")
    account = ApplicantAccount.objects.filter(user=request.user).select_related("person").first()
    appointment = services.appointment_book(
        user=request.user, slot=slot, person=account.person if account else None
    )
    return Status(201, appointment_out(appointment))


@router.get("hall/appointments", auth=django_auth, summary="我的预约")
def my_appointments(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        appointment_out(a)
        for a in Appointment.objects.filter(user=request.user).select_related(
            "slot__outlet", "slot__matter", "ticket"
        )
    ]


def _appointment(code: str) -> Appointment:
    a = (
        Appointment.objects.select_related("slot__outlet", "slot__matter", "ticket")
        .filter(code=code.upper())
        .first()
    )
    if a is None:
        raise NotFound("预约不存在", field="appointment")
    return a


@router.post("hall/appointments/{code}/cancel", auth=django_auth, summary="取消预约")
def cancel(request: HttpRequest, code: str) -> dict[str, Any]:
    a = services.appointment_cancel(appointment=_appointment(code), user=request.user)
    return appointment_out(_appointment(a.code))


@router.post("hall/appointments/{code}/check-in", auth=None, summary="预约签到取号")
def check_in(request: HttpRequest, code: str) -> dict[str, Any]:
    a = _appointment(code)
    if timezone.localdate(a.slot.starts_at) != timezone.localdate():
        raise ValidationFailed("只能在预约当天签到", field="appointment")
    ticket = services.appointment_check_in(appointment=a)
    return ticket_out(ticket)
