"""The xlsx export of the figures: 概要, 按部门, 按事项, 按渠道, 按月, and the cases behind them."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from yishi.stats import conf, measures

_HEAD = ["名称"] + [measures.FIELD_LABELS[k] for k in measures.SUMMARY_FIELDS]


def _row(name: str, figures: dict[str, Any]) -> list[Any]:
    return [name] + [figures[k] for k in measures.SUMMARY_FIELDS]


def _sheet(wb: Workbook, title: str, head: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.column_dimensions["A"].width = 36


def workbook(f: measures.Filters) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    summary = measures.summary(f)
    _sheet(
        wb,
        "概要",
        ["统计期间", "指标", "数值"],
        [
            [f"{f.first:%Y-%m-%d} 至 {f.last:%Y-%m-%d}", measures.FIELD_LABELS[k], summary[k]]
            for k in measures.SUMMARY_FIELDS
        ],
    )
    for by, title in (
        ("department", "按部门"),
        ("matter", "按事项"),
        ("channel", "按渠道"),
        ("theme", "按主题"),
    ):
        _sheet(wb, title, _HEAD, [_row(str(r["name"]), r) for r in measures.breakdown(f, by)])
    _sheet(
        wb,
        "按月",
        ["月份", "受理量", "办结量"],
        [[m["month"], m["accepted"], m["completed"]] for m in measures.monthly(f)],
    )
    rows = [
        [
            app.number,
            app.title,
            app.get_status_display(),
            app.get_channel_display(),
            app.service_centre.name if app.service_centre_id else "",
            app.accepted_on,
            app.promised_due,
            timezone.localtime(app.completed_at).replace(tzinfo=None) if app.completed_at else None,
        ]
        for app in measures.cases(f)[: conf.export_max_rows()]
    ]
    _sheet(
        wb,
        "办件清单",
        [
            "申请编号",
            "事项/主题",
            "状态",
            "渠道",
            "受理服务中心",
            "受理日期",
            "承诺办结日期",
            "办结时间",
        ],
        rows,
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
