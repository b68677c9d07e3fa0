"""办不成事反映与体验走流程 API. Thin: rules live in yishi.reports.services, .policy and
.queries. A report or item outside the caller's reach answers 404."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import django_auth

from yishi.core.crypto import mask_phone
from yishi.core.display import mask_name
from yishi.core.labels import API_FIELD_LABELS
from yishi.reports import policy, queries, services
from yishi.reports.models import Improvement, Report, Walk

for _key, _label in {
    "tried": "想办的事",
    "obstacle": "卡在哪里",
    "description": "情况说明",
    "channel": "反映渠道",
    "answer": "答复内容",
    "resolution": "办理结果",
    "satisfaction": "满意度",
    "due_on": "整改期限",
    "problem": "问题",
    "action_taken": "整改情况",
    "walked_on": "走流程日期",
    "steps": "办理经过",
    "minutes": "用时(分钟)",
    "matter_text": "事项说明",
    "problems": "发现的问题",
    "report_id": "反映",
    "improvement_id": "整改事项",
}.items():
    API_FIELD_LABELS.setdefault(_key, _label)

router = Router(tags=["办不成事反映与体验走流程"], auth=django_auth)


class ReportIn(Schema):
    obstacle: str = Field(
        ...,
        description="卡在哪里：where 不知道去哪办、materials 材料太多或重复、trips 多次跑动、"
        "system 系统或网络问题、shirking 窗口推诿、policy 政策不允许、other 其他",
    )
    description: str = Field(..., max_length=4000, description="情况说明")
    tried: str = Field("", max_length=500, description="想办的事（自由填写）")
    matter: str = Field("", max_length=120, description="事项目录中的事项编码或名称（可选）")
    name: str = Field("", max_length=50, description="姓名（可选）")
    phone: str = Field("", max_length=20, description="手机号码；未登录时必填，用于答复")
    outlet: str = Field("", max_length=40, description="网点编码（大厅扫码时带上）")
    channel: str = Field("online", description="online 网上反映，qr 大厅扫码，window 窗口代为登记")


class AnswerIn(Schema):
    answer: str = Field(..., max_length=4000, description="答复内容")
    department: str = Field("", max_length=30, description="责任部门编码（可选）")


class ResolveIn(Schema):
    resolution: str = Field(..., max_length=4000, description="办理结果")


class RatingIn(Schema):
    satisfaction: int = Field(..., ge=1, le=5, description="满意度 1 至 5")
    comment: str = Field("", max_length=1000, description="评价意见")


class ImprovementIn(Schema):
    kind: str = Field(..., description="catalog 事项清单整改，process 办事流程整改")
    change: str = Field(..., max_length=4000, description="整改要求")
    department: str = Field(..., max_length=30, description="责任部门编码")
    due_on: dt.date | None = Field(None, description="整改期限（默认按工作日计算）")
    matter: str = Field("", max_length=120, description="涉及事项编码（默认反映的事项）")
    problem: str = Field("", max_length=4000, description="问题（默认取自反映）")


class ProgressIn(Schema):
    status: str = Field(..., description="in_progress 整改中，done 已完成")
    action_taken: str = Field("", max_length=4000, description="整改情况；完成时必填")


class ProblemIn(Schema):
    problem: str = Field(..., max_length=4000, description="问题")
    department: str = Field("", max_length=30, description="责任部门编码")
    due_on: dt.date | None = Field(None, description="整改期限")
    kind: str = Field("process", description="catalog 或 process")
    change: str = Field("", max_length=4000, description="整改要求")


class WalkIn(Schema):
    kind: str = Field(
        ..., description="director_day 局长服务日，accompany 我陪群众走流程，experience 体验员"
    )
    walked_on: dt.date = Field(..., description="走流程日期")
    steps: str = Field(..., max_length=4000, description="办理经过")
    minutes: int = Field(..., ge=1, description="用时(分钟)")
    matter: str = Field("", max_length=120, description="事项编码或名称")
    matter_text: str = Field("", max_length=200, description="事项说明（目录外时填写）")
    problems: list[ProblemIn] = Field(default_factory=list, description="发现的问题")


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def report_out(report: Report, user: Any) -> dict[str, Any]:
    own = policy.is_reporter(user, report)
    clock = queries.report_clock(report, timezone.localdate())
    return {
        "id": report.pk,
        "number": report.number,
        "channel": report.channel,
        "status": report.status,
        "status_label": report.get_status_display(),
        "matter": report.matter.code if report.matter_id else None,
        "matter_name": report.matter.name if report.matter_id else None,
        "tried": report.tried,
        "obstacle": report.obstacle,
        "obstacle_label": report.get_obstacle_display(),
        "description": report.description,
        "name": report.name if own else mask_name(report.name, fallback=""),
        "phone": report.phone if own else mask_phone(report.phone),
        "department": report.department.code if report.department_id else None,
        "submitted_on": report.submitted_on,
        "answer_due_on": report.answer_due_on,
        "resolve_due_on": report.resolve_due_on,
        "countdown_state": clock.state,
        "answer": report.answer,
        "answered_at": report.answered_at,
        "resolution": report.resolution,
        "resolved_at": report.resolved_at,
        "satisfaction": report.satisfaction,
        "rated_at": report.rated_at,
    }


def improvement_out(item: Improvement) -> dict[str, Any]:
    return {
        "id": item.pk,
        "report": item.report.number if item.report_id else None,
        "walk": item.walk_id,
        "kind": item.kind,
        "matter": item.matter.code if item.matter_id else None,
        "problem": item.problem,
        "change": item.change,
        "department": item.department.code,
        "department_name": item.department.name,
        "due_on": item.due_on,
        "status": item.status,
        "status_label": item.get_status_display(),
        "overdue": queries.item_clock(item).state == queries.OVERDUE,
        "action_taken": item.action_taken,
        "done_at": item.done_at,
    }


def walk_out(walk: Walk) -> dict[str, Any]:
    return {
        "id": walk.pk,
        "kind": walk.kind,
        "kind_label": walk.get_kind_display(),
        "walked_on": walk.walked_on,
        "matter": walk.matter.code if walk.matter_id else None,
        "matter_name": walk.matter_name,
        "steps": walk.steps,
        "minutes": walk.minutes,
        "improvements": [
            improvement_out(i)
            for i in walk.improvements.select_related("department", "matter", "report")
        ],
    }


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@router.post("reports", auth=None, response={201: dict}, summary="反映办不成事")
def create_report(request: HttpRequest, payload: ReportIn) -> HttpResponse:
    report = services.report_create(actor=_user(request), **payload.dict())
    body = (
        report_out(report, _user(request))
        if _user(request)
        else {
            "id": report.pk,
            "number": report.number,
            "status": report.status,
            "answer_due_on": report.answer_due_on,
            "resolve_due_on": report.resolve_due_on,
        }
    )
    body["link"] = f"/reports/r/{services.report_link_token(report)}/"
    return _json(201, body)


@router.get("reports", summary="我能看到的办不成事反映（本人的；工作人员按职责）")
def list_reports(request: HttpRequest, status: str | None = None) -> HttpResponse:
    reports = policy.reports_visible_to(request.user)
    if status:
        if status == "overdue":
            reports = queries.overdue_reports(reports)
        elif status in Report.Status.values:
            reports = reports.filter(status=status)
    return _json(200, [report_out(r, request.user) for r in reports[:200]])


@router.get("reports/{report_id}", summary="办不成事反映详情")
def get_report(request: HttpRequest, report_id: int) -> HttpResponse:
    return _json(200, report_out(policy.report_for(request.user, report_id), request.user))


@router.post("reports/{report_id}/answer", summary="答复（值班领导）")
def answer_report(request: HttpRequest, report_id: int, payload: AnswerIn) -> HttpResponse:
    report = policy.report_for(request.user, report_id)
    done = services.report_answer(report=report, staff=request.user, **payload.dict())
    return _json(200, report_out(done, request.user))


@router.post("reports/{report_id}/resolve", summary="办结（值班领导）")
def resolve_report(request: HttpRequest, report_id: int, payload: ResolveIn) -> HttpResponse:
    report = policy.report_for(request.user, report_id)
    done = services.report_resolve(report=report, staff=request.user, **payload.dict())
    return _json(200, report_out(done, request.user))


@router.post("reports/{report_id}/rating", summary="反映人评价并办结")
def rate_report(request: HttpRequest, report_id: int, payload: RatingIn) -> HttpResponse:
    report = policy.report_for(request.user, report_id)
    done = services.report_rate(report=report, user=request.user, **payload.dict())
    return _json(200, report_out(done, request.user))


@router.post("reports/{report_id}/improvements", response={201: dict}, summary="转为事项或流程整改")
def report_improvement(
    request: HttpRequest, report_id: int, payload: ImprovementIn
) -> HttpResponse:
    report = policy.report_for(request.user, report_id)
    item = services.report_to_improvement(report=report, staff=request.user, **payload.dict())
    return _json(201, improvement_out(item))


@router.get("report-improvements", summary="整改事项（部门负责人看本部门的）")
def list_improvements(request: HttpRequest, status: str | None = None) -> HttpResponse:
    items = policy.improvements_visible_to(request.user)
    if status == "overdue":
        items = queries.overdue_items(items)
    elif status in Improvement.Status.values:
        items = items.filter(status=status)
    return _json(200, [improvement_out(i) for i in items[:500]])


@router.post("report-improvements/{improvement_id}/progress", summary="登记整改进展")
def progress_improvement(
    request: HttpRequest, improvement_id: int, payload: ProgressIn
) -> HttpResponse:
    item = policy.improvement_for(request.user, improvement_id)
    done = services.improvement_progress(item=item, actor=request.user, **payload.dict())
    return _json(200, improvement_out(policy.improvement_for(request.user, done.pk)))


@router.get("walks", summary="走流程记录（本人的；领导按职责）")
def list_walks(request: HttpRequest) -> HttpResponse:
    return _json(200, [walk_out(w) for w in policy.walks_visible_to(request.user)[:200]])


@router.post("walks", response={201: dict}, summary="登记走流程（领导或政务服务体验员）")
def create_walk(request: HttpRequest, payload: WalkIn) -> HttpResponse:
    data = payload.dict()
    walk = services.walk_record(walker=request.user, **data)
    return _json(201, walk_out(walk))
