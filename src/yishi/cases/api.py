"""办件 API: submit and read applications; window and department transitions. Thin: rules
live in yishi.cases.services and .queries. Another applicant's application, or another
department's sub-case, answers 404 (problem+json), never 403."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import django_auth

from yishi.cases import deadlines, queries, services
from yishi.cases.models import Application, Pause, SubCase
from yishi.catalog.models import Matter
from yishi.core import keyset, rows
from yishi.core.errors import ValidationFailed
from yishi.core.idempotency import idempotent_http
from yishi.core.problem import problem_response
from yishi.people.models import Company
from yishi.themes.form_rules import FormInvalid
from yishi.themes.models import Theme

router = Router(tags=["办件"], auth=django_auth)


class SubmitIn(Schema):
    theme: str | None = Field(None, description="一件事主题编码（与 matter 二选一）")
    matter: str | None = Field(None, description="事项实施编码（与 theme 二选一）")
    answers: dict[str, Any] = Field(default_factory=dict, description="情形引导答案")
    form_data: dict[str, Any] = Field(default_factory=dict, description="申请表数据")
    company: str | None = Field(None, description="代表企业申请时的统一社会信用代码")
    service_centre: str | None = Field(
        None, description="受理服务中心的部门编码（默认本区政务服务中心）", max_length=30
    )


class SupplementIn(Schema):
    items: list[str] = Field(..., description="需补正的内容，逐条列出")
    note: str = ""


class ReasonIn(Schema):
    reason: str


class ApproveIn(Schema):
    result_name: str


def subcase_out(subcase: SubCase, today: dt.date) -> dict[str, Any]:
    return {
        "id": subcase.pk,
        "application": subcase.application.number,
        "matter": subcase.matter.name,
        "matter_code": subcase.matter.code,
        "department": subcase.department.name,
        "status": subcase.status,
        "status_label": subcase.get_status_display(),
        "depends_on": sorted(
            subcase.prerequisite_ids
            if hasattr(subcase, "prerequisite_ids")
            else (p.pk for p in subcase.depends_on.all())
        ),
        "started_on": subcase.started_on,
        "promised_due": subcase.promised_due,
        "legal_due": subcase.legal_due,
        "deadline_state": deadlines.deadline_state(subcase.promised_due, today)
        if subcase.status in queries.RUNNING
        else deadlines.OK,
        "result_name": subcase.result_name,
        "reason": subcase.reason,
    }


# What application_out reads of many applications at once: a fixed number of queries for a
# whole page instead of three per application.
PREFETCH = (
    Prefetch(
        "subcases",
        queryset=SubCase.objects.select_related("matter", "department").prefetch_related(
            "depends_on"
        ),
    ),
    Prefetch("pauses", queryset=Pause.objects.filter(ended_on__isnull=True), to_attr="open_pauses"),
)


def application_out(app: Application) -> dict[str, Any]:
    today = timezone.localdate()
    running = app.status == Application.Status.ACCEPTED
    if app.accepted_on is None:
        # Never accepted: no sub-case and no pause (pauses begin after acceptance) to read.
        subcases, open_supplement = [], []
    else:
        subcases = getattr(app, "new_subcases", None)  # just created by the acceptance
        if subcases is not None:
            open_supplement = []
        elif hasattr(app, "open_pauses"):  # prefetched by the list (see PREFETCH)
            subcases = app.subcases.all()
            open_supplement = [item for p in app.open_pauses for item in p.items]
        else:
            subcases = app.subcases.select_related(
                "matter", "department", "application"
            ).prefetch_related("depends_on")
            open_supplement = [
                item for p in app.pauses.filter(ended_on__isnull=True) for item in p.items
            ]
    return {
        "number": app.number,
        "title": app.title,
        "theme": app.theme.code if app.theme_id else None,
        "matter": app.matter.code if app.matter_id else None,
        "company": app.company.uscc if app.company_id else None,
        "status": app.status,
        "status_label": app.get_status_display(),
        "channel": app.channel,
        "supplement_items": app.supplement_items,
        "open_supplement": open_supplement,
        "submitted_at": app.submitted_at,
        "accepted_on": app.accepted_on,
        "completed_at": app.completed_at,
        "promised_due": app.promised_due,
        "legal_due": app.legal_due,
        "deadline_state": deadlines.deadline_state(app.promised_due, today)
        if running
        else deadlines.OK,
        "reason": app.reason,
        "subcases": [subcase_out(s, today) for s in subcases],
    }


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _lookup(model: type, field: str, value: str | None, label: str) -> Any:
    if value is None:
        return None
    obj = rows.first(model, **{field: value})
    if obj is None:
        raise ValidationFailed(f"{label} {value} 不存在", field=label_field(model))
    return obj


def label_field(model: type) -> str:
    return {Theme: "theme", Matter: "matter", Company: "company"}[model]


@router.post(
    "/applications",
    response={201: None},
    summary="提交申请（可带 Idempotency-Key 防重复提交）",
)
def submit(request: HttpRequest, payload: SubmitIn) -> HttpResponse:
    theme = _lookup(Theme, "code", payload.theme, "主题")
    matter = _lookup(Matter, "code", payload.matter, "事项")
    company = _lookup(Company, "uscc", payload.company, "企业")

    def action() -> tuple[int, Any, int]:
        app = services.application_submit(
            user=request.user,
            theme=theme,
            matter=matter,
            answers=payload.answers,
            form_data=payload.form_data,
            company=company,
            service_centre=payload.service_centre,
        )
        return 201, application_out(app), app.pk

    try:
        return idempotent_http(
            request,
            scope=services.SUBMIT_SCOPE,
            payload=payload.dict(),
            action=action,
            required=False,
        )
    except FormInvalid as exc:
        # Every fault of the form in one answer, not one per round trip.
        messages = [e.message for e in exc.errors]
        count = f"申请表有 {len(messages)} 处需要修改："
        return problem_response(
            request,
            status=exc.status,
            title=exc.title,
            detail=messages[0] if len(messages) == 1 else count + "；".join(messages),
            field=exc.field,
            code=exc.code,
            errors=[e.as_dict() for e in exc.errors],
        )


LIST_MAX = 200
OFFSET_MAX = 10_000
COUNT_CAP = 10_000

_PAGED_HEADERS = {
    "Link": {
        "description": '下一页的地址：`<…?cursor=…>; rel="next"`；最后一页没有此头',
        "schema": {"type": "string"},
    },
    "X-Next-Cursor": {
        "description": "下一页的翻页游标（不透明字符串，原样放入 `cursor` 参数）；最后一页没有",
        "schema": {"type": "string"},
    },
}
_LIST_DOC = {
    "responses": {
        200: {
            "description": "一页记录（JSON 数组）",
            "headers": {
                **_PAGED_HEADERS,
                "X-Total-Count": {
                    "description": f"总数；超过 {COUNT_CAP} 时为 {COUNT_CAP}，"
                    "并带 `X-Total-Count-Capped: true`",
                    "schema": {"type": "integer"},
                },
            },
        }
    }
}
_SUBCASES_DOC = {
    "responses": {200: {"description": "一页子件（JSON 数组）", "headers": _PAGED_HEADERS}}
}


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= LIST_MAX:
        raise ValidationFailed(f"每页条数必须在 1 到 {LIST_MAX} 之间", field="limit")


def _paged(request: HttpRequest, body: list, page: keyset.KeysetPage, limit: int) -> HttpResponse:
    """The page as a JSON array (the shape clients already read) and the next page's cursor
    in the Link and X-Next-Cursor headers."""
    response = _json(200, body)
    if page.next_cursor:
        query = urlencode({"limit": limit, "cursor": page.next_cursor})
        response["Link"] = f'<{request.path}?{query}>; rel="next"'
        response["X-Next-Cursor"] = page.next_cursor
    return response


@router.get(
    "/applications",
    summary="我的申请（工作人员：可见范围内的申请），新的在前，分页",
    description=(
        f"`limit` 每页条数 1–{LIST_MAX}（默认 50）。翻页推荐用 `cursor`：首页不带，"
        '下一页的地址在响应头 `Link`（rel="next"），游标也在 `X-Next-Cursor`；'
        "翻到多深都一样快，最后一页没有这两个头。"
        f"`offset` 偏移量仍可用（兼容旧客户端，至多 {OFFSET_MAX}），不能与 `cursor` 同时使用。"
        "总数见响应头 X-Total-Count。"
    ),
    openapi_extra=_LIST_DOC,
)
def list_applications(
    request: HttpRequest, limit: int = 50, offset: int = 0, cursor: str | None = None
) -> HttpResponse:
    _check_limit(limit)
    if offset < 0:
        raise ValidationFailed("偏移量不能为负数", field="offset")
    if offset > OFFSET_MAX:
        raise ValidationFailed(
            f"偏移量不能超过 {OFFSET_MAX}，更深的翻页请用 cursor（见响应头 Link）", field="offset"
        )
    if offset and cursor:
        raise ValidationFailed("cursor 与 offset 不能同时使用", field="cursor")
    visible = queries.applications_visible_to(request.user)
    keys = ("-id",)
    if offset:
        rows = list(
            visible.order_by(*keys).prefetch_related(*PREFETCH)[offset : offset + limit + 1]
        )
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = keyset.encode(rows[-1], keys, scope=APPLICATIONS_SCOPE) if more else None
        page = keyset.KeysetPage(rows=rows, next_cursor=nxt, first=False)
    else:
        page = keyset.page(
            visible.prefetch_related(*PREFETCH),
            keys=keys,
            size=limit,
            cursor=cursor,
            scope=APPLICATIONS_SCOPE,
        )
    response = _paged(request, [application_out(a) for a in page.rows], page, limit)
    total, capped = keyset.capped_count(visible, COUNT_CAP)
    response["X-Total-Count"] = str(total)
    if capped:
        response["X-Total-Count-Capped"] = "true"
    return response


APPLICATIONS_SCOPE = "api.applications"


@router.get("/applications/{number}", summary="申请详情")
def detail(request: HttpRequest, number: str) -> HttpResponse:
    return _json(200, application_out(queries.application_for(request.user, number)))


@router.post("/applications/{number}/accept", summary="受理")
def accept(request: HttpRequest, number: str) -> HttpResponse:
    app = queries.application_for(request.user, number)
    return _json(
        200, application_out(services.application_accept(application=app, staff=request.user))
    )


@router.post("/applications/{number}/supplement", summary="要求补正")
def supplement(request: HttpRequest, number: str, payload: SupplementIn) -> HttpResponse:
    app = queries.application_for(request.user, number)
    app = services.application_request_supplement(
        application=app, staff=request.user, items=payload.items, note=payload.note
    )
    return _json(200, application_out(app))


@router.post("/applications/{number}/supplement-provided", summary="补正材料已提交")
def supplement_provided(request: HttpRequest, number: str) -> HttpResponse:
    app = queries.application_for(request.user, number)
    app = services.application_supplement_provided(application=app, user=request.user)
    return _json(200, application_out(app))


@router.post("/applications/{number}/refuse", summary="不予受理")
def refuse(request: HttpRequest, number: str, payload: ReasonIn) -> HttpResponse:
    app = queries.application_for(request.user, number)
    app = services.application_refuse(application=app, staff=request.user, reason=payload.reason)
    return _json(200, application_out(app))


@router.get(
    "/subcases",
    summary="本部门子件，新的在前，分页",
    description=(
        f"`limit` 每页条数 1–{LIST_MAX}（默认 {LIST_MAX}）。下一页用 `cursor`："
        '地址在响应头 `Link`（rel="next"），游标也在 `X-Next-Cursor`；最后一页没有。'
    ),
    openapi_extra=_SUBCASES_DOC,
)
def list_subcases(
    request: HttpRequest, limit: int = LIST_MAX, cursor: str | None = None
) -> HttpResponse:
    _check_limit(limit)
    today = timezone.localdate()
    page = keyset.page(
        queries.subcases_visible_to(request.user).prefetch_related("depends_on"),
        keys=("-id",),
        size=limit,
        cursor=cursor,
        scope="api.subcases",
    )
    return _paged(request, [subcase_out(s, today) for s in page.rows], page, limit)


@router.post("/subcases/{subcase_id}/approve", summary="准予许可")
def approve(request: HttpRequest, subcase_id: int, payload: ApproveIn) -> HttpResponse:
    subcase = queries.subcase_for(request.user, subcase_id)
    done = services.subcase_approve(
        subcase=subcase, reviewer=request.user, result_name=payload.result_name
    )
    return _json(200, subcase_out(done, timezone.localdate()))


@router.post("/subcases/{subcase_id}/refuse", summary="不予许可")
def refuse_subcase(request: HttpRequest, subcase_id: int, payload: ReasonIn) -> HttpResponse:
    subcase = queries.subcase_for(request.user, subcase_id)
    done = services.subcase_refuse(subcase=subcase, reviewer=request.user, reason=payload.reason)
    return _json(200, subcase_out(done, timezone.localdate()))


@router.post("/subcases/{subcase_id}/supplement", summary="子件要求补正")
def supplement_subcase(
    request: HttpRequest, subcase_id: int, payload: SupplementIn
) -> HttpResponse:
    subcase = queries.subcase_for(request.user, subcase_id)
    done = services.subcase_request_supplement(
        subcase=subcase, reviewer=request.user, items=payload.items, note=payload.note
    )
    return _json(200, subcase_out(done, timezone.localdate()))
