"""/healthz, /readyz and /metrics: what load balancers and Prometheus ask.

Who may ask (this module is their access policy):
- /healthz and /readyz are public: a load balancer has no account. They answer JSON with
  "ok"/"warn"/"fail" per check and nothing else; the figures and error classes behind a
  check are shown only to callers the metrics rule lets in.
- /metrics answers only callers from YISHI_METRICS_ALLOW (CIDR list, default loopback) or
  with `Authorization: Bearer <YISHI_METRICS_TOKEN>` (compared in constant time); anyone
  else gets 404, as if the page did not exist. The address is REMOTE_ADDR, never a
  forwarded header (any client can write one): behind a reverse proxy, scrape the
  application's own port or use the token.

ProbeMiddleware answers these paths right after SecurityMiddleware, before host checks,
sessions, CSRF and authentication: a load balancer asks by the machine's address (a Host
not in ALLOWED_HOSTS) over plain HTTP (SECURE_REDIRECT_EXEMPT in production settings), and
an answer must not open a session or cost more than its checks. The URL patterns
(yishi.urls) name the same views, for reverse() and the route table.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers

from yishi.core import health, metrics

_NOT_FOUND = "未找到"


def _client_address(request: HttpRequest) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return None


def _has_metrics_token(request: HttpRequest) -> bool:
    expected = settings.YISHI_METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def may_see_metrics(request: HttpRequest) -> bool:
    """The metrics rule: an allowed address or the metrics token."""
    address = _client_address(request)
    if address is not None and any(address in net for net in settings.YISHI_METRICS_ALLOW):
        return True
    return _has_metrics_token(request)


def _answer(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches no database, so a database outage never makes
    an orchestrator restart healthy workers."""
    return _answer(JsonResponse({"status": "ok", "checks": {}}))


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the database answers and the task queue is reachable, else 503."""
    ready, checks = health.readiness()
    detailed = may_see_metrics(request)
    body = {
        "status": "ok" if ready else "fail",
        "checks": {
            name: (
                {"status": check.status, **check.detail} if detailed else {"status": check.status}
            )
            for name, check in checks.items()
        },
    }
    return _answer(JsonResponse(body, status=200 if ready else 503))


def metrics_page(request: HttpRequest) -> HttpResponse:
    """Prometheus' text exposition, for allowed callers only (404 to anyone else)."""
    if not may_see_metrics(request):
        return _answer(
            HttpResponse(_NOT_FOUND, status=404, content_type="text/plain; charset=utf-8")
        )
    from prometheus_client import CONTENT_TYPE_LATEST

    return _answer(HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST))


VIEWS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics_page,
}


class ProbeMiddleware:
    """Answer the probe paths before the rest of the middleware chain (see the module's
    docstring); every other request passes through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = VIEWS.get(request.path_info)
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return _answer(HttpResponseNotAllowed(["GET", "HEAD"]))
        response = view(request)
        if request.method == "HEAD":
            response.content = b""
        return response
