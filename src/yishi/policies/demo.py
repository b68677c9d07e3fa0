"""Demo policies (seed data): 高龄津贴, the two 残疾人 subsidies, 失业保险金 and three company
policies. Every amount is SAMPLE data (domain facts: the Hubei/鄂州 amounts are unverified):
each policy carries the note 示例金额，由管理员设定 and the administrator edits the bands.

Idempotent: a policy is matched by its code; an unchanged rule keeps its rule version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from yishi.catalog.models import Department, Matter
from yishi.core.errors import ValidationFailed
from yishi.policies.models import (
    SAMPLE_AMOUNT_NOTE,
    Policy,
    SubjectKind,
    check_application_fields,
    check_faq,
)
from yishi.policies.services import policy_save

DISTRICT = "420702"  # 梁子湖区
START = dt.date(2026, 1, 1)

ALIVE = {"field": "alive", "op": "eq", "value": True}
RESIDENT = {"field": "region_code", "op": "startswith", "value": DISTRICT}
DISABLED = {"field": "disability_type", "op": "not_null"}
IN_BUSINESS = {"field": "status", "op": "eq", "value": "active"}
REGISTERED_HERE = {"field": "region_code", "op": "startswith", "value": DISTRICT}
# The catalog matter (src/yishi/catalog/demo/matters_policy.json) through which the demo
# 即申即享 policy is applied for.
APPLICATION_MATTER = "JF00600000-420702-LZH-RS"


def _age(lo: int, hi: int | None = None) -> dict[str, Any]:
    if hi is None:
        return {"field": "age", "op": "ge", "value": lo}
    return {"field": "age", "op": "between", "value": [lo, hi]}


def _months(lo: int, hi: int | None = None) -> dict[str, Any]:
    if hi is None:
        return {"field": "unemployment_insured_months", "op": "ge", "value": lo}
    return {"field": "unemployment_insured_months", "op": "between", "value": [lo, hi]}


DEMO_POLICIES: list[dict[str, Any]] = [
    {
        "code": "elderly-allowance",
        "name": "高龄津贴",
        "subject": SubjectKind.PERSON,
        "department": "LZH-MZ",
        "rule": {"all": [ALIVE, RESIDENT, _age(80)]},
        "amount_bands": [
            {"label": "80–89 周岁", "rule": _age(80, 89), "amount": "50.00"},
            {"label": "90–99 周岁", "rule": _age(90, 99), "amount": "100.00"},
            {"label": "100 周岁及以上", "rule": _age(100), "amount": "300.00"},
        ],
        "description": "本区户籍 80 周岁及以上老年人按年龄段按月发放高龄津贴，由民政部门依据户籍与"
        "人口登记数据主动发放，无需申请。",
        "basis": "湖北省高龄津贴相关规定",
    },
    {
        "code": "disability-living-subsidy",
        "name": "困难残疾人生活补贴",
        "subject": SubjectKind.PERSON,
        "department": "LZH-CL",
        "rule": {
            "all": [
                ALIVE,
                RESIDENT,
                DISABLED,
                {"field": "low_income_household", "op": "eq", "value": True},
            ]
        },
        "amount_bands": [{"label": "低保家庭残疾人", "amount": "80.00"}],
        "description": "持第二代残疾人证、属于最低生活保障家庭的残疾人，按月发放生活补贴。",
        "basis": "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》"
        "（国发〔2015〕52号）",
    },
    {
        "code": "severe-disability-care-subsidy",
        "name": "重度残疾人护理补贴",
        "subject": SubjectKind.PERSON,
        "department": "LZH-CL",
        "rule": {
            "all": [
                ALIVE,
                RESIDENT,
                DISABLED,
                {"field": "disability_grade", "op": "in", "value": [1, 2]},
                {"field": "needs_long_term_care", "op": "eq", "value": True},
            ]
        },
        "amount_bands": [
            {
                "label": "一级重度残疾",
                "rule": {"field": "disability_grade", "op": "eq", "value": 1},
                "amount": "100.00",
            },
            {"label": "二级重度残疾", "amount": "80.00"},
        ],
        "description": "残疾等级为一级、二级且需要长期照护（6 个月以上）的重度残疾人，按月发放护理补贴。",
        "basis": "国发〔2015〕52号",
    },
    {
        "code": "unemployment-benefit",
        "name": "失业保险金",
        "subject": SubjectKind.PERSON,
        "department": "LZH-RS",
        "rule": {
            "all": [
                ALIVE,
                _months(12),
                {"field": "left_job_involuntarily", "op": "eq", "value": True},
                {"field": "unemployment_registered", "op": "eq", "value": True},
                {"field": "employment_status", "op": "eq", "value": "unemployed"},
                {"field": "pension_status", "op": "ne", "value": "receiving"},
            ]
        },
        "amount_bands": [
            {
                "label": "缴费满1年不满5年（最长12个月）",
                "rule": _months(12, 59),
                "amount": "1500.00",
                "months": 12,
            },
            {
                "label": "缴费满5年不满10年（最长18个月）",
                "rule": _months(60, 119),
                "amount": "1500.00",
                "months": 18,
            },
            {
                "label": "缴费10年以上（最长24个月）",
                "rule": _months(120),
                "amount": "1500.00",
                "months": 24,
            },
        ],
        "description": "失业前参加失业保险满一年、非因本人意愿中断就业、已办理失业登记的失业人员，"
        "按缴费年限确定最长领取期限（12/18/24 个月），按月发放。",
        "basis": "《中华人民共和国社会保险法》第四十五条至第四十七条",
    },
    {
        "code": "job-stabilisation-refund",
        "name": "稳岗返还",
        "subject": SubjectKind.COMPANY,
        "department": "LZH-RS",
        "rule": {
            "all": [
                IN_BUSINESS,
                REGISTERED_HERE,
                {"field": "employees", "op": "ge", "value": 1},
                {"not": {"field": "tax_credit_grade", "op": "in", "value": ["C", "D"]}},
            ]
        },
        "amount_bands": [
            {
                "label": "中小微企业",
                "rule": {"field": "size_class", "op": "in", "value": ["micro", "small", "medium"]},
                "amount": "1000.00",
            },
            {"label": "大型企业", "amount": "500.00"},
        ],
        "description": "依法参加失业保险、未裁员或裁员率较低的存续企业，按规定返还部分失业保险费。",
        "basis": "失业保险稳岗返还相关政策",
    },
    {
        "code": "micro-startup-subsidy",
        "name": "小微企业创业补贴",
        "subject": SubjectKind.COMPANY,
        "department": "LZH-RS",
        "rule": {
            "all": [
                IN_BUSINESS,
                REGISTERED_HERE,
                {"field": "size_class", "op": "in", "value": ["micro", "small"]},
                {"field": "years_since_registration", "op": "lt", "value": 3},
                {"field": "employees", "op": "ge", "value": 3},
            ]
        },
        "amount_bands": [{"label": "初创小微企业", "amount": "500.00"}],
        "description": "在本区登记成立不满 3 年、带动 3 人以上就业的小型微型企业，给予创业补贴。",
        "basis": "创业扶持相关政策",
    },
    {
        "code": "key-groups-tax-relief",
        "name": "招用重点群体税费减免",
        "subject": SubjectKind.COMPANY,
        "department": "LZH-SW",
        "rule": {
            "all": [
                IN_BUSINESS,
                REGISTERED_HERE,
                {"field": "employees", "op": "ge", "value": 1},
                {"field": "tax_credit_grade", "op": "in", "value": ["A", "B", "M"]},
            ]
        },
        "amount_bands": [{"label": "按招用人数定额扣减", "amount": "600.00"}],
        "description": "招用脱贫人口、登记失业半年以上人员等重点群体的企业，按定额依次扣减相关税费。"
        "实际扣减额以税务部门核定为准。",
        "basis": "重点群体创业就业税收优惠政策",
    },
    {
        # 即申即享: claimed through the catalog matter below (demo catalog, matters_policy.json).
        "code": "hard-to-employ-insurance-subsidy",
        "name": "吸纳就业困难人员社会保险补贴",
        "subject": SubjectKind.COMPANY,
        "department": "LZH-RS",
        "proactive": False,
        "matter": APPLICATION_MATTER,
        "ends_on": dt.date(2027, 6, 30),
        "rule": {
            "all": [
                IN_BUSINESS,
                REGISTERED_HERE,
                {"field": "employees", "op": "ge", "value": 1},
                {"not": {"field": "tax_credit_grade", "op": "in", "value": ["C", "D"]}},
            ]
        },
        "amount_bands": [
            {
                "label": "小微企业",
                "rule": {"field": "size_class", "op": "in", "value": ["micro", "small"]},
                "amount": "3000.00",
            },
            {"label": "其他企业", "amount": "5000.00"},
        ],
        "application_fields": [
            {"key": "company_name", "label": "单位名称", "prefill": "company.name"},
            {"key": "uscc", "label": "统一社会信用代码", "prefill": "company.uscc"},
            {
                "key": "legal_representative",
                "label": "法定代表人",
                "prefill": "company.legal_representative",
            },
            {"key": "address", "label": "单位地址", "prefill": "company.address"},
            {"key": "contact_name", "label": "经办人", "prefill": "person.name"},
            {"key": "contact_phone", "label": "联系电话", "prefill": "person.phone"},
            {
                "key": "hired_count",
                "label": "招用就业困难人员人数",
                "kind": "number",
                "help": "已签订劳动合同并缴纳社会保险费的人数",
            },
            {"key": "bank_account", "label": "补贴拨付银行账号", "help": "单位基本存款账户"},
        ],
        "faq": [
            {
                "q": "哪些人员属于就业困难人员？",
                "a": "经人力资源社会保障部门认定的就业困难人员，如大龄失业人员、残疾人、"
                "零就业家庭成员等；认定信息由人社部门共享，申报时无需另行提交。",
            },
            {
                "q": "补贴金额如何确定？",
                "a": "审核通过后按金额档次核定（小微企业、其他企业分档），示例金额由管理员设定，"
                "以现行文件为准。",
            },
            {
                "q": "申报后多久到账？",
                "a": "受理后 10 个工作日内审核，核定后拨付至申报时填写的单位账户，"
                "可在企业专属空间查看兑现进度。",
            },
        ],
        "description": "招用就业困难人员、签订劳动合同并缴纳社会保险费的企业，在线申报社会保险补贴，"
        "单位信息由登记数据预填，营业执照由电子证照调取，审核后按档次核定并兑现。",
        "basis": "《就业补助资金管理办法》（财社〔2017〕164号）",
    },
]


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # 即申即享 policies left out because their matter is not in the catalog yet.
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        skipped = f"，跳过 {len(self.skipped)}（缺少申报事项）" if self.skipped else ""
        return (
            f"示范政策：新增 {len(self.created)}，更新 {len(self.updated)}，未变 {len(self.unchanged)}"
            f"{skipped}（金额均为示例，由管理员设定）"
        )


def policies_demo(actor: object = "policies_demo") -> DemoResult:
    """Create or update the demo policies (granting departments from the demo catalog)."""
    result = DemoResult()
    codes = {row["department"] for row in DEMO_POLICIES}
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    missing = sorted(codes - set(departments))
    if missing:
        raise ValidationFailed(
            f"缺少兑现部门 {', '.join(missing)}，请先运行 load_demo 加载示范目录",
            field="department",
        )
    matter_codes = [row["matter"] for row in DEMO_POLICIES if row.get("matter")]
    matters = {m.code: m for m in Matter.objects.filter(code__in=matter_codes)}
    with transaction.atomic():
        for row in DEMO_POLICIES:
            if row.get("matter") and row["matter"] not in matters:
                result.skipped.append(row["code"])
                continue
            values = {
                **{k: v for k, v in row.items() if k not in ("department", "matter")},
                "department": departments[row["department"]],
                "amount_note": SAMPLE_AMOUNT_NOTE,
                "starts_on": START,
                "active": True,
            }
            if row.get("matter"):
                values["matter"] = matters[row["matter"]]
            # As stored (defaults filled in), so that an unchanged policy compares equal.
            values["application_fields"] = check_application_fields(
                values.get("application_fields")
            )
            values["faq"] = check_faq(values.get("faq"))
            policy = Policy.objects.filter(code=row["code"]).first()
            if policy is None:
                policy_save(policy=Policy(), actor=actor, changes=values)
                result.created.append(row["code"])
                continue
            current = {k: getattr(policy, k) for k in values}
            if current == values:
                result.unchanged.append(row["code"])
            else:
                policy_save(policy=policy, actor=actor, changes=values)
                result.updated.append(row["code"])
    return result
