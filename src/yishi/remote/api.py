"""远程虚拟窗口 API: the matters served remotely (public), taking a remote ticket (an
applicant account), and a session's state (its resident or clerk). Thin: rules live in
yishi.remote.services and .access; domain errors come back as problem+json. The session
itself (video, identity check, the form) runs on its pages and websocket."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from yishi.catalog.models import Matter
from yishi.core.errors import NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.labels import API_FIELD_LABELS
from yishi.hall.models import Outlet
from yishi.remote import access, queries, services
from yishi.remote.models import RemoteSession

router = Router(tags=["远程虚拟窗口"], auth=django_auth)

for _key, _label in {
    "matter": "办理事项",
    "point": "便民服务点",
    "session_id": "远程办理",
    "id_number": "公民身份号码",
    "birth_date": "出生日期",
    "signature": "签名",
    "digest": "确认内容摘要",
    "consent": "录像意愿",
    "seq": "录像片段序号",
    "chunk": "录像片段",
    "identity": "身份核验",
    "confirmation": "申请人确认",
    "form": "申请表",
    "key": "填写项",
}.items():
    API_FIELD_LABELS.setdefault(_key, _label)


class TicketIn(Schema):
    matter: str = Field(..., max_length=60, description="事项编码")
    point: str = Field("", max_length=40, description="便民服务点编码（用自己的手机办理时留空）")


def session_out(session: RemoteSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "number": session.ticket.number,
        "matter": session.ticket.matter.code if session.ticket.matter_id else None,
        **queries.status_of(session),
    }


@router.get("/remote/matters", auth=None, summary="可远程视频办理的事项")
def matter_list(request: HttpRequest) -> list[dict[str, str]]:
    return [{"code": m.code, "name": m.name} for m in services.remote_matters()[:500]]


@router.post("/remote/tickets", response={201: dict}, summary="取远程办理号")
def ticket_take(request: HttpRequest, body: TicketIn) -> Status:
    if not access.is_resident(request.user):
        raise PermissionDeniedError("请先以本人账号登录，再取远程办理号", field="user")
    matter = Matter.objects.filter(code=body.matter).first()
    if matter is None:
        raise ValidationFailed("事项不存在", field="matter")
    point = None
    if body.point:
        point = Outlet.objects.filter(code=body.point).first()
        if point is None:
            raise ValidationFailed("便民服务点不存在", field="point")
    session = services.remote_ticket_take(user=request.user, matter=matter, point=point)
    return Status(201, session_out(session))


@router.get("/remote/sessions/{session_id}", summary="远程办理的状态（本人或办理人员）")
def session_get(request: HttpRequest, session_id: int) -> dict[str, Any]:
    session = (
        RemoteSession.objects.select_related("ticket", "ticket__matter", "ticket__queue")
        .filter(pk=session_id)
        .first()
    )
    if session is None or access.member_role(request.user, session) is None:
        raise NotFound("远程办理不存在", field="session_id")
    return session_out(session)
