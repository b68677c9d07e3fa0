"""Writing the first version of a 工作指引/操作规程 from catalog and theme data: the steps in
order, who does what, each material's checkpoints, common reasons for 补正 and for refusal,
and the time limits. Plain text with numbered headings, so a lead can edit it as text."""

from __future__ import annotations

import re
from collections import Counter

from django.db.models import Q

from yishi.cases.models import CaseEvent, Pause
from yishi.catalog.models import Material, Matter
from yishi.themes.models import Theme, ThemeMatter

FORM_CHECKS = {
    Material.Form.ORIGINAL: "核验原件，原件当场退还",
    Material.Form.COPY: "复印件清晰完整，核对与原件一致",
    Material.Form.ORIGINAL_AND_COPY: "核验原件，留存复印件",
    Material.Form.ELECTRONIC: "电子材料可正常打开、内容完整",
}
SOURCE_CHECKS = {
    Material.Source.LICENCE: "通过电子证照库调取核验，申请人无需提交",
    Material.Source.SHARED: "通过部门共享获取，申请人无需提交",
    Material.Source.GOVERNMENT: "核对核发机关、有效期",
    Material.Source.APPLICANT: "申请人自备",
}
# How many of the most frequent recorded 补正 items a guide lists.
TOP_SUPPLEMENTS = 5
ITEM_NUMBER = re.compile(r"^\s*\d+\.\s*")


def _limits(matter: Matter) -> str:
    legal = (
        f"{matter.legal_limit_days} 个工作日" if matter.legal_limit_days is not None else "未规定"
    )
    handling = matter.get_handling_display()
    return (
        f"法定办结时限 {legal}；承诺办结时限 {matter.promised_limit_days} 个工作日（{handling}）；"
        "补正、特别程序期间暂停计时。"
    )


def _material_lines(materials: list[Material]) -> list[str]:
    lines = []
    for n, m in enumerate(materials, 1):
        checks = [
            "必需" if m.required else "非必需",
            f"{m.copies} 份" if m.copies and m.form != Material.Form.ELECTRONIC else "",
            FORM_CHECKS.get(m.form, ""),
            SOURCE_CHECKS.get(m.source, ""),
            f"规格 {m.spec}" if m.spec else "",
            "可容缺后补" if m.deferrable else "",
            "可告知承诺替代" if m.by_commitment else "",
            m.note,
        ]
        lines.append(f"{n}. {m.name}：" + "；".join(c for c in checks if c))
    return lines


def _listed_items(note: str) -> list[str]:
    """The items of a 补正 timeline note ("1. 甲；2. 乙")."""
    return [ITEM_NUMBER.sub("", part).strip() for part in note.split("；") if part.strip()]


def _recorded_supplements(matter_ids: list[int], theme_id: int | None = None) -> list[str]:
    """The 补正 items most often recorded for these matters (or this theme): the items of
    every pause for 补正 after acceptance, and of every request before it."""
    counts: Counter[str] = Counter()
    pauses = Pause.objects.filter(kind=Pause.Kind.SUPPLEMENT).filter(
        Q(subcase__matter_id__in=matter_ids) | Q(application__matter_id__in=matter_ids)
    )
    for items in pauses.values_list("items", flat=True)[:2000]:
        counts.update(str(i) for i in items or [])
    before = Q(application__matter_id__in=matter_ids)
    if theme_id is not None:
        before |= Q(application__theme_id=theme_id)
    notes = CaseEvent.objects.filter(before, subcase__isnull=True, action="request_supplement")
    for note in notes.values_list("note", flat=True)[:2000]:
        counts.update(_listed_items(note))
    return [f"{text}（已发生 {n} 次）" for text, n in counts.most_common(TOP_SUPPLEMENTS)]


def _supplement_reasons(materials: list[Material], recorded: list[str]) -> list[str]:
    reasons = [f"缺少或不符合要求：{m.name}" for m in materials if m.required]
    return recorded + reasons


def _numbered(lines: list[str]) -> str:
    return "\n".join(lines) if lines else "（无）"


