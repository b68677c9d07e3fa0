"""The one-time notice (一次性告知单): everything an applicant must know and bring for a matter,
built from the catalog in one read so the HTML page and the PDF say exactly the same."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from yishi.catalog.models import Material, Matter
from yishi.core.pdf import PdfDocument

EXEMPT_LABEL = "免提交（电子证照/部门共享获取）"
EXEMPT_SOURCES = frozenset({Material.Source.LICENCE, Material.Source.SHARED})
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def legal_limit_text(matter: Matter) -> str:
    if matter.legal_limit_days is None:
        return "法律未规定办结时限"
    return f"法定 {matter.legal_limit_days} 个工作日"


def promised_limit_text(matter: Matter) -> str:
    if matter.handling == Matter.Handling.INSTANT or not matter.promised_limit_days:
        return "即办件（当场办结）"
    return f"承诺 {matter.promised_limit_days} 个工作日"


def short_limit_text(matter: Matter) -> str:
    """The promise in a few characters, for result lists."""
    if matter.handling == Matter.Handling.INSTANT or not matter.promised_limit_days:
        return "即办件"
    return f"承诺 {matter.promised_limit_days} 个工作日"


def fee_text(matter: Matter) -> str:
    if not matter.fee_required:
        return "不收费"
    return matter.fee_standard or "收费（标准见收费依据）"


def visits_text(matter: Matter) -> str:
    if matter.visits == 0:
        return "零跑动（无需到现场）"
    return f"最多跑 {matter.visits} 次"


def is_exempt(material: Material) -> bool:
    """A material the department obtains itself (e-licence or data sharing): not to be brought."""
    return material.source in EXEMPT_SOURCES


@dataclass(frozen=True)
class NoticeMaterial:
    number: int
    name: str
    required: bool
    form: str
    copies: int
    spec: str
    source: str
    exempt: bool
    deferrable: bool
    note: str

    @property
    def requirement(self) -> str:
        return "必需" if self.required else "非必需（视情况提供）"

    @property
    def bring(self) -> str:
        """What to hand in at the window, in one phrase."""
        if self.exempt:
            return EXEMPT_LABEL
        spec = f"，{self.spec}纸张" if self.spec and self.form != "电子材料" else ""
        return f"{self.form} {self.copies} 份{spec}"


@dataclass(frozen=True)
class Notice:
    matter_code: str
    matter_name: str
    department: str
    matter_type: str
    version: int
    legal_basis: str
    conditions: str
    process: str
    materials: tuple[NoticeMaterial, ...]
    legal_limit: str
    promised_limit: str
    fee: str
    fee_basis: str
    result: str
    result_delivery: str
    place: str
    hours: str
    consult_phone: str
    complaint_phone: str
    visits: str
    online_depth: str
    mobile: bool
    printed_at: dt.datetime

    @property
    def to_bring(self) -> tuple[NoticeMaterial, ...]:
        return tuple(m for m in self.materials if not m.exempt)

    @property
    def exempt(self) -> tuple[NoticeMaterial, ...]:
        return tuple(m for m in self.materials if m.exempt)

    @property
    def printed_date(self) -> str:
        d = self.printed_at
        return f"{d.year}年{d.month}月{d.day}日"

    @property
    def filename(self) -> str:
        return f"{self.matter_name}一次性告知单.pdf"


def build_notice(matter: Matter, *, now: dt.datetime | None = None) -> Notice:
    """The notice for a matter as it stands (its current published elements)."""
    printed_at = (now or timezone.now()).astimezone(SHANGHAI)
    materials = tuple(
        NoticeMaterial(
            number=i,
            name=m.name,
            required=m.required,
            form=m.get_form_display(),
            copies=m.copies,
            spec=m.spec,
            source=m.get_source_display(),
            exempt=is_exempt(m),
            deferrable=m.deferrable,
            note=m.note,
        )
        for i, m in enumerate(matter.materials.all(), start=1)
    )
    result = f"{matter.result_name}（{matter.get_result_type_display()}）"
    return Notice(
        matter_code=matter.code,
        matter_name=matter.name,
        department=matter.department.name,
        matter_type=matter.get_matter_type_display(),
        version=matter.version,
        legal_basis=matter.legal_basis,
        conditions=matter.conditions,
        process=matter.process,
        materials=materials,
        legal_limit=legal_limit_text(matter),
        promised_limit=promised_limit_text(matter),
        fee=fee_text(matter),
        fee_basis=matter.fee_basis if matter.fee_required else "",
        result=result,
        result_delivery=matter.result_delivery,
        place=matter.place,
        hours=matter.hours,
        consult_phone=matter.consult_phone,
        complaint_phone=matter.complaint_phone,
        visits=visits_text(matter),
        online_depth=matter.get_online_depth_display(),
        mobile=matter.mobile,
        printed_at=printed_at,
    )


def notice_pdf(notice: Notice) -> bytes:
    """The notice as an A4 PDF with embedded Chinese font."""
    doc = PdfDocument(
        title=f"{notice.matter_name} 一次性告知单",
        subject="一次性告知单",
        footer=f"打印日期 {notice.printed_date} · 事项版本 第 {notice.version} 版 · {settings.SITE_NAME}",
    )
    doc.title("一次性告知单", subtitle=notice.matter_name)
    doc.fields(
        [
            ("实施主体", notice.department),
            ("事项类型", notice.matter_type),
            ("实施编码", notice.matter_code),
            ("事项版本", f"第 {notice.version} 版"),
            ("打印日期", notice.printed_date),
        ]
    )
    doc.heading("一、受理条件")
    doc.paragraph(notice.conditions)
    doc.heading("二、申请材料（请一次备齐）")
    doc.table(
        ["序号", "材料名称", "是否必需", "提交要求", "说明"],
        [
            [
                str(m.number),
                m.name,
                "必需" if m.required else "非必需",
                m.bring,
                "；".join(filter(None, ["可容缺后补" if m.deferrable else "", m.note])),
            ]
            for m in notice.materials
        ],
        widths=(7, 34, 11, 26, 30),
    )
    if notice.exempt:
        doc.paragraph(
            "标注“免提交”的材料由窗口通过电子证照库或部门共享获取，申请人无需提交纸质材料。",
            size=9.5,
            muted=True,
        )
    doc.heading("三、办理时限与收费")
    fields = [
        ("法定办结时限", notice.legal_limit),
        ("承诺办结时限", notice.promised_limit),
        ("收费标准", notice.fee),
    ]
    if notice.fee_basis:
        fields.append(("收费依据", notice.fee_basis))
    doc.fields(fields)
    doc.heading("四、办理流程与结果")
    doc.fields(
        [
            ("办理流程", notice.process),
            ("办理结果", notice.result),
            ("送达方式", notice.result_delivery),
            ("到现场次数", notice.visits),
            ("网上办理", notice.online_depth + ("，支持掌上办理" if notice.mobile else "")),
        ]
    )
    doc.heading("五、办理地点与咨询")
    doc.fields(
        [
            ("办理地点", notice.place),
            ("办理时间", notice.hours),
            ("咨询电话", notice.consult_phone),
            ("监督投诉电话", notice.complaint_phone),
        ]
    )
    doc.heading("六、设定依据")
    doc.paragraph(notice.legal_basis, size=9.5)
    return doc.to_bytes()
