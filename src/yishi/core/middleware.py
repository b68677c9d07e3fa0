"""Keep the API's error format uniform: whatever answers an /api/ request with an error that
is not already problem+json (405 from the router, CSRF 403, a parse error, a crash) is
rewritten as RFC 9457 problem+json with a Chinese detail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from yishi.core.problem import problem_response
from yishi.core.workdays import calendar_scope

_DETAILS = {
    400: "请求格式不正确，请求体应为有效的 JSON。",
    401: "请先登录后再访问此接口。",
    403: "无权访问此接口。",
    404: "请求的资源不存在。",
    405: "此接口不支持 {method} 方法。",
    406: "无法按请求的格式返回内容。",
    413: "请求内容过大。",
    415: "不支持的请求内容类型，请使用 application/json。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，请稍后再试；问题已记录。",
}
_TITLES = {400: "请求无效", 401: "未登录", 403: "无权操作", 404: "未找到", 405: "方法不允许"}
# English messages django-ninja puts in error bodies, and what we say instead.
_KNOWN = {
    "Cannot parse request body": _DETAILS[400],
    "CSRF check Failed": "CSRF 校验失败：请从本站页面发起请求，并在 X-CSRFToken 请求头中携带令牌。",
}


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("application/problem+json"):
            return _translated(request, response)
        status = response.status_code
        detail = _DETAILS.get(status, "请求失败。").format(method=request.method)
        rewritten = problem_response(
            request, status=status, title=_TITLES.get(status, "请求失败"), detail=detail
        )
        if "Allow" in response:
            rewritten["Allow"] = response["Allow"]
        return rewritten


def _translated(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Replace the few English details django-ninja produces itself."""
    body = response.content.decode("utf-8", "replace")
    for english, chinese in _KNOWN.items():
        # django-ninja appends the parser's own words in DEBUG: match the beginning.
        if f'"{english}' in body:
            status = response.status_code
            title = _TITLES.get(status, "请求无效")
            return problem_response(request, status=status, title=title, detail=chinese)
    return response


class CalendarScopeMiddleware:
    """One read of the administrator's calendar rows serves every deadline a request computes
    (see core.workdays.calendar_scope)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with calendar_scope():
            return self.get_response(request)
