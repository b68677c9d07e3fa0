"""办件 API: submit and read applications; window and department transitions. Thin: rules
live in yishi.cases.services and .queries. Another applicant's application, or another
department's sub-case, answers 404 (problem+json), never 403."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import django_auth

from yishi.cases import access, deadlines, queries, services
from yishi.cases.models import Application, Pause, SubCase
from yishi.catalog.models import Department, Matter
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


def attach_prerequisites(subcases: list[SubCase]) -> None:
    """Set each sub-case's `prerequisite_ids` (what subcase_out lists as depends_on) from
    the through table in one query, without loading the prerequisite rows."""
    needs: dict[int, list[int]] = {s.pk: [] for s in subcases}
    if not needs:
        return
    through = SubCase.depends_on.through
    pairs = through.objects.filter(from_subcase_id__in=needs).values_list(
        "from_subcase_id", "to_subcase_id"
    )
    for sub_id, prerequisite_id in pairs:
        needs[sub_id].append(prerequisite_id)
    for subcase in subcases:
        subcase.prerequisite_ids = needs[subcase.pk]


def _in_bulk(model: type, ids: Iterable[int | None], *fields: str) -> dict[int, Any]:
    wanted = {pk for pk in ids if pk is not None}
    return model.objects.only(*fields).in_bulk(wanted) if wanted else {}


def _attach_rows(
    subcases: list[SubCase],
    applications: dict[int, Any],
    matters: dict[int, Any],
    departments: dict[int, Any],
) -> None:
    """What subcase_out reads of the related rows, from rows loaded once for a whole page."""
    for subcase in subcases:
        subcase.application = applications[subcase.application_id]
        subcase.matter = matters[subcase.matter_id]
        subcase.department = departments[subcase.department_id]
    attach_prerequisites(subcases)


def load_page(apps: list[Application]) -> list[Application]:
    """Attach what application_out reads to a page of applications in a fixed number of
    queries: their sub-cases, the sub-cases' prerequisite ids (read from the through table,
    not whole sub-case rows), the open pauses' items, and the few themes, matters,
    departments and companies they name, each loaded once with only the columns shown (not
    one wide row per line through a join). Plain lists, so no queryset is built per
    application."""
    accepted = {app.pk: app for app in apps if app.accepted_on is not None}
    subcases: list[SubCase] = []
    if accepted:
        # Ordered by their own columns: the model's ordering ("application", …) would join
        # the applications to sort by theirs.
        subcases = list(SubCase.objects.filter(application_id__in=accepted).order_by("order", "id"))
    themes = _in_bulk(Theme, (a.theme_id for a in apps), "code", "name")
    matters = _in_bulk(
        Matter,
        [*(a.matter_id for a in apps), *(s.matter_id for s in subcases)],
        "code",
        "name",
    )
    companies = _in_bulk(Company, (a.company_id for a in apps), "uscc")
    departments = _in_bulk(Department, (s.department_id for s in subcases), "name")
    for app in apps:
        app.page_subcases, app.page_open_supplement = [], []
        if app.theme_id is not None:
            app.theme = themes[app.theme_id]
        if app.matter_id is not None:
            app.matter = matters[app.matter_id]
        if app.company_id is not None:
            app.company = companies[app.company_id]
    _attach_rows(subcases, accepted, matters, departments)
    for subcase in subcases:
        subcase.application.page_subcases.append(subcase)
    if accepted:
        open_items = (
            Pause.objects.filter(application_id__in=accepted, ended_on__isnull=True)
            .order_by("started_on", "id")
            .values_list("application_id", "items")
        )
        for app_id, items in open_items:
            accepted[app_id].page_open_supplement.extend(items)
    return apps


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
        elif hasattr(app, "page_subcases"):  # loaded with its page (see load_page)
            subcases, open_supplement = app.page_subcases, app.page_open_supplement
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
    # Not the form data (decrypting it per row costs more than the rest of the page); the
    # related rows application_out shows come with load_page.
    visible = access.applications_visible_to(request.user)
    listed = visible.defer("form_data")
    keys = ("-id",)
    if offset:
        page = offset_page(visible, listed, offset=offset, limit=limit)
    else:
        page = keyset.page(listed, keys=keys, size=limit, cursor=cursor, scope=APPLICATIONS_SCOPE)
    load_page(page.rows)
    response = _paged(request, [application_out(a) for a in page.rows], page, limit)
    total, capped = keyset.capped_count(visible, COUNT_CAP)
    response["X-Total-Count"] = str(total)
    if capped:
        response["X-Total-Count-Capped"] = "true"
    return response


APPLICATIONS_SCOPE = "api.applications"


def offset_page(
    visible: QuerySet[Application], listed: QuerySet[Application], *, offset: int, limit: int
) -> keyset.KeysetPage:
    """The page `offset` rows down, newest first, as a "deferred join": the ids skipped
    over and taken come from the id index alone (no row is read for the skipped ones),
    then only the page's rows are loaded."""
    ids = list(visible.order_by("-id").values_list("id", flat=True)[offset : offset + limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    loaded = {app.pk: app for app in listed.filter(pk__in=ids).order_by()}
    rows = [loaded[pk] for pk in ids if pk in loaded]
    nxt = keyset.encode(rows[-1], ("-id",), scope=APPLICATIONS_SCOPE) if more and rows else None
    return keyset.KeysetPage(rows=rows, next_cursor=nxt, first=False)


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
        access.subcases_visible_to(request.user),
        keys=("-id",),
        size=limit,
        cursor=cursor,
        scope="api.subcases",
    )
    # What subcase_out reads of the related rows, each loaded once with only what it shows.
    applications = _in_bulk(Application, (s.application_id for s in page.rows), "number")
    matters = _in_bulk(Matter, (s.matter_id for s in page.rows), "code", "name")
    departments = _in_bulk(Department, (s.department_id for s in page.rows), "name")
    _attach_rows(page.rows, applications, matters, departments)
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
