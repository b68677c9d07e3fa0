"""Hostile input is refused at the door, before any view runs, so it can never be stored and
then break a page later: text with a NUL or a lone surrogate (Python's json accepts the escape
"\\ud800"; no encoder can write it back out), JSON integers beyond 64 bits, NaN/Infinity, JSON
nested absurdly deep, a non-object JSON body sent to the API, and bodies over the size limit.

The API answers problem+json (400, or 413 for a body too large); pages answer a short 400 or
413 page with the reason in Chinese. `scrub` repairs strings stored before this guard existed.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

from yishi.core.labels import label_of
from yishi.core.problem import problem_response

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_JSON_DEPTH = 64

# Any surrogate code point in a Python str is unpaired: json.loads joins a valid pair into one
# astral character.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_JSON_TYPES = ("application/json", "text/json")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class HostileInput(Exception):
    """Input refused before it reaches a view; `message` is Chinese, `field` names where."""

    def __init__(self, message: str, *, field: str = "", status: int = 400, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
        self.code = code or ("too_large" if status == 413 else "bad_input")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be accepted as text, or None when it can."""
    if "\x00" in value:
        return "含有空字符（\\0）"
    if _SURROGATE_RE.search(value):
        return "含有无效的 Unicode 字符（不成对的代理项）"
    return None


def scrub(value: Any) -> Any:
    """`value` (JSON-like) with every unpaired surrogate replaced by U+FFFD, so that data stored
    before the guard can still be shown and encoded."""
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _label(where: str) -> str:
    """A field name fit to repeat in the answer (it is the client's own text)."""
    label = scrub(where).replace("\x00", "\\0")
    return label if len(label) <= 60 else label[:60] + "…"


def _check_text(value: str, where: str) -> None:
    reason = text_problem(value)
    if reason:
        label = _label(where)
        raise HostileInput(f"{label_of(label)}：{reason}，请删除后重试", field=label)


def _check_field(value: str, where: str) -> None:
    """A query or form value; one that holds JSON (`?answers={…}`, the admin's choices) is
    walked too, since decoding it turns the escape "\\ud800" into a lone surrogate."""
    _check_text(value, where)
    if "\\u" in value and value.lstrip()[:1] in ("{", "[", '"'):
        try:
            data = json.loads(value, parse_constant=_reject_constant)
        except RecursionError:
            raise HostileInput(
                f"{label_of(_label(where))}：嵌套层级过深", field=_label(where)
            ) from None
        except ValueError:
            return
        check_json(data, root=where)


def check_json(data: Any, *, root: str = "") -> None:
    """Walk decoded JSON (iteratively: no recursion to exhaust) and raise HostileInput at the
    first string, key or number that cannot be accepted, naming it by its path under `root`."""
    stack: list[tuple[Any, str, int]] = [(data, root, 0)]
    while stack:
        value, path, depth = stack.pop()
        where = path or "body"
        if isinstance(value, str):
            _check_text(value, where)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not INT64_MIN <= value <= INT64_MAX:
                raise HostileInput(
                    f"{label_of(_label(where))}：数值超出允许范围", field=_label(where)
                )
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise HostileInput(
                    f"{label_of(_label(where))}：数值超出允许范围", field=_label(where)
                )
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise HostileInput("请求体嵌套层级过深", field=_label(where))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                child = f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    _check_text(key, child)
                stack.append((item, child, depth + 1))


def _reject_constant(name: str) -> Any:
    raise HostileInput(f"请求体含有不允许的数值 {name}", field="body")


def _check_json_body(request: HttpRequest, *, api: bool) -> None:
    body = request.body  # RequestDataTooBig past DATA_UPLOAD_MAX_MEMORY_SIZE
    if not body.strip():
        return
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise HostileInput("请求体嵌套层级过深", field="body") from None
    except ValueError:
        return  # not JSON at all: the view (or django-ninja) answers that in its own words
    check_json(data)
    if api and not isinstance(data, dict):
        # Every JSON body the API takes is an object (tests/core/test_hostile_input.py checks
        # the OpenAPI spec); django-ninja would read `false` as an object of defaults.
        raise HostileInput("请求体必须是 JSON 对象（{…}）", field="body")


def body_limit(request: HttpRequest) -> int:
    if request.content_type == "multipart/form-data":
        return settings.YISHI_MAX_MULTIPART_BYTES
    return settings.YISHI_MAX_BODY_BYTES


def _too_big(limit: int) -> HostileInput:
    from yishi.core.uploads import human_size

    return HostileInput(
        f"请求内容过大，超过上限 {human_size(limit)}", field="body", status=413, code="too_large"
    )


def check_request(request: HttpRequest) -> None:
    """Raise HostileInput if the request's size, query string, form fields or JSON body
    cannot be accepted."""
    limit = body_limit(request)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise _too_big(limit)
    # Django decodes the path replacing broken UTF-8, so only a NUL can arrive there.
    _check_text(request.path, "path")
    for key, values in request.GET.lists():
        _check_text(key, key or "query")
        for value in values:
            _check_field(value, key or "query")
    content_type = request.content_type or ""
    api = request.path.startswith("/api/")
    try:
        if content_type in _FORM_TYPES:
            for key, values in request.POST.lists():
                _check_text(key, key or "form")
                for value in values:
                    _check_field(value, key or "form")
            for key, files in request.FILES.lists():
                for upload in files:
                    _check_text(upload.name or "", key)
        elif content_type in _JSON_TYPES or content_type.endswith("+json") or api:
            # django-ninja parses any body as JSON, whatever the content type says.
            _check_json_body(request, api=api)
    except RequestDataTooBig:
        raise _too_big(limit) from None
    except (MultiPartParserError, SuspiciousOperation, UnicodeDecodeError):
        raise HostileInput("请求体格式不正确，无法读取", field="body") from None


class HostileInputMiddleware:
    """Refuses hostile input (see the module docstring) before sessions, CSRF or any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except HostileInput as exc:
            return refusal(request, exc)
        return self.get_response(request)


def refusal(request: HttpRequest, exc: HostileInput) -> HttpResponse:
    title = "请求内容过大" if exc.status == 413 else "请求无效"
    if request.path.startswith("/api/"):
        return problem_response(
            request,
            status=exc.status,
            title=title,
            detail=exc.message,
            field=exc.field or None,
            code=exc.code,
        )
    html = render_to_string(
        "400.html", {"status": exc.status, "title": title, "message": exc.message}
    )
    return HttpResponse(html, status=exc.status, content_type="text/html; charset=utf-8")
