"""The HTTP API: one NinjaAPI, one router per app, every error as RFC 9457 problem+json."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema

from yishi.core.db_unavailable import unavailable_response
from yishi.core.errors import DomainError
from yishi.core.hostile import INT64_MAX, INT64_MIN
from yishi.core.problem import problem_from_ninja_validation, problem_response

# Which operations may answer 409 (a state machine or a uniqueness rule says no, or an
# Idempotency-Key reused) and 429 (a rate limit), by operation id. Every other problem status an
# operation may answer follows from its shape (see document_problems); tests/test_api_fuzz.py
# fuzzes the API and fails on any status an operation answers without documenting it.
CONFLICTS = frozenset(
    {
        "yishi_cases_api_submit",
        "yishi_cases_api_accept",
        "yishi_cases_api_supplement",
        "yishi_cases_api_supplement_provided",
        "yishi_cases_api_refuse",
        "yishi_cases_api_approve",
        "yishi_cases_api_refuse_subcase",
        "yishi_cases_api_supplement_subcase",
        "yishi_credit_api_sign",
        "yishi_credit_api_fulfil",
        "yishi_credit_api_repair_submit",
        "yishi_credit_api_repair_decide",
        "yishi_people_api_person_create",
        "yishi_people_api_company_create",
        "yishi_people_api_applicant_create",
        "yishi_policies_api_run_create",
        "yishi_policies_api_grant_decline",
        "yishi_policies_api_grant_contest",
        "yishi_ratings_api_rating_create",
        "yishi_reports_api_answer_report",
        "yishi_reports_api_resolve_report",
        "yishi_reports_api_rate_report",
        "yishi_reports_api_progress_improvement",
        "yishi_hall_api_call_next",
        "yishi_hall_api_book",
        "yishi_hall_api_cancel",
        "yishi_hall_api_check_in",
        "yishi_licences_api_import_licence",
        "yishi_supervision_api_record_result",
        "yishi_enterprise_api_package_start",
        "yishi_enterprise_api_consent_revoke",
        "yishi_enterprise_api_request_rate",
        "yishi_enterprise_api_provider_answer",
    }
)
THROTTLED = frozenset(
    {
        "yishi_people_api_sms_code_create",
        "yishi_hall_api_take_ticket",
        "yishi_people_api_tokens_token",
        "yishi_remote_api_ticket_take",  # open remote tickets per account (as the hall's)
    }
)
# Operations without a path parameter that still answer 404 for a record they name elsewhere
# (a company in the query or body, the caller's own applicant account).
NOT_FOUND_WITHOUT_PATH = frozenset(
    {
        "yishi_people_api_me",
        "yishi_people_api_my_data_access",
        "yishi_credit_api_credit_me",
        "yishi_credit_api_repair_submit",
        "yishi_policies_api_my_grants",
        "yishi_policies_api_my_applications",  # the company in the query
        "yishi_ratings_api_rating_create",
        "yishi_assist_api_request_create",  # the draft it names
        "yishi_enterprise_api_request_create",  # the company and offer it names
    }
)
# Operations open to anyone that still answer 401 when what they are asked needs a signed-in
# person (a rating: only a ticket's token stands in for signing in).
SIGN_IN_DEPENDS = frozenset({"yishi_ratings_api_rating_create"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 问题详情（application/problem+json）。",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "问题类型 URI，末段为错误代码"},
        "title": {"type": "string", "description": "问题类型的简短说明"},
        "status": {"type": "integer", "description": "HTTP 状态码"},
        "detail": {"type": "string", "description": "本次错误的具体说明（中文）"},
        "instance": {"type": "string", "description": "出错的请求路径（不含查询字符串）"},
        "field": {"type": "string", "description": "出错的字段"},
        "errors": {
            "type": "array",
            "description": "输入校验失败时，逐个字段的问题",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "label": {"type": "string", "description": "字段的中文名称"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
PROBLEM_STATUSES = {
    400: "请求无效：含有无法接受的内容（空字符、不成对的代理项、超出 64 位的整数、非对象的 JSON 请求体等）或违反业务规则",
    401: "未登录",
    403: "无权操作：访问策略不允许，或 CSRF 校验失败（须携带 X-CSRFToken 请求头）",
    404: "未找到：资源不存在或不在您的可见范围内",
    409: "状态冲突：当前状态不允许此操作、记录已存在或 Idempotency-Key 已用于另一请求",
    413: "请求内容过大",
    422: "输入校验失败：errors 列出每个字段的问题",
    429: "请求过于频繁，请稍后再试",
}
_UNSAFE = {"post", "put", "patch", "delete"}


def problem_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The problem statuses one operation of the OpenAPI document may answer: 400 and 422
    everywhere (the hostile-input guard, domain rules, validation); 401 and 403 where a session
    is needed (sign-in, then the access policy and, on writes, CSRF); 404 where a path names a
    record; 413 where a body is sent; 409 and 429 where the tables above say so."""
    op_id = operation.get("operationId", "")
    statuses = {400, 422}
    if operation.get("security") or op_id in SIGN_IN_DEPENDS:
        statuses |= {401, 403}
    has_path_parameter = any(p.get("in") == "path" for p in operation.get("parameters", ()))
    if has_path_parameter or op_id in NOT_FOUND_WITHOUT_PATH:
        statuses.add(404)
    if method in _UNSAFE or "requestBody" in operation:
        statuses.add(413)
    if op_id in CONFLICTS:
        statuses.add(409)
    if op_id in THROTTLED:
        statuses.add(429)
    return sorted(statuses)


