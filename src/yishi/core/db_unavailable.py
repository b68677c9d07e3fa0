"""When the database is away (restarted, failed over, unreachable), a request answers 503
with Retry-After, never 500: problem+json for the API, the Chinese 503 page for a person.

Nothing was written: every write is one transaction, and the one in flight was rolled back
with the lost connection. Django closes a connection that failed at the end of the request
and `CONN_HEALTH_CHECKS` pings a reused one before the next, so the application reconnects
by itself once the database is back; the caller only has to retry.

Two places catch it: `DatabaseUnavailableMiddleware.process_exception` for a view (and an
API operation) that failed, and `error_pages.server_error` (through `unavailable_response`)
for a middleware that failed before the view, such as the session or user lookup.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from yishi.core.problem import problem_response

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)
TITLE = "服务暂不可用"
DETAIL = "数据库暂时无法连接，本次请求未被处理，也未保存任何内容，请稍后重试。"


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for `request`: problem+json under /api/, the Chinese page elsewhere."""
    logger.warning(
        "database unavailable on %s %s: %s: %s",
        request.method,
        request.path,
        type(exc).__name__,
        str(exc).splitlines()[0] if str(exc) else "",
    )
    if request.path.startswith("/api/"):
        response = problem_response(
            request, status=503, title=TITLE, detail=DETAIL, code="database_unavailable"
        )
    else:
        # No RequestContext: a context processor would ask the database again.
        html = loader.get_template("503.html").render({"SITE_NAME": settings.SITE_NAME})
        response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn a database connection error raised by a view into a 503 (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return unavailable_response(request, exception)
        return None
