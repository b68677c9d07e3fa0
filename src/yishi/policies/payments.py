"""The payment list of a run as an .xlsx workbook (openpyxl) for the paying system or the
finance office. It holds full ID numbers because payment needs them: only staff download it,
and every download is audited (see views.run_payments)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from yishi.policies.models import Policy, Run
from yishi.policies.services import payment_lines

HEADERS = [
    "序号",
    "对象类型",
    "姓名/名称",
    "证件号码/统一社会信用代码",
    "档次",
    "金额(元)",
    "变化",
    "待遇编号",
]


def payment_xlsx(run: Run) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=f"{run.period} 发放名单")
    bold = Font(bold=True)
    sheet.append(
        [f"{run.policy.name}（{run.policy.department.name}）{run.period} 免申即享发放名单"]
    )
    sheet.append(
        [
            f"规则第 {run.rule_version.version} 版 · 判定日 {run.reference_date:%Y-%m-%d} · "
            f"新增 {run.new_count} · 继续 {run.continuing_count} · 终止 {run.ended_count} · "
            f"合计 {run.total_amount} 元 · {run.policy.amount_note}"
        ]
    )
    header = []
    for text in HEADERS:
        cell = sheet_cell(sheet, text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for n, line in enumerate(payment_lines(run).iterator(chunk_size=2000), start=1):
        grant = line.grant
        if grant.person_id:
            kind, name, number = "自然人", grant.person.name, grant.person.id_number
        else:
            kind, name, number = "法人", grant.company.name, grant.company.uscc
        sheet.append(
            [
                n,
                kind,
                name,
                number,
                line.band,
                float(line.amount),
                line.get_change_display(),
                grant.pk,
            ]
        )
    sheet.append(["合计", "", "", "", "", float(run.total_amount), "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    return WriteOnlyCell(sheet, value=value)


APPLICATION_HEADERS = [
    "序号",
    "对象类型",
    "姓名/名称",
    "证件号码/统一社会信用代码",
    "申请编号",
    "档次",
    "核定金额(元)",
    "状态",
    "支付凭证号",
]


def application_payment_xlsx(policy: Policy) -> bytes:
    """The 即申即享 payment list of a policy: every application with a committed amount,
    paid or still to pay, for the paying system or the finance office (same layout and the
    same rule as a run's list: full identifiers, staff only, every download audited)."""
    from yishi.policies.models import PolicyApplication

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="即申即享兑现名单")
    bold = Font(bold=True)
    rows = (
        PolicyApplication.objects.filter(policy=policy, amount__isnull=False)
        .select_related("application", "company", "person")
        .order_by("committed_at", "id")
    )
    committed = paid = 0
    sheet.append([f"{policy.name}（{policy.department.name}）即申即享兑现名单"])
    header = []
    for text in APPLICATION_HEADERS:
        cell = sheet_cell(sheet, text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for n, pa in enumerate(rows.iterator(chunk_size=2000), start=1):
        if pa.person_id:
            kind, name, number = "自然人", pa.person.name, pa.person.id_number
        else:
            kind, name, number = "法人", pa.company.name, pa.company.uscc
        committed += pa.amount
        paid += pa.amount if pa.paid_at else 0
        sheet.append(
            [
                n,
                kind,
                name,
                number,
                pa.application.number,
                pa.band,
                float(pa.amount),
                "已兑现" if pa.paid_at else "待兑现",
                pa.payment_reference,
            ]
        )
    sheet.append(["合计", "", "", "", "", "", float(committed), f"已兑现 {paid} 元", ""])
    sheet.append([policy.amount_note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
