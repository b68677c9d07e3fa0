"""Where browsers report what the Content-Security-Policy blocked (settings.CONTENT_SECURITY_POLICY,
`report-uri /csp-report/`): each violation becomes one WARNING line in the ordinary (masked) log.

Open to everyone, without a CSRF token: a browser posts the report on its own, signed in or
not, and from any page. It stores nothing and answers 204, so a forged report can only add a
log line; the body is capped far below the general limit, and each field is cut short.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

log = logging.getLogger(__name__)

# A report is well under 2 KB; a larger body is not a browser's report.
MAX_REPORT_BYTES = 16 * 1024
_FIELD_CHARS = 200

# report-uri (application/csp-report) names the fields in kebab case; the Reporting API
# (application/reports+json, a list of {"type": "csp-violation", "body": {...}}) in camel case.
_FIELDS = {
    "directive": ("effective-directive", "effectiveDirective", "violated-directive"),
    "blocked": ("blocked-uri", "blockedURL"),
    "page": ("document-uri", "documentURL"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
    "sample": ("script-sample", "sample"),
}


def _field(report: dict[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = report.get(name)
        if value not in (None, ""):
            return str(value)[:_FIELD_CHARS]
    return "-"


def _without_query(url: str) -> str:
    """A page address without its query string or fragment (which may carry personal data)."""
    if url in {"-", "inline", "eval", "data", "blob"}:
        return url
    parts = urlsplit(url)
    return parts.path if parts.scheme or parts.netloc else url.split("?", 1)[0]


def _violations(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        return [data["csp-report"]]
    if isinstance(data, list):
        return [
            item["body"]
            for item in data[:10]
            if isinstance(item, dict)
            and item.get("type") == "csp-violation"
            and isinstance(item.get("body"), dict)
        ]
    return []


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log each reported violation and answer 204 (400 for a body that is no report)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_REPORT_BYTES:
        return HttpResponse("报告过大", status=413, content_type="text/plain; charset=utf-8")
    try:
        data = json.loads(request.read(MAX_REPORT_BYTES + 1)[:MAX_REPORT_BYTES])
    except (ValueError, UnicodeDecodeError):
        data = None
    violations = _violations(data)
    if not violations:
        return HttpResponse(
            "不是内容安全策略报告", status=400, content_type="text/plain; charset=utf-8"
        )
    for report in violations:
        fields = {key: _field(report, names) for key, names in _FIELDS.items()}
        log.warning(
            "CSP violation: %s blocked %s on %s (source %s line %s, sample %r)",
            fields["directive"],
            _without_query(fields["blocked"]),
            _without_query(fields["page"]),
            _without_query(fields["source"]),
            fields["line"],
            fields["sample"],
        )
    return HttpResponse(status=204)
