"""Applicant-facing pages: home, search, topic and department lists, guides, one-time notices."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from yishi.catalog.models import Matter, RegionLevel, Topic
from yishi.catalog.notice import (
    EXEMPT_LABEL,
    build_notice,
    fee_text,
    is_exempt,
    legal_limit_text,
    notice_pdf,
    promised_limit_text,
    short_limit_text,
    visits_text,
)
from yishi.catalog.queries import MatterFilters, matter_detail, matter_search
from yishi.core.errors import NotFound, ValidationFailed
from yishi.portal import queries

PAGE_SIZE = 10
MAX_QUERY_LENGTH = 50
AUDIENCES = {"person": "个人办事", "company": "法人办事"}


def home(request: HttpRequest) -> HttpResponse:
    mobile = queries.mobile_matters()
    return render(
        request,
        "portal/home.html",
        {
            "person_topics": queries.topics_with_counts(Topic.Audience.PERSON),
            "company_topics": queries.topics_with_counts(Topic.Audience.COMPANY),
            "mobile_matters": mobile,
            "frequent_matters": queries.frequent_matters(exclude=mobile),
            "departments": queries.departments_with_matters(),
        },
    )


@dataclass
class Chip:
    label: str
    remove_url: str


def search(request: HttpRequest) -> HttpResponse:
    """The result list. Bad filter values are dropped with a message, never a 500."""
    params = request.GET
    problems: list[str] = []
    q = params.get("q", "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        problems.append(f"搜索词过长，已截取前 {MAX_QUERY_LENGTH} 个字。")
        q = q[:MAX_QUERY_LENGTH]

    kept: dict[str, str] = {}
    chips: list[tuple[str, str]] = []  # (param, label)

    topic = None
    if code := params.get("topic", "").strip():
        topic = queries.topic_by_code(code)
        if topic is None:
            problems.append(f"主题分类“{code}”不存在，已忽略该筛选条件。")
        else:
            kept["topic"] = code
            chips.append(("topic", f"主题：{topic.name}"))

    department = None
    if code := params.get("department", "").strip():
        department = queries.department_by_code(code)
        if department is None:
            problems.append(f"部门“{code}”不存在，已忽略该筛选条件。")
        else:
            kept["department"] = code
            chips.append(("department", f"部门：{department.name}"))

    level = None
    if raw := params.get("level", "").strip():
        if raw.isdigit() and int(raw) in RegionLevel.values:
            level = int(raw)
            kept["level"] = raw
            chips.append(("level", f"层级：{RegionLevel(level).label}"))
        else:
            problems.append(f"行使层级“{raw}”无效，已忽略该筛选条件。")

    audience = None
    if raw := params.get("audience", "").strip():
        if raw in AUDIENCES:
            audience = raw
            kept["audience"] = raw
            chips.append(("audience", f"对象：{AUDIENCES[raw]}"))
        else:
            problems.append(f"服务对象“{raw}”无效，已忽略该筛选条件。")

    page = 1
    if raw := params.get("page", "").strip():
        if raw.isdigit() and int(raw) >= 1:
            page = int(raw)
        else:
            problems.append(f"页码“{raw}”无效，已显示第 1 页。")

    filters = MatterFilters(
        topic=kept.get("topic"),
        department=kept.get("department"),
        level=level,
        audience=audience,
    )
    try:
        results, total = _search_page(q, filters, page)
    except ValidationFailed as exc:  # a filter went away between our check and the search
        problems.append(f"{exc.message}，已清除筛选条件。")
        kept, chips, filters = {}, [], MatterFilters()
        results, total = _search_page(q, filters, page)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        problems.append(f"共 {pages} 页，已显示最后一页。")
        page = pages
        results, total = _search_page(q, filters, page)

    base = {"q": q, **kept} if q else dict(kept)

    def url_with(**changes: str | int | None) -> str:
        merged = {**base, **changes}
        return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    return render(
        request,
        "portal/search.html",
        {
            "q": q,
            "results": [_row(m) for m in results],
            "total": total,
            "page": page,
            "pages": pages,
            "prev_url": url_with(page=page - 1) if page > 1 else "",
            "next_url": url_with(page=page + 1) if page < pages else "",
            "chips": [Chip(label, url_with(**{param: None})) for param, label in chips],
            "clear_url": "?" + urlencode({"q": q}) if q else "?",
            "problems": problems,
            "selected": kept,
            "topics": queries.topics_with_counts(),
            "departments": queries.departments_with_matters(),
            "levels": RegionLevel.choices,
            "audiences": AUDIENCES.items(),
            "suggestions": queries.frequent_matters(limit=4) if total == 0 else [],
        },
    )


def _search_page(q: str, filters: MatterFilters, page: int) -> tuple[list[Matter], int]:
    return matter_search(q, filters=filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)


@dataclass
class MatterRow:
    matter: Matter
    limit: str
    visits: str


def _row(matter: Matter) -> MatterRow:
    return MatterRow(matter=matter, limit=short_limit_text(matter), visits=visits_text(matter))


def topic(request: HttpRequest, code: str) -> HttpResponse:
    found = queries.topic_by_code(code)
    if found is None:
        raise Http404("主题分类不存在")
    return render(
        request,
        "portal/matter_list.html",
        {
            "heading": found.name,
            "kicker": found.get_audience_display(),
            "results": [_row(m) for m in queries.topic_matters(found)],
            "search_url": "/matters/?" + urlencode({"topic": found.code}),
        },
    )


def department(request: HttpRequest, code: str) -> HttpResponse:
    found = queries.department_by_code(code)
    if found is None:
        raise Http404("部门不存在")
    return render(
        request,
        "portal/matter_list.html",
        {
            "heading": found.name,
            "kicker": found.get_kind_display(),
            "department": found,
            "results": [_row(m) for m in queries.department_matters(found)],
            "search_url": "/matters/?" + urlencode({"department": found.code}),
        },
    )


def _published(code: str) -> Matter:
    try:
        return matter_detail(code)
    except NotFound:
        raise Http404("事项不存在或未发布") from None


def guide(request: HttpRequest, code: str) -> HttpResponse:
    matter = _published(code)
    materials = [
        {"material": m, "exempt": is_exempt(m)}
        for m in matter.materials.all()  # prefetched
    ]
    return render(
        request,
        "portal/guide.html",
        {
            "matter": matter,
            "materials": materials,
            "exempt_label": EXEMPT_LABEL,
            "legal_limit": legal_limit_text(matter),
            "promised_limit": promised_limit_text(matter),
            "fee": fee_text(matter),
            "visits": visits_text(matter),
        },
    )


def notice(request: HttpRequest, code: str) -> HttpResponse:
    matter = _published(code)
    return render(request, "portal/notice.html", {"notice": build_notice(matter)})


def notice_download(request: HttpRequest, code: str) -> HttpResponse:
    matter = _published(code)
    built = build_notice(matter)
    response = HttpResponse(notice_pdf(built), content_type="application/pdf")
    response["Content-Disposition"] = _inline_disposition(built.filename, fallback=code)
    return response


def _inline_disposition(filename: str, *, fallback: str) -> str:
    """RFC 6266 with an RFC 5987 UTF-8 name, and an ASCII name for old clients."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", fallback) + "-notice.pdf"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
