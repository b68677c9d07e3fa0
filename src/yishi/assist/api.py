"""帮办代办 API: the figures (响应率, 解决率, 满意度, median first response) for staff, and a
signed-in person's requests: ask for a chat or a call-back, list, post a chat line. Thin:
rules live in yishi.assist.services, .queries and .access; domain errors come back as
problem+json. Anonymous chats are made on the pages (their access rides on the session)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from yishi.assist import access, queries, services
from yishi.assist.models import AssistRequest
from yishi.cases.models import Application
from yishi.catalog.models import Department
from yishi.core.errors import NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.labels import API_FIELD_LABELS
from yishi.people.queries import account_of

router = Router(tags=["帮办代办"], auth=django_auth)

for _key, _label in {
    "channel": "帮办方式",
    "question": "问题描述",
    "preferred_at": "期望回电时间",
    "draft_id": "草稿",
    "consent": "同意查看草稿",
    "request_id": "帮办请求",
}.items():
    API_FIELD_LABELS.setdefault(_key, _label)


# "from" is a Python keyword: the parameters are named start/end and aliased.
FROM_QUERY = Query(None, alias="from", description="起始日期(含)")
TO_QUERY = Query(None, alias="to", description="截止日期(含)")


class StatsOut(Schema):
    requests: int
    response_rate: float | None = Field(None, description="首次响应在服务时限内的比例(0–1)")
    resolution_rate: float | None = Field(None, description="已解决的比例(0–1)")
    satisfaction_rate: float | None = Field(None, description="评价为3–5级的比例(0–1)")
    median_first_response_s: int | None = Field(None, description="首次响应时长中位数(秒)")
    median_handling_s: int | None = Field(None, description="办理时长中位数(秒)")


class RequestIn(Schema):
    channel: Literal["chat", "callback"]
    question: str = Field("", max_length=1000)
    phone: str = Field("", max_length=20, description="预约回电的手机号码")
    preferred_at: dt.datetime | None = None
    department: str | None = Field(None, max_length=30, description="部门编码")
    draft_id: int | None = Field(None, ge=1, le=2**62)
    consent: bool = False


class MessageIn(Schema):
    body: str = Field(..., max_length=1000)


def _department(code: str | None) -> Department | None:
    if not code:
        return None
    found = Department.objects.filter(code=code).first()
    if found is None:
        raise ValidationFailed("部门不存在", field="department")
    return found


def request_out(a: AssistRequest) -> dict[str, Any]:
    return {
        "id": a.pk,
        "channel": a.channel,
        "channel_label": a.get_channel_display(),
        "status": a.status,
        "status_label": a.get_status_display(),
        "department": a.department.code if a.department_id else None,
        "created_at": a.created_at,
        "first_response_at": a.first_response_at,
        "concluded_at": a.concluded_at,
        "draft_id": a.draft_id,
        "consent": a.draft_consent,
    }


@router.get("/assist/stats", response=StatsOut, summary="帮办代办统计：响应率、解决率、满意度")
def stats(
    request: HttpRequest,
    start: dt.date | None = FROM_QUERY,
    end: dt.date | None = TO_QUERY,
    department: str | None = Query(None, max_length=30, description="部门编码"),
) -> dict[str, Any]:
    if not access.is_staff_member(request.user):
        raise PermissionDeniedError("只有工作人员可以查看帮办统计", field="user")
    if start and end and end < start:
        raise ValidationFailed("截止日期不能早于起始日期", field="to")
    dept = _department(department)
    qs = queries.counted(start=start, end=end, department_id=dept.pk if dept else None)
    return queries.figures(qs).as_api()


@router.get("/assist/requests", summary="我的帮办请求（工作人员：可见的待处理请求）")
def request_list(request: HttpRequest) -> list[dict[str, Any]]:
    if account_of(request.user) is not None:
        qs = access.own_requests(request.user, None)
    elif access.is_assist_staff(request.user):
        qs = queries.console_rows(access.staff_requests(request.user))
    else:
        raise PermissionDeniedError("只有申请人或帮办人员可以查看", field="user")
    return [request_out(a) for a in qs.select_related("department")[:100]]


@router.post("/assist/requests", response={201: dict}, summary="请求帮办：在线帮办或预约回电")
def request_create(request: HttpRequest, body: RequestIn) -> Status:
    if account_of(request.user) is None:
        raise PermissionDeniedError("只有申请人可以请求帮办", field="user")
    dept = _department(body.department)
    if body.channel == "callback":
        made = services.callback_request(
            user=request.user,
            phone=body.phone,
            preferred_at=body.preferred_at,
            question=body.question,
            department=dept,
        )
    else:
        made = services.chat_open(
            user=request.user,
            question=body.question,
            draft=Application(pk=body.draft_id) if body.draft_id else None,
            consent=body.consent,
            department=dept,
        )
    return Status(201, request_out(made))


@router.post("/assist/requests/{request_id}/messages", response={201: dict}, summary="发送帮办消息")
def message_create(request: HttpRequest, request_id: int, body: MessageIn) -> Status:
    found = AssistRequest.objects.select_related("account").filter(pk=request_id).first()
    if found is None or not access.may_join(request.user, None, found):
        raise NotFound("帮办请求不存在", field="request_id")
    as_clerk = not access.is_owner(request.user, None, found)
    message = services.message_post(
        request=found, user=request.user, body=body.body, as_clerk=as_clerk
    )
    return Status(201, services.message_payload(message))
