"""RFC 9457 problem details, with the offending field named and the message in Chinese."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from yishi.core.labels import label_of

PROBLEM_TYPE_BASE = "https://yishi.example/problems/"

_PYDANTIC_MESSAGES = {
    "missing": "必须填写",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "float_parsing": "必须是数字",
    "bool_parsing": "必须是 true 或 false",
    "date_from_datetime_parsing": "必须是 YYYY-MM-DD 格式的日期",
    "date_parsing": "必须是 YYYY-MM-DD 格式的日期",
    "date_from_datetime_inexact": "必须是 YYYY-MM-DD 格式的日期",
    "datetime_parsing": "必须是 ISO 8601 格式的时间",
    "string_too_short": "太短",
    "string_too_long": "太长",
    "greater_than_equal": "太小",
    "less_than_equal": "太大",
    "greater_than": "太小",
    "less_than": "太大",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "string_type": "必须是文本",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "格式不正确",
    "dict_type": "必须是对象",
    "list_type": "必须是列表",
    "value_error": "取值无效",
    "uuid_parsing": "不是有效的 UUID",
}


def problem_response(
    request: HttpRequest | None,
    *,
    status: int,
    title: str,
    detail: str,
    field: str | None = None,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (code or str(status)),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        # The path only: a query string may carry what the caller should not see echoed back
        # (and a proxy may log response bodies).
        body["instance"] = request.path
    if field:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/problem+json; charset=utf-8",
    )


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [
        str(p)
        for p in loc
        if p not in ("query", "path", "body", "form", "file", "header", "cookie")
    ]
    # ninja wraps query/path parameters in a schema named after the function argument
    if len(parts) > 1 and parts[0] in {"params", "filters", "payload", "data"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def problem_from_ninja_validation(
    request: HttpRequest, errors: list[dict[str, Any]]
) -> HttpResponse:
    items = []
    for err in errors:
        field = _field_of(err.get("loc", ()))
        kind = err.get("type", "value_error")
        ctx_msg = ""
        if kind == "value_error":
            # our validators raise ValueError with a Chinese message
            ctx_msg = str(err.get("ctx", {}).get("error", "")) or err.get("msg", "")
            ctx_msg = ctx_msg.removeprefix("Value error, ")
        message = ctx_msg or _PYDANTIC_MESSAGES.get(kind, "取值无效")
        label = label_of(field)
        items.append(
            {
                "field": field,
                "label": label,
                "message": f"{label}：{message}" if ctx_msg == "" else message,
            }
        )
    first = items[0] if items else {"field": "body", "message": "请求格式不正确"}
    return problem_response(
        request,
        status=422,
        title="输入校验失败",
        detail=first["message"],
        field=first["field"],
        code="validation",
        errors=items,
    )
