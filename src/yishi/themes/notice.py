"""A theme's one-time notice (一次性告知单), tailored to the applicant's answers: which matters
apply and in what order, the one set of materials (each document once), what the theme saves,
where to go. The HTML page, the JSON API and the PDF are all built from one ThemeNotice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from yishi.catalog.models import Department, Matter
from yishi.catalog.notice import EXEMPT_LABEL, SHANGHAI, promised_limit_text, visits_text
from yishi.core.pdf import PdfDocument
from yishi.themes.materials import (
    MaterialLine,
    Requirement,
    join_notes,
    lines_for_items,
    requirement,
)
from yishi.themes.models import Theme, ThemeMatter
from yishi.themes.savings import Savings, savings_for_items
from yishi.themes.tailoring import (
    answer_label,
    condition_holds,
    layers,
    prerequisites,
    validate_answers,
)

PRODUCED_LABEL = "免提交（本主题内办理生成）"


@dataclass(frozen=True)
class NoticeAnswer:
    code: str
    question: str
    value: str
    label: str


@dataclass(frozen=True)
class NoticeMatter:
    number: int
    code: str
    name: str
    department: str
    promised_days: int
    promised_limit: str  # "承诺 5 个工作日" / "即办件（当场办结）"
    visits: str
    result: str
    step: int  # 1-based dependency layer: matters of one step run in parallel
    needs: tuple[str, ...]  # names of the applicable prerequisite matters
    needs_codes: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class NoticeMaterialLine:
    number: int
    line: MaterialLine
    # The number of an e-licence this applicant holds that stands in for the document
    # (免证明), found by a higher layer for a logged-in applicant; "" for everyone else.
    held: str = ""

    @property
    def name(self) -> str:
        return self.line.name

    @property
    def decision(self) -> Requirement:
        """需提交 or 无需提交 and why: the one decision the apply flow also follows."""
        return requirement(self.line, held=self.held)

    @property
    def to_bring(self) -> bool:
        return self.decision.to_bring

    @property
    def status(self) -> str:
        """bring / exempt / produced / held (see materials.requirement)."""
        return self.decision.status

    @property
    def bring(self) -> str:
        """What to hand in, in one phrase."""
        decision = self.decision
        if decision.status == "produced":
            return PRODUCED_LABEL
        if decision.status == "exempt":
            return EXEMPT_LABEL
        if decision.status == "held":
            return f"免提交（您已持有电子证照 {self.held}）"
        return f"{self.line.form} {self.line.copies} 份"

    @property
    def requirement(self) -> str:
        return "必需" if self.line.required else "非必需（视情况提供）"

    @property
    def remarks(self) -> str:
        parts = []
        if self.line.produced_by:
            parts.append(f"由「{self.line.produced_by}」办结后生成")
        if self.decision.deferrable:
            parts.append("可容缺后补")
        parts.append("用于：" + "、".join(self.line.matters))
        if self.line.note:
            parts.append(self.line.note)
        return join_notes(parts)


@dataclass(frozen=True)
class ThemeNotice:
    theme_code: str
    theme_name: str
    audience: str
    category: str
    lead_department: str
    summary: str
    conditions: str
    answers: tuple[NoticeAnswer, ...]
    matters: tuple[NoticeMatter, ...]
    steps: tuple[tuple[str, ...], ...]  # matter names per dependency layer
    materials: tuple[NoticeMaterialLine, ...]
    savings: Savings
    place: str
    hours: str
    consult_phone: str
    complaint_phone: str
    printed_at: dt.datetime

    @property
    def to_bring(self) -> tuple[NoticeMaterialLine, ...]:
        return tuple(m for m in self.materials if m.to_bring)

    @property
    def not_brought(self) -> tuple[NoticeMaterialLine, ...]:
        return tuple(m for m in self.materials if not m.to_bring)

    @property
    def promised_text(self) -> str:
        """The theme's time promise: its own, if set, and always the computed chain."""
        chain = f"按依赖链最长路径计算 {self.savings.days_theme} 个工作日"
        if self.savings.promised_days is not None:
            return f"整体承诺 {self.savings.promised_days} 个工作日（{chain}）"
        return chain

    @property
    def printed_date(self) -> str:
        d = self.printed_at
        return f"{d.year}年{d.month}月{d.day}日"

    @property
    def filename(self) -> str:
        return f"{self.theme_name}一次性告知单.pdf"


def _answers_shown(theme: Theme, cleaned: Mapping[str, str]) -> tuple[NoticeAnswer, ...]:
    return tuple(
        NoticeAnswer(
            code=q.code,
            question=q.text,
            value=cleaned[q.code],
            label=answer_label(q, cleaned[q.code]),
        )
        for q in theme.questions.all()
        if q.code in cleaned
    )


def _contact(theme: Theme, items: list[ThemeMatter]) -> tuple[str, str, str, str]:
    """Place, hours and phones: from the lead department's matter, else the first matter,
    else the district's service centre."""
    lead: Matter | None = next(
        (i.matter for i in items if i.matter.department_id == theme.lead_department_id),
        items[0].matter if items else None,
    )
    if lead is not None:
        return lead.place, lead.hours, lead.consult_phone, lead.complaint_phone
    centre = Department.objects.filter(kind=Department.Kind.SERVICE_CENTRE).order_by("code").first()
    if centre is None:
        return "", "", theme.lead_department.phone, ""
    return centre.address or centre.name, "", centre.phone, centre.phone


