"""Applicant-facing pages: home, search, topic and department lists, guides, one-time notices."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from yishi.catalog import unified_search
from yishi.catalog.models import Material, Matter, RegionLevel, Topic
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
from yishi.core.page_cache import CARE_COOKIE, public_page, skip
from yishi.licences.queries import held_licence_for_material
from yishi.people.models import CompanyAgent
from yishi.people.queries import account_of, acting_companies
from yishi.portal import queries
from yishi.themes.models import Theme, ThemeMatter, ThemeQuestion
from yishi.themes.notice import build_theme_notice, theme_notice_pdf
from yishi.themes.queries import published_theme_list, theme_by_code, themes_of_matter
from yishi.themes.savings import Savings, dependency_levels, theme_savings
from yishi.themes.tailoring import prerequisites, question_options, validate_answers

PAGE_SIZE = 10
# 关怀版 shows fewer results per page (and fewer themes and policies above them).
CARE_PAGE_SIZE = 5


def care_mode(request: HttpRequest) -> bool:
    return request.COOKIES.get(CARE_COOKIE) == "1"


MAX_QUERY_LENGTH = 50
AUDIENCES = {"person": "个人办事", "company": "法人办事"}


@public_page
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
            "theme_groups": _theme_groups(),
            "my_applications": (
                queries.my_application_counts(request.user)
                if request.user.is_authenticated
                else None
            ),
        },
    )


@dataclass
class Chip:
    label: str
    remove_url: str


@public_page
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
    # Themes and policies come from the unified search (catalog.unified_search); the matters
    # are the same ranking with the filters and pages.
    themes: list[unified_search.SearchItem] = []
    policies: list[unified_search.SearchItem] = []
    if q:
        found = unified_search.search_kinds(
            q, kinds=("theme", "policy"), limit=unified_search.MAX_LIMIT
        )
        few = 3 if care_mode(request) else 5
        themes = [i for i in found if i.kind == "theme"][:few]
        policies = [i for i in found if i.kind == "policy"][:few]
    size = CARE_PAGE_SIZE if care_mode(request) else PAGE_SIZE
    try:
        results, total = _search_page(q, filters, page, size)
    except ValidationFailed as exc:  # a filter went away between our check and the search
        problems.append(f"{exc.message}，已清除筛选条件。")
        kept, chips, filters = {}, [], MatterFilters()
        results, total = _search_page(q, filters, page, size)
    pages = max(1, math.ceil(total / size))
    if page > pages:
        problems.append(f"共 {pages} 页，已显示最后一页。")
        page = pages
        results, total = _search_page(q, filters, page, size)
    if q and not (total or themes or policies):
        unified_search.log_miss(q)
        skip(request)  # each miss is counted, so this answer is rendered each time

    base = {"q": q, **kept} if q else dict(kept)

    def url_with(**changes: str | int | None) -> str:
        merged = {**base, **changes}
        return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    return render(
        request,
        "portal/search.html",
        {
            "q": q,
            "themes": themes if page == 1 else [],
            "policies": policies if page == 1 else [],
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


def _search_page(
    q: str, filters: MatterFilters, page: int, size: int = PAGE_SIZE
) -> tuple[list[Matter], int]:
    return matter_search(q, filters=filters, limit=size, offset=(page - 1) * size)


@dataclass
class MatterRow:
    matter: Matter
    limit: str
    visits: str


def _row(matter: Matter) -> MatterRow:
    return MatterRow(matter=matter, limit=short_limit_text(matter), visits=visits_text(matter))


@public_page
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


@public_page
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


@public_page
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
            "themes": themes_of_matter(matter),
        },
    )


@public_page
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


# ---------- 一件事 themes ----------


@dataclass(frozen=True)
class SavingRow:
    """One line of the savings panel: 分别办理 against 一件事办理."""

    label: str
    unit: str
    separate: int
    theme: int

    @property
    def saved(self) -> int:
        return self.separate - self.theme

    @property
    def percent(self) -> int:
        if self.separate <= 0 or self.saved <= 0:
            return 0
        return round(self.saved * 100 / self.separate)

    @property
    def bar(self) -> int:
        """Width of the 一件事 bar as a percent of the 分别办理 bar (for the chart)."""
        if self.separate <= 0:
            return 0
        return round(self.theme * 100 / self.separate)


def _saving_rows(savings: Savings) -> list[SavingRow]:
    return [
        SavingRow("申请材料", "份", savings.materials_separate, savings.materials_theme),
        SavingRow("跑动次数", "次", savings.visits_separate, savings.visits_theme),
        SavingRow("办理时间", "个工作日", savings.days_separate, savings.days_theme),
    ]


def savings_line(savings: Savings) -> str:
    """The savings in one line, e.g. 少交 5 份材料 · 少跑 3 次 · 最快 10 个工作日."""
    parts = []
    if (fewer := savings.materials_separate - savings.materials_theme) > 0:
        parts.append(f"少交 {fewer} 份材料")
    if (fewer := savings.visits_separate - savings.visits_theme) > 0:
        parts.append(f"少跑 {fewer} 次")
    if savings.visits_theme == 0:
        parts.append("零跑动")
    parts.append(f"最快 {savings.days_theme} 个工作日" if savings.days_theme else "当场办结")
    return " · ".join(parts)


@dataclass(frozen=True)
class ThemeCard:
    theme: Theme
    matter_count: int
    department_count: int
    savings: Savings

    @property
    def savings_line(self) -> str:
        return savings_line(self.savings)


def _theme_card(theme: Theme) -> ThemeCard:
    items = list(theme.items.all())
    return ThemeCard(
        theme=theme,
        matter_count=len(items),
        department_count=len({item.matter.department_id for item in items}),
        savings=theme_savings(theme),
    )


def _theme_cards() -> dict[str, list[ThemeCard]]:
    cards: dict[str, list[ThemeCard]] = {Theme.Audience.PERSON: [], Theme.Audience.COMPANY: []}
    for theme in published_theme_list():
        cards.setdefault(theme.audience, []).append(_theme_card(theme))
    return cards


def _theme_groups() -> list[tuple[str, str, list[ThemeCard]]]:
    """(audience, label, cards) for each audience that has published themes."""
    cards = _theme_cards()
    return [
        (audience, label, cards[audience])
        for audience, label in Theme.Audience.choices
        if cards.get(audience)
    ]


@public_page
def theme_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/themes.html", {"theme_groups": _theme_groups()})


def _published_theme(code: str) -> Theme:
    try:
        return theme_by_code(code)
    except NotFound:
        raise Http404("一件事主题不存在或未发布") from None


@dataclass(frozen=True)
class QuestionOption:
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class QuestionForm:
    question: ThemeQuestion
    options: list[QuestionOption]
    invalid: bool


def _question_forms(
    theme: Theme, submitted: dict[str, str], error_field: str | None = None
) -> list[QuestionForm]:
    """The tailoring questions as radio groups: the submitted answer checked when it is one of
    the options, else the question's default."""
    forms = []
    for question in theme.questions.all():
        pairs = list(question_options(question).items())
        answer = submitted.get(question.code)
        chosen = answer if answer in dict(pairs) else question.default
        forms.append(
            QuestionForm(
                question=question,
                options=[QuestionOption(v, label, v == chosen) for v, label in pairs],
                invalid=error_field == f"answers.{question.code}",
            )
        )
    return forms


