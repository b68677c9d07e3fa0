"""Reads of the remote window: a waiting person's place among the remote tickets, the
session page's state, the clerk's console."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import mean
from typing import Any

from django.db.models import Q
from django.utils import timezone

from yishi.core.crypto import mask
from yishi.core.display import mask_name
from yishi.core.errors import PermissionDeniedError
from yishi.hall import services as hall
from yishi.hall.models import Ticket, Window, WindowSession
from yishi.remote import services
from yishi.remote.models import RemoteMessage, RemoteSession

TS = Ticket.Status


@dataclass
class Place:
    ahead: int
    wait_minutes: int


def _remote_waiting(outlet_id: int, day) -> Any:
    return Ticket.objects.filter(
        outlet_id=outlet_id, day=day, channel=Ticket.Channel.REMOTE, status=TS.WAITING
    )


def position(session: RemoteSession) -> Place | None:
    """People ahead among the outlet's remote tickets (the calling rule's order) and an
    estimate: ahead × today's mean remote service time ÷ remote windows staffed."""
    t = session.ticket
    if t.status != TS.WAITING:
        return None
    ahead = (
        _remote_waiting(t.outlet_id, t.day)
        .filter(Q(virtual_at__lt=t.virtual_at) | Q(virtual_at=t.virtual_at, pk__lt=t.pk))
        .count()
    )
    durations = [
        (end - start).total_seconds() / 60
        for start, end in Ticket.objects.filter(
            outlet_id=t.outlet_id,
            day=t.day,
            channel=Ticket.Channel.REMOTE,
            status=TS.DONE,
            served_started_at__isnull=False,
        ).values_list("served_started_at", "finished_at")
    ]
    per = mean(durations) if durations else float(t.queue.mean_service_minutes)
    windows = max(
        1,
        WindowSession.objects.filter(
            ended_at__isnull=True, window__outlet_id=t.outlet_id, window__kind=Window.Kind.REMOTE
        ).count(),
    )
    return Place(ahead=ahead, wait_minutes=math.ceil(ahead * per / windows) if ahead else 0)


def status_of(session: RemoteSession) -> dict[str, Any]:
    place = position(session)
    return {
        "status": session.status,
        "status_label": session.get_status_display(),
        "number": session.ticket.number,
        "ahead": place.ahead if place else None,
        "wait_minutes": place.wait_minutes if place else None,
    }


def fields_of(session: RemoteSession) -> list[dict[str, str]]:
    data = services.form_data(session)
    return [
        {"key": k, "label": label, "value": data.get(k, "")}
        for k, label in services.FORM_FIELDS.items()
    ]


def session_context(session: RemoteSession) -> dict[str, Any]:
    """What both session pages show (each page picks its part)."""
    check = session.identity_checks.order_by("-checked_at").first()
    return {
        "s": session,
        "fields": fields_of(session),
        "digest": services.form_digest(session),
        "chat": list(RemoteMessage.objects.filter(session=session).order_by("at", "id")[:200]),
        "check": check,
        "masked_id": mask(session.person.id_number),
        "masked_name": mask_name(session.person.name, fallback="群众"),
        "point_label": session.point.name if session.point_id else "本人手机",
    }


def staffable_windows(user: Any) -> list[Window]:
    """Remote windows the user may sign on at (hall: window staff of the outlet's centre)."""
    return [
        w
        for w in services.remote_windows().order_by("outlet__code", "number")
        if _may_staff(user, w.outlet)
    ]


def _may_staff(user: Any, outlet: Any) -> bool:
    try:
        hall.require_staff(user, outlet)
    except PermissionDeniedError:
        return False
    return True


def on_duty(user: Any) -> Window | None:
    """The remote window the user is signed on at, if any."""
    s = (
        WindowSession.objects.filter(
            staff_id=user.pk, ended_at__isnull=True, window__kind=Window.Kind.REMOTE
        )
        .select_related("window__outlet")
        .first()
    )
    return s.window if s else None


def waiting_rows(window: Window) -> list[dict[str, Any]]:
    """Remote tickets waiting at the window's outlet today, in calling order (masked)."""
    tickets = (
        _remote_waiting(window.outlet_id, timezone.localdate())
        .select_related("matter", "person", "remote_session__point")
        .order_by("virtual_at", "id")[:50]
    )
    rows = []
    for t in tickets:
        session = getattr(t, "remote_session", None)
        rows.append(
            {
                "number": t.number,
                "matter": t.matter.name if t.matter_id else "",
                "who": mask_name(t.person.name if t.person_id else "", fallback="群众"),
                "point": session.point.name if session and session.point_id else "本人手机",
                "arrived": timezone.localtime(t.arrived_at).strftime("%H:%M"),
            }
        )
    return rows
