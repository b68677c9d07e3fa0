"""The HTTP API: one NinjaAPI, one router per app, every error as RFC 9457 problem+json."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from yishi.core.errors import DomainError
from yishi.core.hostile import INT64_MAX, INT64_MIN
from yishi.core.problem import problem_from_ninja_validation, problem_response

api = NinjaAPI(
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
    from yishi.cases.api import router as cases_router
    from yishi.catalog.api import router as catalog_router
    from yishi.core.api import router as core_router
    from yishi.core.api_ocr import router as ocr_router
    from yishi.credit.api import router as credit_router
    from yishi.hall.api import router as hall_router
    from yishi.licences.api import router as licences_router
    from yishi.people.api import router as people_router
    from yishi.policies.api import router as policies_router
    from yishi.supervision.api import router as supervision_router
    from yishi.themes.api import router as themes_router

    api.add_router("/v1/", cases_router)
    api.add_router("/v1/", catalog_router)
    api.add_router("/v1/", core_router)
    api.add_router("/v1/", ocr_router)
    api.add_router("/v1/", credit_router)
    api.add_router("/v1/", people_router)
    api.add_router("/v1/", themes_router)
    api.add_router("/v1/", supervision_router)
    api.add_router("/v1/", licences_router)
    api.add_router("/v1/", policies_router)
    api.add_router("/v1/", hall_router)


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


_register_routers()
_guard_operations()