def document_problems(schema: dict[str, Any]) -> None:
    """Add to every operation of `schema` the problem+json answers it may give (one shared
    Problem component), keeping any response an operation documents itself."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(method, operation):
                if status not in responses and str(status) not in responses:
                    responses[status] = {
                        "description": PROBLEM_STATUSES[status],
                        "content": problem,
                    }


class YishiAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document lists every operation's problem+json answers."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_problems(schema)
        return schema


api = YishiAPI(
    title="一事 yishi API",
    version="1",
    description="梁子湖区“高效办成一件事”政务服务平台接口。错误按 RFC 9457 以 application/problem+json 返回。",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.message,
        field=exc.field,
        code=exc.code,
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # ninja answers an unknown error itself in DEBUG (a 500): a lost database is a 503.
    return unavailable_response(request, exc)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return problem_from_ninja_validation(request, exc.errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(request, status=401, title="未登录", detail="请先登录后再访问此接口。")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(
        request, status=404, title="未找到", detail=str(exc) or "请求的资源不存在。"
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(request, status=exc.status_code, title="请求失败", detail=str(exc))


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database cannot hold or compare (a NUL character, which PostgreSQL text
    refuses; a number out of range) is bad input, not a server fault. The transaction it
    happened in has rolled back."""
    return problem_response(
        request,
        status=400,
        title="请求无效",
        detail="请求中含有无法处理的数据（例如空字符 \\0 或超出范围的数值），请检查后重试。",
        code="bad_data",
    )


def api_not_found(request: HttpRequest) -> HttpResponse:
    """Any /api/ path no router serves: problem+json, like every other API error."""
    return problem_response(
        request,
        status=404,
        title="未找到",
        detail=f"接口 {request.path} 不存在。",
        code="not_found",
    )


def _register_routers() -> None:
    from yishi.assist.api import router as assist_router
    from yishi.cases.api import router as cases_router
    from yishi.catalog.api import router as catalog_router
    from yishi.companies.api import router as companies_router
    from yishi.core.api import router as core_router
    from yishi.core.api_ocr import router as ocr_router
    from yishi.credit.api import router as credit_router
    from yishi.enterprise.api import router as enterprise_router
    from yishi.exchange.api import router as exchange_router
    from yishi.governance.api import router as governance_router
    from yishi.hall.api import router as hall_router
    from yishi.licences.api import router as licences_router
    from yishi.people.api import router as people_router
    from yishi.people.api_tokens import router as tokens_router
    from yishi.policies.api import router as policies_router
    from yishi.ratings.api import router as ratings_router
    from yishi.remote.api import router as remote_router
    from yishi.reports.api import router as reports_router
    from yishi.stats.api import router as stats_router
    from yishi.supervision.api import router as supervision_router
    from yishi.themes.api import router as themes_router
    from yishi.training.api import router as training_router

    api.add_router("/v1/", cases_router)
    api.add_router("/v1/", catalog_router)
    api.add_router("/v1/", core_router)
    api.add_router("/v1/", ocr_router)
    api.add_router("/v1/", credit_router)
    api.add_router("/v1/", people_router)
    api.add_router("/v1/", tokens_router)
    api.add_router("/v1/", themes_router)
    api.add_router("/v1/", supervision_router)
    api.add_router("/v1/", licences_router)
    api.add_router("/v1/", policies_router)
    api.add_router("/v1/", hall_router)
    api.add_router("/v1/", ratings_router)
    api.add_router("/v1/", assist_router)
    api.add_router("/v1/", reports_router)
    api.add_router("/v1/", remote_router)
    api.add_router("/v1/", exchange_router)
    api.add_router("/v1/", stats_router)
    api.add_router("/v1/", training_router)
    api.add_router("/v1/", companies_router)
    api.add_router("/v1/", enterprise_router)
    api.add_router("/v1/", governance_router)


def _int64_guarded(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse an integer parameter (query or path) the database cannot hold: SQLite raises
    OverflowError past 64 bits (e.g. `offset=2**70` in a slice), PostgreSQL a DataError."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            out_of_range = isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX
            if out_of_range and not isinstance(value, bool):
                raise DomainError(f"{name}：数值超出允许范围", field=name, code="out_of_range")
        return view(request, *args, **kwargs)

    return guarded


def _guard_operations() -> None:
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                operation.view_func = _int64_guarded(operation.view_func)


def _accept_bearer() -> None:
    """Operations that take a signed-in session also take a bearer access token or a scoped
    API key (yishi/people/api_tokens.py); the OpenAPI document lists the three schemes."""
    from yishi.people.api_tokens import with_bearer

    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                operation.auth_callbacks = with_bearer(
                    list(operation.auth_callbacks),
                    operation_id=operation.operation_id or api.get_openapi_operation_id(operation),
                    tags=list(operation.tags or ()),
                )


_register_routers()
_guard_operations()
_accept_bearer()
