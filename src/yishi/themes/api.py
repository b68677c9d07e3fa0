"""一件事 theme API: the list, a theme's composition, and its tailored one-time notice (JSON or
PDF). Thin: every rule lives in the themes domain modules."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from yishi.core.errors import ValidationFailed
from yishi.themes import queries
from yishi.themes.form import form_schema
from yishi.themes.materials import MaterialLine, lines_for_items
from yishi.themes.models import Theme
from yishi.themes.notice import ThemeNotice, build_theme_notice, theme_notice_pdf
from yishi.themes.savings import Savings, savings_for_items
from yishi.themes.tailoring import layers, prerequisites, question_options

router = Router(tags=["一件事主题"])


class CodeName(Schema):
    code: str
    name: str


class SavingsOut(Schema):
    materials_separate: int = Field(..., description="逐项分别办理需提交的材料份数之和")
    materials_theme: int = Field(
        ..., description="一件事办理需申请人提交的材料数（去重、免提交后）"
    )
    materials_saved: int
    materials_saved_percent: int
    visits_separate: int = Field(..., description="逐项办理到现场次数之和")
    visits_theme: int = Field(..., description="一件事办理最多到现场次数")
    visits_saved: int
    visits_saved_percent: int
    days_separate: int = Field(..., description="各事项承诺时限之和（工作日）")
    days_theme: int = Field(..., description="依赖链最长路径的承诺时限（工作日）")
    days_saved: int
    days_saved_percent: int
    promised_days: int | None = Field(None, description="主题整体承诺时限（工作日），未设则为空")


class ThemeSummaryOut(Schema):
    code: str
    name: str
    audience: str
    audience_label: str
    category: str
    category_label: str
    lead_department: CodeName
    summary: str
    matters_count: int
    savings: SavingsOut


class ThemeMatterOut(Schema):
    code: str = Field(..., description="事项实施编码")
    name: str
    department: CodeName
    promised_limit_days: int
    visits: int
    handling: str
    result_name: str
    condition: dict[str, Any] = Field(..., description="适用情形（空对象表示总是办理）")
    depends_on: list[str] = Field(..., description="前置事项的实施编码")
    step: int = Field(..., description="办理顺序（第几步，同一步的事项并行办理）")
    note: str


class ChoiceOut(Schema):
    value: str
    label: str


class QuestionOut(Schema):
    code: str
    text: str
    help_text: str
    kind: str
    choices: list[ChoiceOut]
    default: str


class MaterialLineOut(Schema):
    kind: str = Field(..., description="材料标识（同一种材料在各事项中相同）")
    name: str
    required: bool
    form: str = Field(..., description="材料形式（取各事项中最严格的要求）")
    copies: int
    source: str
    source_label: str
    licence_type: str
    deferrable: bool
    note: str
    matters: list[str] = Field(..., description="使用该材料的事项名称")
    exempt: bool = Field(..., description="免提交：全部来自电子证照或部门共享")
    produced_in_theme: bool = Field(..., description="由本主题前置事项办结生成，无需申请人提交")
    produced_by: str
    to_bring: bool = Field(..., description="申请人需提交")


class ThemeDetailOut(ThemeSummaryOut):
    conditions: str
    keywords: str
    matters: list[ThemeMatterOut]
    questions: list[QuestionOut]
    form_schema: dict[str, Any] = Field(..., description="一表申请的 JSON Schema (2020-12)")
    materials: list[MaterialLineOut]


class NoticeIn(Schema):
    answers: dict[str, str] = Field(
        default_factory=dict, description="情形引导答案：{问题编码: 答案}，是/否题为 yes/no"
    )


class AnswerOut(Schema):
    code: str
    question: str
    value: str
    label: str


class NoticeMatterOut(Schema):
    number: int
    code: str
    name: str
    department: str
    promised_days: int
    promised_limit: str
    visits: str
    result: str
    step: int
    needs: list[str] = Field(..., description="前置事项的实施编码")
    needs_names: list[str] = Field(..., description="前置事项名称")
    note: str


class NoticeMaterialOut(MaterialLineOut):
    number: int
    bring: str = Field(..., description="提交要求，一句话")


class NoticeOut(Schema):
    theme_code: str
    theme_name: str
    lead_department: str
    conditions: str
    answers: list[AnswerOut]
    matters: list[NoticeMatterOut]
    steps: list[list[str]] = Field(..., description="办理顺序：每一步并行办理的事项名称")
    materials: list[NoticeMaterialOut]
    savings: SavingsOut
    promised_text: str
    place: str
    hours: str
    consult_phone: str
    complaint_phone: str
    printed_date: str


def _savings(s: Savings) -> dict[str, Any]:
    return s.as_dict()


def _line(line: MaterialLine) -> dict[str, Any]:
    return {
        "kind": line.kind,
        "name": line.name,
        "required": line.required,
        "form": line.form,
        "copies": line.copies,
        "source": line.source,
        "source_label": line.source_label,
        "licence_type": line.licence_type,
        "deferrable": line.deferrable,
        "note": line.note,
        "matters": line.matters,
        "exempt": line.exempt,
        "produced_in_theme": line.produced_in_theme,
        "produced_by": line.produced_by,
        "to_bring": line.to_bring,
    }


def _summary(theme: Theme, items: list | None = None) -> dict[str, Any]:
    items = list(theme.items.all()) if items is None else items
    return {
        "code": theme.code,
        "name": theme.name,
        "audience": theme.audience,
        "audience_label": theme.get_audience_display(),
        "category": theme.category,
        "category_label": theme.get_category_display(),
        "lead_department": {
            "code": theme.lead_department.code,
            "name": theme.lead_department.name,
        },
        "summary": theme.summary,
        "matters_count": len(items),
        "savings": _savings(savings_for_items(theme, items)),
    }


def _detail(theme: Theme) -> dict[str, Any]:
    items = list(theme.items.all())
    step_of = {i.id: n for n, layer in enumerate(layers(theme, items), start=1) for i in layer}
    return {
        **_summary(theme, items),
        "conditions": theme.conditions,
        "keywords": theme.keywords,
        "matters": [
            {
                "code": i.matter.code,
                "name": i.matter.name,
                "department": {"code": i.matter.department.code, "name": i.matter.department.name},
                "promised_limit_days": i.matter.promised_limit_days,
                "visits": i.matter.visits,
                "handling": i.matter.handling,
                "result_name": i.matter.result_name,
                "condition": i.condition or {},
                "depends_on": [p.matter.code for p in prerequisites(i, items)],
                "step": step_of[i.id],
                "note": i.note,
            }
            for i in items
        ],
        "questions": [
            {
                "code": q.code,
                "text": q.text,
                "help_text": q.help_text,
                "kind": q.kind,
                "choices": [{"value": v, "label": lbl} for v, lbl in question_options(q).items()],
                "default": q.default,
            }
            for q in theme.questions.all()
        ],
        "form_schema": form_schema(theme),
        "materials": [_line(line) for line in lines_for_items(theme, items)],
    }


def _notice(notice: ThemeNotice) -> dict[str, Any]:
    return {
        "theme_code": notice.theme_code,
        "theme_name": notice.theme_name,
        "lead_department": notice.lead_department,
        "conditions": notice.conditions,
        "answers": [vars(a) for a in notice.answers],
        "matters": [
            {**vars(m), "needs": list(m.needs_codes), "needs_names": list(m.needs)}
            for m in notice.matters
        ],
        "steps": [list(step) for step in notice.steps],
        "materials": [
            {**_line(m.line), "number": m.number, "bring": m.bring} for m in notice.materials
        ],
        "savings": _savings(notice.savings),
        "promised_text": notice.promised_text,
        "place": notice.place,
        "hours": notice.hours,
        "consult_phone": notice.consult_phone,
        "complaint_phone": notice.complaint_phone,
        "printed_date": notice.printed_date,
    }


@router.get(
    "/themes", response=list[ThemeSummaryOut], summary="一件事主题清单（含减材料、减跑动、减时间）"
)
def list_themes(
    request: HttpRequest,
    audience: str | None = Query(None, description="person 个人 / company 法人"),
):
    return [_summary(t) for t in queries.published_theme_list(audience)]


@router.get(
    "/themes/{code}",
    response=ThemeDetailOut,
    summary="一件事主题详情（事项、依赖、情形、一表、一套材料）",
)
def get_theme(request: HttpRequest, code: str):
    return _detail(queries.theme_by_code(code))


@router.post("/themes/{code}/notice", response=NoticeOut, summary="按情形生成一次性告知单")
def post_notice(request: HttpRequest, code: str, payload: NoticeIn):
    theme = queries.theme_by_code(code)
    return _notice(build_theme_notice(theme, payload.answers))


def _query_answers(request: HttpRequest) -> dict[str, Any]:
    """Answers from the query string: `answers` as a JSON object, or else every other
    parameter as question code = answer (`?need_card=yes&place=local`)."""
    raw = request.GET.get("answers")
    if raw is None:
        return {k: request.GET[k] for k in request.GET}
    try:
        answers = json.loads(raw)
    except json.JSONDecodeError:
        raise ValidationFailed(
            'answers 应为 JSON 对象，例如 {"need_card": "yes"}', field="answers"
        ) from None
    if not isinstance(answers, dict):
        raise ValidationFailed('answers 应为 JSON 对象，例如 {"need_card": "yes"}', field="answers")
    return {str(k): v for k, v in answers.items()}


@router.get(
    "/themes/{code}/notice.pdf",
    summary="一次性告知单 PDF",
    description=(
        '情形答案两种写法任选其一：`?answers={"q1":"yes"}`（URL 编码的 JSON 对象），'
        "或每个问题一个查询参数 `?q1=yes&q2=local`。未回答的问题取默认答案。"
    ),
    response={200: None},
    openapi_extra={"responses": {200: {"description": "PDF", "content": {"application/pdf": {}}}}},
)
def get_notice_pdf(request: HttpRequest, code: str):
    theme = queries.theme_by_code(code)
    notice = build_theme_notice(theme, _query_answers(request))
    response = HttpResponse(theme_notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(notice.filename)}"
    return response