def matter_guide_text(matter: Matter) -> str:
    materials = list(matter.materials.order_by("order", "id"))
    recorded = _recorded_supplements([matter.pk])
    steps = [s.strip() for s in matter.process.splitlines() if s.strip()]
    sections = [
        f"《{matter.name}》工作指引与操作规程",
        f"实施编码：{matter.code}；实施主体：{matter.department.name}；"
        f"事项类型：{matter.get_matter_type_display()}",
        "一、办理步骤（按顺序）",
        _numbered(steps),
        "二、岗位分工",
        "1. 综合窗口：一次性告知、收件核验、受理或出具补正/不予受理告知书；\n"
        "2. 审批人员（"
        + matter.department.name
        + "）：审查、决定（准予/不予许可/补正）、制作结果；\n"
        "3. 窗口或寄递：送达办理结果（" + (matter.result_delivery or "窗口领取") + "）。",
        "三、受理条件",
        matter.conditions,
        "四、材料核验要点",
        _numbered(_material_lines(materials)),
        "五、常见补正原因",
        _numbered([f"{n}. {r}" for n, r in enumerate(_supplement_reasons(materials, recorded), 1)]),
        "六、常见不予受理/不予许可情形",
        "1. 不符合受理条件（见第三部分）；2. 不属于本机关职权范围，应告知向有关机关申请；"
        "3. 逾期不补正或补正后仍不符合法定形式；4. 承诺不实。",
        "七、办理时限",
        _limits(matter),
        "八、设定依据",
        matter.legal_basis,
    ]
    return "\n".join(sections)


def _item_label(item: ThemeMatter, names: dict[int, str]) -> str:
    needs = [names[d.pk] for d in item.depends_on.all() if d.pk in names]
    after = f"（在「{'」「'.join(needs)}」办结后开始）" if needs else "（受理后即开始）"
    condition = "；仅在符合适用情形时办理" if item.condition else ""
    return f"{item.matter.name} — {item.matter.department.name}{after}{condition}"


def theme_guide_text(theme: Theme) -> str:
    items = list(
        theme.items.select_related("matter", "matter__department")
        .prefetch_related("depends_on")
        .order_by("order", "id")
    )
    names = {i.pk: i.matter.name for i in items}
    materials: list[Material] = []
    seen: set[str] = set()
    for i in items:
        for m in i.matter.materials.order_by("order", "id"):
            if m.name not in seen:
                seen.add(m.name)
                materials.append(m)
    recorded = _recorded_supplements([i.matter_id for i in items], theme.pk)
    limits = [f"{n}. {i.matter.name}：{_limits(i.matter)}" for n, i in enumerate(items, 1)]
    overall = (
        f"整体承诺时限 {theme.promised_days} 个工作日"
        if theme.promised_days is not None
        else "整体时限按前置关系中最长的一条链计算"
    )
    sections = [
        f"“{theme.name}”一件事工作指引与操作规程",
        f"牵头部门：{theme.lead_department.name}；适用对象与条件：{theme.conditions}",
        "一、办理步骤（按顺序）",
        "1. 综合窗口按情形引导确定应办事项，一次性告知一套材料；",
        "2. 一表申请、一套材料收件核验，受理后系统按事项分送各承办部门；",
        _numbered([f"   {n}. {_item_label(i, names)}" for n, i in enumerate(items, 1)]),
        f"{3}. 各部门办结后，结果统一送达（牵头部门跟踪督办）。",
        "二、岗位分工",
        f"牵头部门（{theme.lead_department.name}）：协调、督办、维护本指引；"
        "综合窗口：受理、补正告知、结果送达；各承办部门：按上表审查决定。",
        "三、材料核验要点（一套材料，已去重）",
        _numbered(_material_lines(materials)),
        "四、常见补正原因",
        _numbered([f"{n}. {r}" for n, r in enumerate(_supplement_reasons(materials, recorded), 1)]),
        "五、常见不予受理/不予许可情形",
        "1. 不符合所涉事项的受理条件；2. 前置事项不予许可，后续事项无法开始；"
        "3. 逾期不补正或承诺不实。",
        "六、办理时限",
        overall + "；各事项：",
        _numbered(limits),
    ]
    return "\n".join(sections)
