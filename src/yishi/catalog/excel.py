"""The catalog as an Excel workbook (xlsx), round-trip safe: export → import gives back the same
matters (`matter_to_dict` equal), and exporting again gives the same cells.

Layout (a fixed mapping; columns are found by their header text, so their order is free):
- sheet 「事项」: row 1 the Chinese headers of MATTER_COLUMNS, one row per matter below.
  References are codes: 实施区划代码 (Region.code), 实施主体编码 (Department.code),
  上级层级事项编码 (the base matter's 实施编码), 主题分类编码 (Topic codes joined by "、").
  Choice elements are written as their Chinese labels ("行政许可") and read back as label or
  key ("licensing"); yes/no elements as 是/否; an empty 法定办结时限 means none set by law.
  状态 is optional on import: 已停用 withdraws the matter, anything else publishes it.
- sheet 「申请材料」: row 1 headers of MATERIAL_COLUMNS, one row per material; 事项编码 ties
  it to its matter and 序号 orders the materials of a matter.
- sheet 「说明」: these notes for the person filling the workbook; not read back.
Uploaded files (空白表格, 示例样表) are not part of the workbook.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import models, transaction
from django.db.models import QuerySet
from openpyxl import Workbook, load_workbook

from yishi.catalog.models import Material, Matter
from yishi.catalog.services import (
    COMMITMENT_FIELDS,
    LOCAL_FIELDS,
    MATERIAL_COMMITMENT_FIELDS,
    MATERIAL_FIELDS,
    MATTER_FIELDS,
    matter_clean,
    matter_publish,
    matter_upsert,
    matter_withdraw,
)
from yishi.core.errors import ValidationFailed

MATTER_SHEET = "事项"
MATERIAL_SHEET = "申请材料"
NOTES_SHEET = "说明"
TOPIC_SEPARATOR = "、"


def _verbose(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


_REFERENCE_HEADERS = {
    "region": "实施区划代码",
    "department": "实施主体编码",
    "base": "上级层级事项编码",
    "topics": "主题分类编码",
    "supervising_department": "监管部门编码",
}
# (dict key, header) in export order.
MATTER_COLUMNS: list[tuple[str, str]] = [
    (key, _REFERENCE_HEADERS.get(key) or _verbose(Matter, key))
    for key in [
        *MATTER_FIELDS[:6],
        "region",
        "department",
        "base",
        *MATTER_FIELDS[6:7],
        "topics",
        *MATTER_FIELDS[7:],
        *LOCAL_FIELDS,
        *COMMITMENT_FIELDS[:4],
        "supervising_department",
        *COMMITMENT_FIELDS[4:],
        "status",
    ]
]
MATERIAL_COLUMNS: list[tuple[str, str]] = [
    ("matter", "事项编码"),
    ("order", "序号"),
    *[(key, _verbose(Material, key)) for key in (*MATERIAL_FIELDS, *MATERIAL_COMMITMENT_FIELDS)],
]
# Workbooks made before the 告知承诺/审管衔接 columns still import; a missing column keeps
# the stored values (see services.matter_upsert).
_OPTIONAL_COLUMNS = {
    "status",
    "supervising_department",
    *COMMITMENT_FIELDS,
    *LOCAL_FIELDS,
    *MATERIAL_COMMITMENT_FIELDS,
}
_CODE_KEYS = {"code", "region", "department", "base", "matter", "supervising_department"}

NOTES = [
    "本工作簿由「一事」管理后台导出，可修改后重新导入。",
    "工作表「事项」每行一个事项，工作表「申请材料」每行一项材料，按「事项编码」对应到事项。",
    "列按表头名称识别，顺序可调整；请勿修改表头文字。",
    "选项类要素填写中文名称（如“行政许可”），是/否类要素填写“是”或“否”。",
    "主题分类编码以“、”分隔；法定办结时限为空表示法律未规定时限。",
    "状态填写“已停用”的事项导入后停用，其余事项导入后发布。",
    "告知承诺、容缺受理和审管衔接各列可省略，省略时保留系统中已有的设置；"
    "补交期限为 1—60 个工作日，监管部门填写部门编码。",
    "导入时先校验全部行，任何一行有错误则不写入任何数据。",
]


def _model_field(key: str, model: type[models.Model]) -> models.Field | None:
    try:
        return model._meta.get_field(key)
    except Exception:  # noqa: BLE001 - reference columns have no model field
        return None


# --- export ---------------------------------------------------------------------------------


def _cell(field: models.Field | None, value: Any) -> Any:
    if value is None or value == "":
        return None
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _matter_row(matter: Matter) -> list[Any]:
    row = []
    for key, _ in MATTER_COLUMNS:
        if key == "region":
            value = matter.region.code
        elif key == "department":
            value = matter.department.code
        elif key == "base":
            value = matter.base.code if matter.base_id else None
        elif key == "supervising_department":
            sup = matter.supervising_department
            value = sup.code if sup is not None else None
        elif key == "topics":
            value = TOPIC_SEPARATOR.join(sorted(t.code for t in matter.topics.all())) or None
        else:
            value = _cell(_model_field(key, Matter), getattr(matter, key))
        row.append(value)
    return row


def _append(sheet, values: list[Any]) -> None:
    sheet.append(values)
    # Text stays text: a value starting with "=" must never become a formula.
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def export_catalog(queryset: QuerySet[Matter] | None = None) -> bytes:
    """The matters of `queryset` (default: the whole catalog) as an xlsx workbook."""
    qs = (queryset if queryset is not None else Matter.objects.all()).order_by("level", "code")
    qs = qs.select_related(
        "region", "department", "base", "supervising_department"
    ).prefetch_related("topics", "materials")
    wb = Workbook()
    matters_ws = wb.active
    matters_ws.title = MATTER_SHEET
    materials_ws = wb.create_sheet(MATERIAL_SHEET)
    notes_ws = wb.create_sheet(NOTES_SHEET)
    matters_ws.append([header for _, header in MATTER_COLUMNS])
    materials_ws.append([header for _, header in MATERIAL_COLUMNS])
    for line in NOTES:
        notes_ws.append([line])
    for matter in qs:
        _append(matters_ws, _matter_row(matter))
        for i, material in enumerate(matter.materials.all(), start=1):
            values = [matter.code, i]
            values += [
                _cell(_model_field(key, Material), getattr(material, key))
                for key in (*MATERIAL_FIELDS, *MATERIAL_COMMITMENT_FIELDS)
            ]
            _append(materials_ws, values)
    for ws in (matters_ws, materials_ws):
        ws.freeze_panes = "B2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"导入失败：共 {len(self.errors)} 处错误，未写入任何数据"
        text = (
            f"导入完成：新增 {self.created} 项，更新 {self.updated} 项，未变化 {self.unchanged} 项"
        )
        if self.withdrawn:
            text += f"，停用 {self.withdrawn} 项"
        return text


@dataclass
class _Row:
    sheet: str
    number: int
    data: dict[str, Any]


def _location(sheet: str, row: int, header: str | None) -> str:
    where = f"工作表「{sheet}」第 {row} 行"
    return f"{where}「{header}」" if header else where


def _to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse(key: str, fld: models.Field | None, value: Any) -> Any:
    """A cell value as the matter dict wants it; unparseable values are passed on unchanged so
    that the service's validation names them."""
    if key in _CODE_KEYS:
        return _to_text(value).strip() or None
    if key == "topics":
        text = _to_text(value).replace(",", TOPIC_SEPARATOR).replace("，", TOPIC_SEPARATOR)
        return [t.strip() for t in text.split(TOPIC_SEPARATOR) if t.strip()]
    if fld is None:
        return value
    if isinstance(fld, models.CharField | models.TextField) and not fld.choices:
        # Text is kept exactly as written (spaces and line breaks included).
        return _to_text(value)
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if fld.null:
            return None
        if isinstance(fld, models.CharField | models.TextField):
            return ""
        return None
    if fld.choices:
        lookup: dict[str, Any] = {}
        for choice_key, label in fld.flatchoices:
            lookup[str(label)] = choice_key
            lookup[str(choice_key)] = choice_key
        return lookup.get(_to_text(value), value)
    if isinstance(fld, models.BooleanField):
        if isinstance(value, bool):
            return value
        text = _to_text(value).upper()
        if text in {"是", "TRUE", "1", "Y", "YES"}:
            return True
        if text in {"否", "FALSE", "0", "N", "NO"}:
            return False
        return value
    if isinstance(fld, models.IntegerField):
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = _to_text(value)
        return int(text) if text.isdigit() else value
    return value


