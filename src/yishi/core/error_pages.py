"""What a crash answers: the API keeps its problem+json, a page the Chinese 500 page.

Django's own handlers already render our 400.html, 403.html, 404.html and 403_csrf.html (the
CSRF failure page). The 500 handler is ours because it must tell an API caller apart: the
yishi.core.middleware.ApiProblemMiddleware rewrites most /api/ errors, but a crash in a
middleware above it reaches this handler directly. Nothing here touches the database. A lost
database connection answers 503 instead (yishi.core.db_unavailable).
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

from yishi.core.db_unavailable import is_database_unavailable, unavailable_response
from yishi.core.problem import problem_response


def server_error(request: HttpRequest) -> HttpResponse:
    # A middleware that lost the database (the session or user lookup) lands here: 503.
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        return unavailable_response(request, exc)
    if request.path.startswith("/api/"):
        return problem_response(
            request,
            status=500,
            title="服务器内部错误",
            detail="服务器内部错误，请稍后再试；问题已记录。",
            code="server_error",
        )
    # No RequestContext: a context processor could be what failed. 500.html needs nothing.
    html = loader.get_template("500.html").render({"SITE_NAME": settings.SITE_NAME})
    return HttpResponseServerError(html, content_type="text/html; charset=utf-8")
