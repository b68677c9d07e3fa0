"""审管衔接 API: a department's supervision tasks and the recording of results. Thin: rules
live in yishi.supervision.services and .queries. Another department's task answers 404."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import django_auth

from yishi.supervision import queries, services
from yishi.supervision.models import SupervisionTask

router = Router(tags=["审管衔接"], auth=django_auth)


class ResultIn(Schema):
    result: str = Field(..., description="核查结果：compliant（合规）或 non_compliant（不合规）")
    findings: str = Field("", description="核查发现；不合规时必填")
    commitment_false: bool = Field(False, description="是否发现申请人承诺不实")


def task_out(task: SupervisionTask) -> dict[str, Any]:
    clock = queries.countdown(task, timezone.localdate())
    return {
        "id": task.pk,
        "application": task.application.number,
        "subcase": task.subcase_id,
        "matter": task.matter.name,
        "matter_code": task.matter.code,
        "subject": task.application.company.name
        if task.application.company_id
        else task.application.person.name,
        "result_name": task.subcase.result_name,
        "approving_department": task.approving_department.name,
        "supervising_department": task.supervising_department.name,
        "created_on": task.created_on,
        "due_on": task.due_on,
        "countdown_state": clock.state,
        "working_days_left": clock.days_left,
        "status": task.status,
        "status_label": task.get_status_display(),
        "findings": task.findings,
        "commitment_false": task.commitment_false,
        "decided_by": task.decided_by.get_username() if task.decided_by_id else None,
        "decided_at": task.decided_at,
    }


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


@router.get(
    "/supervision/tasks", summary="本部门监管任务（side=approving：本部门审批事项的监管反馈）"
)
def list_tasks(
    request: HttpRequest, status: str | None = None, side: str = queries.SUPERVISING
) -> HttpResponse:
    tasks = queries.filter_status(queries.tasks_visible_to(request.user, side=side), status)
    return _json(200, [task_out(t) for t in tasks.order_by("due_on", "id")[:200]])


@router.get("/supervision/tasks/{task_id}", summary="监管任务详情")
def detail(request: HttpRequest, task_id: int) -> HttpResponse:
    return _json(200, task_out(queries.task_for(request.user, task_id)))


@router.post("/supervision/tasks/{task_id}/result", summary="登记核查结果")
def record_result(request: HttpRequest, task_id: int, payload: ResultIn) -> HttpResponse:
    task = queries.task_for(request.user, task_id)
    done = services.supervision_record_result(
        task=task,
        staff=request.user,
        result=payload.result,
        findings=payload.findings,
        commitment_false=payload.commitment_false,
    )
    return _json(200, task_out(queries.task_for(request.user, done.pk)))