def _read_sheet(ws, columns: list[tuple[str, str]], errors: list[str]) -> list[_Row] | None:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    positions = {str(h).strip(): i for i, h in enumerate(header) if h is not None}
    missing = [h for key, h in columns if h not in positions and key not in _OPTIONAL_COLUMNS]
    if missing:
        errors.extend(f"工作表「{ws.title}」缺少列「{h}」" for h in missing)
        return None
    out = []
    for number, values in enumerate(rows, start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        data = {
            key: values[positions[h]] if positions[h] < len(values) else None
            for key, h in columns
            if h in positions
        }
        out.append(_Row(ws.title, number, data))
    return out


def _headers(columns: list[tuple[str, str]]) -> dict[str, str]:
    return dict(columns)


def import_catalog(file: BinaryIO | bytes | str, *, actor=None) -> ImportReport:
    """Check every row, then write all matters in one transaction (bases first) or nothing."""
    report = ImportReport()
    if isinstance(file, bytes):
        file = io.BytesIO(file)
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload gets the same answer
        report.errors.append("文件不是有效的 Excel(xlsx) 工作簿")
        return report
    for name in (MATTER_SHEET, MATERIAL_SHEET):
        if name not in wb.sheetnames:
            report.errors.append(f"缺少工作表「{name}」")
    if report.errors:
        return report
    matter_rows = _read_sheet(wb[MATTER_SHEET], MATTER_COLUMNS, report.errors)
    material_rows = _read_sheet(wb[MATERIAL_SHEET], MATERIAL_COLUMNS, report.errors)
    wb.close()
    if matter_rows is None or material_rows is None:
        return report

    matter_headers, material_headers = _headers(MATTER_COLUMNS), _headers(MATERIAL_COLUMNS)
    status_by_label = {str(label): key for key, label in Matter.Status.choices}
    status_by_label.update({key: key for key in Matter.Status.values})

    matters: dict[str, tuple[_Row, dict[str, Any]]] = {}
    for row in matter_rows:
        data = {
            key: _parse(key, _model_field(key, Matter), value)
            for key, value in row.data.items()
            if key != "status"
        }
        status_text = _to_text(row.data.get("status")).strip()
        data["_status"] = status_by_label.get(status_text) if status_text else None
        if status_text and data["_status"] is None:
            report.errors.append(
                f"{_location(row.sheet, row.number, '状态')}：状态 {status_text} 不是允许的取值"
            )
        code = data.get("code")
        if not code:
            report.errors.append(
                f"{_location(row.sheet, row.number, matter_headers['code'])}："
                "缺少必填要素「实施编码」"
            )
            continue
        if code in matters:
            report.errors.append(
                f"{_location(row.sheet, row.number, matter_headers['code'])}："
                f"实施编码 {code} 与第 {matters[code][0].number} 行重复"
            )
            continue
        data["materials"] = []
        data["_material_rows"] = []
        matters[code] = (row, data)

    grouped: dict[str, list[tuple[int, int, dict[str, Any], _Row]]] = defaultdict(list)
    for row in material_rows:
        code = _parse("matter", None, row.data.get("matter"))
        order = _parse("order", Material._meta.get_field("order"), row.data.get("order"))
        if code not in matters:
            report.errors.append(
                f"{_location(row.sheet, row.number, material_headers['matter'])}："
                f"事项编码 {code or '（空）'} 不在工作表「{MATTER_SHEET}」中"
            )
            continue
        if order is not None and not isinstance(order, int):
            report.errors.append(
                f"{_location(row.sheet, row.number, material_headers['order'])}："
                f"序号应为整数，收到 {order}"
            )
            continue
        material = {
            key: _parse(key, _model_field(key, Material), row.data.get(key))
            for key in (*MATERIAL_FIELDS, *MATERIAL_COMMITMENT_FIELDS)
            if key in MATERIAL_FIELDS or key in row.data
        }
        grouped[code].append((order if order is not None else 0, row.number, material, row))
    for code, items in grouped.items():
        items.sort(key=lambda item: (item[0], item[1]))
        matters[code][1]["materials"] = [item[2] for item in items]
        matters[code][1]["_material_rows"] = [item[3] for item in items]

    pending_levels = {
        code: data["level"] for code, (_, data) in matters.items() if isinstance(data["level"], int)
    }
    for row, data in matters.values():
        _, errors = matter_clean(_public(data), pending_levels=pending_levels)
        report.errors.extend(_describe(key, message, row, data) for key, message in errors)
    if report.errors:
        return report

    ordered = sorted(matters.values(), key=lambda item: (item[1]["level"], item[0].number))
    try:
        with transaction.atomic():
            for row, data in ordered:
                _write(data, row, report, actor)
    except _Abort:
        report.created = report.updated = report.unchanged = report.withdrawn = 0
    return report


class _Abort(Exception):
    pass


def _public(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _describe(key: str, message: str, row: _Row, data: dict[str, Any]) -> str:
    if key.startswith("materials."):
        _, index, name = key.split(".")
        material_row = data["_material_rows"][int(index)]
        header = _headers(MATERIAL_COLUMNS)[name]
        # The service numbers materials within their matter; the sheet row says it already.
        if message.startswith("第 ") and "：" in message:
            message = message.split("：", 1)[1]
        return f"{_location(material_row.sheet, material_row.number, header)}：{message}"
    header = _headers(MATTER_COLUMNS).get(key)
    return f"{_location(row.sheet, row.number, header)}：{message}"


def _write(data: dict[str, Any], row: _Row, report: ImportReport, actor) -> None:
    existed = Matter.objects.filter(code=data["code"]).exists()
    try:
        matter, changed = matter_upsert(_public(data), actor=actor)
    except ValidationFailed as exc:
        report.errors.append(_describe(exc.field or "", exc.message, row, data))
        raise _Abort from exc
    if not existed:
        report.created += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1
    status = data.get("_status")
    if status == Matter.Status.WITHDRAWN and matter.status != Matter.Status.WITHDRAWN:
        matter_withdraw(matter=matter, actor=actor)
        report.withdrawn += 1
    elif status != Matter.Status.WITHDRAWN and matter.status != Matter.Status.PUBLISHED:
        matter_publish(matter=matter, actor=actor)