def build_theme_notice(
    theme: Theme,
    answers: Mapping[str, Any] | None,
    *,
    now: dt.datetime | None = None,
    held: Callable[[MaterialLine], str] | None = None,
) -> ThemeNotice:
    """The notice of the theme for these answers (None: every matter, no answers shown).
    `held(line)` gives the number of an e-licence the applicant holds for a document they
    would otherwise bring (免提交), or ""."""
    if answers is None:
        cleaned: dict[str, str] = {}
        items = list(theme.items.all())
    else:
        cleaned = validate_answers(theme, answers)
        items = [i for i in theme.items.all() if condition_holds(i.condition, cleaned)]
    by_layer = layers(theme, items)
    step_of = {item.id: n for n, layer in enumerate(by_layer, start=1) for item in layer}
    matters = []
    for number, item in enumerate(items, start=1):
        needs = prerequisites(item, items)
        matter = item.matter
        matters.append(
            NoticeMatter(
                number=number,
                code=matter.code,
                name=matter.name,
                department=matter.department.name,
                promised_days=matter.promised_limit_days,
                promised_limit=promised_limit_text(matter),
                visits=visits_text(matter),
                result=matter.result_name,
                step=step_of[item.id],
                needs=tuple(p.matter.name for p in needs),
                needs_codes=tuple(p.matter.code for p in needs),
                note=item.note,
            )
        )
    lines = lines_for_items(theme, items)
    place, hours, consult, complaint = _contact(theme, items)
    return ThemeNotice(
        theme_code=theme.code,
        theme_name=theme.name,
        audience=theme.get_audience_display(),
        category=theme.get_category_display(),
        lead_department=theme.lead_department.name,
        summary=theme.summary,
        conditions=theme.conditions,
        answers=_answers_shown(theme, cleaned),
        matters=tuple(matters),
        steps=tuple(tuple(i.matter.name for i in layer) for layer in by_layer),
        materials=tuple(
            NoticeMaterialLine(
                number=n, line=line, held=held(line) if held and line.to_bring else ""
            )
            for n, line in enumerate(lines, start=1)
        ),
        savings=savings_for_items(theme, items),
        place=place,
        hours=hours,
        consult_phone=consult,
        complaint_phone=complaint,
        printed_at=(now or timezone.now()).astimezone(SHANGHAI),
    )


def theme_notice_pdf(notice: ThemeNotice) -> bytes:
    """The theme notice as an A4 PDF with the embedded Chinese font, in the look of the
    matter notice (catalog.notice.notice_pdf)."""
    s = notice.savings
    doc = PdfDocument(
        title=f"{notice.theme_name} 一次性告知单",
        subject="一件事一次性告知单",
        footer=f"打印日期 {notice.printed_date} · {settings.SITE_NAME}",
    )
    doc.title("一次性告知单", subtitle=f"“一件事”：{notice.theme_name}")
    doc.fields(
        [
            ("牵头部门", notice.lead_department),
            ("服务对象", notice.audience),
            ("推进类型", notice.category),
            ("打印日期", notice.printed_date),
        ]
    )
    doc.heading("一、适用对象与条件")
    doc.paragraph(notice.conditions)
    if notice.answers:
        doc.fields([(a.question, a.label) for a in notice.answers], label_width=80)
    doc.heading("二、办理事项")
    doc.table(
        ["序号", "事项名称", "实施主体", "承诺时限", "前置事项"],
        [
            [str(m.number), m.name, m.department, m.promised_limit, "、".join(m.needs) or "无"]
            for m in notice.matters
        ],
        widths=(7, 34, 26, 18, 23),
    )
    doc.heading("三、办理顺序")
    doc.paragraph(
        "\n".join(
            f"第{n}步：{'、'.join(names)}" + ("（同时办理）" if len(names) > 1 else "")
            for n, names in enumerate(notice.steps, start=1)
        )
    )
    doc.heading("四、申请材料（一套材料，请一次备齐）")
    doc.table(
        ["序号", "材料名称", "是否必需", "提交要求", "说明"],
        [
            [
                str(m.number),
                m.line.name,
                "必需" if m.line.required else "非必需",
                m.bring,
                m.remarks,
            ]
            for m in notice.materials
        ],
        widths=(7, 30, 11, 26, 34),
    )
    if notice.not_brought:
        doc.paragraph(
            "标注“免提交”的材料由窗口通过电子证照库、部门共享获取（含您已持有的电子证照），"
            "或由本主题前一环节办结后直接流转，申请人无需提交。",
            size=9.5,
            muted=True,
        )
    doc.heading("五、办理时限与成效")
    doc.fields(
        [
            ("办理时限", notice.promised_text),
            ("申请材料", f"分别办理 {s.materials_separate} 份，一件事办理 {s.materials_theme} 份，"
             f"减少 {s.materials_saved} 份（{s.materials_saved_percent}%）"),
            ("跑动次数", f"分别办理 {s.visits_separate} 次，一件事办理最多 {s.visits_theme} 次"),
            ("办理时间", f"分别办理合计 {s.days_separate} 个工作日，一件事办理 {s.days_theme} "
             f"个工作日，减少 {s.days_saved} 个工作日"),
        ]
    )  # fmt: skip
    doc.heading("六、办理地点与咨询")
    doc.fields(
        [
            ("办理地点", notice.place),
            ("办理时间", notice.hours),
            ("咨询电话", notice.consult_phone),
            ("监督投诉电话", notice.complaint_phone),
        ]
    )
    return doc.to_bytes()