@dataclass(frozen=True)
class DiagramNode:
    item: ThemeMatter
    department: str
    limit: str
    needs: list[str]


def _diagram(theme: Theme, answers: dict[str, str] | None) -> list[list[DiagramNode]]:
    layers = dependency_levels(theme, answers)
    items = [item for layer in layers for item in layer]
    return [
        [
            DiagramNode(
                item=item,
                department=item.matter.department.short_name or item.matter.department.name,
                limit=short_limit_text(item.matter),
                needs=[dep.matter.name for dep in prerequisites(item, items)],
            )
            for item in layer
        ]
        for layer in layers
    ]


@public_page
def theme_detail(request: HttpRequest, code: str) -> HttpResponse:
    found = _published_theme(code)
    card = _theme_card(found)
    return render(
        request,
        "portal/theme.html",
        {
            "theme": found,
            "card": card,
            "layers": _diagram(found, None),
            "savings": _saving_rows(card.savings),
            "savings_caption": "按全部事项均需办理计算；选择情形后，告知单按您的情形重新计算",
            "savings_line": card.savings_line,
            "questions": _question_forms(found, {}),
            "departments": sorted({i.matter.department.name for i in found.items.all()}),
        },
    )


def _answers(request: HttpRequest) -> dict[str, str]:
    return {key: value.strip() for key, value in request.GET.items()}


def _tailored(
    request: HttpRequest, code: str
) -> tuple[Theme, dict[str, str], dict[str, str] | None, ValidationFailed | None]:
    """The theme, the raw answers and either the validated answers or the error."""
    found = _published_theme(code)
    raw = _answers(request)
    try:
        return found, raw, validate_answers(found, raw), None
    except ValidationFailed as exc:
        return found, raw, None, exc


def _answer_error(
    request: HttpRequest, found: Theme, raw: dict[str, str], exc: ValidationFailed
) -> HttpResponse:
    """The question form with the reason above it. Without any answer given (a question has no
    default) the applicant simply has to choose first: that is not a bad request."""
    return render(
        request,
        "portal/theme_notice.html",
        {
            "theme": found,
            "notice": None,
            "error": exc.message,
            "questions": _question_forms(found, raw, exc.field),
        },
        status=400 if raw else 200,
    )


def _held_by(request: HttpRequest) -> Callable[[Any], str] | None:
    """For a logged-in applicant: line → the number of an e-licence they (or a company they
    act for) hold that stands in for the document (免提交), else ""."""
    account = account_of(request.user) if request.user.is_authenticated else None
    if account is None:
        return None
    # A company's licences stand in for its documents when applying for it (scope apply).
    subjects = [{"person": account.person}] + [
        {"company": c} for c in acting_companies(request.user, scope=CompanyAgent.Scope.APPLY)
    ]

    def held(line: Any) -> str:
        for material in Material.objects.filter(pk__in=line.material_ids):
            for subject in subjects:
                licence = held_licence_for_material(material, **subject)
                if licence is not None:
                    return licence.number
        return ""

    return held


@public_page
def theme_notice(request: HttpRequest, code: str) -> HttpResponse:
    found, raw, answers, error = _tailored(request, code)
    if error is not None:
        return _answer_error(request, found, raw, error)
    built = build_theme_notice(found, answers, held=_held_by(request))
    return render(
        request,
        "portal/theme_notice.html",
        {
            "theme": found,
            "notice": built,
            "query": urlencode(answers),
            "savings": _saving_rows(built.savings),
            "savings_caption": "按您选择的情形计算" if built.answers else "",
            "questions": _question_forms(found, answers),
        },
    )


def theme_notice_download(request: HttpRequest, code: str) -> HttpResponse:
    found, raw, answers, error = _tailored(request, code)
    if error is not None:
        return _answer_error(request, found, raw, error)
    built = build_theme_notice(found, answers, held=_held_by(request))
    response = HttpResponse(theme_notice_pdf(built), content_type="application/pdf")
    response["Content-Disposition"] = _inline_disposition(built.filename, fallback=found.code)
    return response
