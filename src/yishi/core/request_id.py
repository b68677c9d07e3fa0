"""A request id on every request, on its response (X-Request-ID) and on every log record
emitted while it runs, so one request's lines can be found among many workers' output.

The id lives in a context variable: under WSGI each request runs in its own thread, under
ASGI Django runs the (synchronous) middleware chain and the view in one `sync_to_async`
call, which copies the context; a thread started during a request sees it when started
through `contextvars.copy_context().run` (as `asgiref.sync_to_async` does). A client's own
X-Request-ID is kept only when it matches a short, safe pattern (a load balancer's or a
partner's trace id), so nobody can put log-breaking or personal text into every line.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from yishi.core.logmask import mask_personal_numbers

HEADER = "X-Request-ID"
# Letters, digits and . _ : - only, 8 to 64 characters: a UUID, a hex trace id, "lb-1a2b…".
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "yishi_request_id", default=None
)
access_log = logging.getLogger("yishi.access")
# Load balancers ask these every few seconds: their access lines go at DEBUG, not INFO.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def current_request_id() -> str | None:
    """The id of the request this code runs for, or None outside a request."""
    return _request_id.get()


def accepted_request_id(candidate: str | None) -> str:
    """The client's id when it matches the safe pattern, else a new one (uuid4 hex)."""
    if candidate and _SAFE_ID.fullmatch(candidate):
        return candidate
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Put `request_id` on every record ("-" outside a request), for the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get() or "-"
        return True


def forget_request_id(**kwargs: object) -> None:
    """request_finished receiver: the lines written after a response was sent (the next
    request on this thread sets its own id anyway) carry no stale id."""
    _request_id.set(None)


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, read only when the request already loaded the user: the
    access line must not cost a session query of its own. Never the username (a phone)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return getattr(user, "pk", None)


class RequestIdMiddleware:
    """Outermost middleware: gives the request its id, answers it in X-Request-ID, and
    writes one access line per request (method, path without query string, status,
    duration, request id, user id)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accepted_request_id(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs a 4xx/5xx answer ("Not Found: …") after the
        # middleware chain has returned. request_finished clears it (`forget_request_id`).
        _request_id.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request_id
        self._log(request, response.status_code, started)
        return response

    @staticmethod
    def _log(request: HttpRequest, status: int, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path = mask_personal_numbers(request.path)
        level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
        access_log.log(
            level,
            "%s %s %s %sms",
            request.method,
            path,
            status,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": _user_id(request),
            },
        )
