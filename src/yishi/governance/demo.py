"""Demo data of 数据治理 for 梁子湖区: a chief data officer (数据局) and data officers at the
market regulator and the civil-affairs bureau; the data resource catalog of the platform's own
datasets (people, companies, cases, licences, grants, the matter catalog, outlets and opening
hours, statistics) and two external ones entered by hand; the quality rules; the open
datasets and the twelve-sector scenario register; two supply-and-demand requests; and one
check run, so that the scores and findings pages are not empty. Idempotent (keyed on codes
and usernames)."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from yishi.catalog.models import Department, Matter, StaffProfile
from yishi.core.roles import Role, grant_roles
from yishi.governance import services
from yishi.governance.models import DataRequest, Dataset, Finding, QualityRule, Scenario
from yishi.people.models import Company

S = Dataset.Sharing
STAFF = (
    ("cdo", Role.CHIEF_DATA_OFFICER, "LZH-SJJ"),
    ("data_scjg", Role.DATA_OFFICER, "LZH-SCJG"),
    ("data_mz", Role.DATA_OFFICER, "LZH-MZ"),
)


def _f(name: str, label: str, kind: str = "string") -> dict[str, str]:
    return {"name": name, "label": label, "type": kind}


# code, title, department, source, frequency (days), sharing, fields, description
DATASETS = (
    (
        "people-registry",
        "人口基础信息",
        "LZH-GA",
        "people.person",
        30,
        S.CONDITIONAL,
        [
            _f("name", "姓名"),
            _f("id_number", "居民身份证号"),
            _f("birth_date", "出生日期", "date"),
            _f("region_code", "户籍地区划代码"),
            _f("deceased_on", "死亡日期", "date"),
        ],
        "自然人基础信息，支撑表单预填、免申即享与免证明",
    ),
    (
        "company-registry",
        "法人基础信息",
        "LZH-SCJG",
        "people.company",
        30,
        S.CONDITIONAL,
        [
            _f("name", "名称"),
            _f("uscc", "统一社会信用代码"),
            _f("legal_representative", "法定代表人"),
            _f("address", "住所"),
            _f("region_code", "登记机关区划代码"),
            _f("status", "登记状态"),
        ],
        "企业与组织登记信息",
    ),
    (
        "cases",
        "政务服务办件数据",
        "LZH-ZWZX",
        "cases.application",
        1,
        S.CONDITIONAL,
        [
            _f("number", "申请编号"),
            _f("status", "状态"),
            _f("submitted_at", "提交时间", "datetime"),
        ],
        "一件事与单事项的申请、受理和办结记录",
    ),
    (
        "licences",
        "电子证照",
        "LZH-SJJ",
        "licences.licence",
        1,
        S.CONDITIONAL,
        [_f("number", "证照编号"), _f("valid_to", "有效期至", "date")],
        "各部门签发的电子证照",
    ),
    (
        "grants",
        "免申即享待遇",
        "LZH-MZ",
        "policies.grant",
        30,
        S.CONDITIONAL,
        [_f("status", "状态"), _f("started_period", "起始期间"), _f("amount", "每期金额")],
        "按登记数据直接兑现的惠民惠企待遇",
    ),
    (
        "matters",
        "政务服务事项目录",
        "LZH-ZWZX",
        "catalog.matter",
        365,
        S.UNCONDITIONAL,
        [
            _f("code", "实施编码"),
            _f("name", "事项名称"),
            _f("matter_type", "事项类型"),
            _f("department__name", "实施部门"),
            _f("legal_limit_days", "法定办结时限(工作日)", "integer"),
            _f("promised_limit_days", "承诺办结时限(工作日)", "integer"),
            _f("online_depth", "网办深度"),
            _f("fee_required", "是否收费", "boolean"),
        ],
        "全区已发布的政务服务事项及其办理要素",
    ),
    (
        "outlets",
        "政务服务网点",
        "LZH-ZWZX",
        "hall.outlet",
        90,
        S.UNCONDITIONAL,
        [
            _f("code", "网点编码"),
            _f("name", "网点名称"),
            _f("kind", "网点类别"),
            _f("region_code", "区划代码"),
            _f("address", "地址"),
            _f("latitude", "纬度", "number"),
            _f("longitude", "经度", "number"),
            _f("phone", "咨询电话"),
        ],
        "区、镇、村三级政务服务网点及其位置",
    ),
    (
        "opening-hours",
        "政务服务网点开放时间",
        "LZH-ZWZX",
        "hall.outlet",
        90,
        S.UNCONDITIONAL,
        [
            _f("code", "网点编码"),
            _f("name", "网点名称"),
            _f("opening_hours", "开放时间", "json"),
            _f("hours_note", "开放时间说明"),
        ],
        "各网点按星期的开放时段，法定节假日按工作日历闭厅",
    ),
    (
        "monthly-applications",
        "政务服务办件量月度统计",
        "LZH-SJJ",
        "stats.monthly_applications",
        30,
        S.UNCONDITIONAL,
        [_f("month", "月份"), _f("matter", "事项"), _f("count", "办件量", "integer")],
        "按月、按事项汇总的办件数量，不含任何个人信息",
    ),
    (
        "real-estate",
        "不动产登记信息",
        "LZH-BDC",
        "",
        7,
        S.CONDITIONAL,
        [
            _f("certificate_no", "不动产权证号"),
            _f("location", "坐落"),
            _f("area", "面积", "number"),
        ],
        "由不动产登记系统提供，手工登记目录",
    ),
    (
        "social-insurance",
        "社会保险参保信息",
        "EZ-RSJ",
        "",
        30,
        S.CONDITIONAL,
        [_f("insured_type", "参保险种"), _f("months", "累计缴费月数", "integer")],
        "市人社局提供的参保缴费信息，手工登记目录",
    ),
)
OPEN = ("matters", "outlets", "opening-hours", "monthly-applications")
# code, dataset, name, kind, definition
RULES = (
    (
        "company-required",
        "company-registry",
        "法人登记必填项",
        "completeness",
        {"fields": ["address", "legal_representative"]},
    ),
    (
        "company-uscc",
        "company-registry",
        "统一社会信用代码校验位",
        "validity",
        {"field": "uscc", "check": "uscc"},
    ),
    (
        "company-region",
        "company-registry",
        "登记机关区划代码存在",
        "consistency",
        {"check": "region_exists", "field": "region_code"},
    ),
    (
        "company-status",
        "company-registry",
        "登记状态代码",
        "validity",
        {
            "field": "status",
            "check": "codes",
            "codes": ["active", "suspended", "revoked", "cancelled"],
        },
    ),
    (
        "person-ric",
        "people-registry",
        "居民身份证号校验位",
        "validity",
        {"field": "id_number", "check": "ric"},
    ),
    (
        "person-required",
        "people-registry",
        "自然人必填项",
        "completeness",
        {"fields": ["name"]},
    ),
    (
        "grant-deceased",
        "grants",
        "死亡人员不应继续享受待遇",
        "consistency",
        {"check": "deceased_active_grant"},
    ),
    (
        "matter-fresh",
        "matters",
        "事项要素按年复核",
        "timeliness",
        {"fields": ["updated_at", "versions__published_at"], "filter": {"status": "published"}},
    ),
)
SCENARIOS = (
    ("government", "一件事一次办表单预填", ("people-registry", "company-registry")),
    ("industry", "规上工业企业惠企政策精准推送", ("company-registry", "grants")),
    ("agriculture", "新型农业经营主体服务", ("company-registry", "matters")),
    ("commerce", "个体工商户开业一件事", ("company-registry", "matters", "outlets")),
    ("transport", "政务服务网点出行导航", ("outlets", "opening-hours")),
    ("finance", "涉企信用融资增信", ("company-registry", "licences")),
    ("science", "科技型企业认定辅助", ("company-registry",)),
    ("culture", "文旅场所许可地图", ("matters", "outlets")),
    ("health", "出生医学证明与落户联办", ("people-registry", "cases")),
    ("emergency", "应急避难网点开放查询", ("outlets", "opening-hours")),
    ("environment", "环评审批时效分析", ("matters", "monthly-applications")),
    ("city", "办件量热力与窗口调配", ("monthly-applications", "outlets")),
)


def _staff(password: str) -> dict[str, object]:
    user_model = get_user_model()
    encoded = make_password(password or secrets.token_urlsafe(9))
    users = {}
    for username, role, code in STAFF:
        department = Department.objects.filter(code=code).first()
        if department is None:
            continue
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create(username=username, password=encoded)
            grant_roles(user, role)
            StaffProfile.objects.create(user=user, department=department)
        users[username] = user
    return users


def _plant_errors() -> None:
    """Two registry errors for the data officer to walk through (first load only): a company
    without an address and one whose credit code has a wrong check digit."""
    companies = list(Company.objects.order_by("-pk")[:2])  # the synthetic registry's
    if len(companies) < 2:
        return
    Company.objects.filter(pk=companies[0].pk).update(address="")
    code = companies[1].uscc
    wrong = "0" if code[-1] != "0" else "1"
    if not Company.objects.filter(uscc=code[:-1] + wrong).exists():
        Company.objects.filter(pk=companies[1].pk).update(uscc=code[:-1] + wrong)


@transaction.atomic
def load_governance_demo(password: str = "") -> dict[str, int]:
    users = _staff(password)
    departments = {d.code: d for d in Department.objects.all()}
    datasets: dict[str, Dataset] = {}
    for code, title, dep, source, freq, sharing, fields, description in DATASETS:
        if dep not in departments:
            continue
        dataset, _ = Dataset.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "department": departments[dep],
                "source": source,
                "frequency_days": freq,
                "sharing": sharing,
                "fields": fields,
                "description": description,
            },
        )
        datasets[code] = dataset
    if "matters" in datasets:
        datasets["company-registry"].matters.set(
            Matter.objects.filter(audience__in=["company", "both"])[:5]
        )
        datasets["people-registry"].matters.set(
            Matter.objects.filter(audience__in=["person", "both"])[:5]
        )
    for code in OPEN:
        if code in datasets and not datasets[code].is_open:
            services.dataset_publish(dataset=datasets[code], actor="system:demo")
    for code, ds, name, kind, definition in RULES:
        if ds not in datasets or QualityRule.objects.filter(code=code).exists():
            continue
        services.rule_save(
            rule=QualityRule(
                code=code, dataset=datasets[ds], name=name, kind=kind, definition=definition
            ),
            actor="system:demo",
        )
    for sector, name, codes in SCENARIOS:
        scenario, _ = Scenario.objects.get_or_create(sector=sector, name=name)
        scenario.datasets.set([datasets[c] for c in codes if c in datasets])
    requests = 0
    if {"data_mz", "data_scjg"} <= users.keys() and not DataRequest.objects.exists():
        agreed = services.request_submit(
            dataset=datasets["company-registry"],
            staff=users["data_mz"],
            purpose="核对困难企业职工救助对象的就业单位登记状态",
            legal_basis="《社会救助暂行办法》第十一条",
        )
        services.request_answer(
            request=agreed,
            staff=users["data_scjg"],
            agree=True,
            answer="同意按季度提供",
            terms="仅用于救助对象核对，不得转授第三方，核对完毕删除",
            delivery=DataRequest.Delivery.EXPORT,
        )
        services.request_deliver(request=agreed, staff=users["data_scjg"])
        services.request_submit(
            dataset=datasets["grants"],
            staff=users["data_scjg"],
            purpose="核查享受稳岗补贴企业的登记状态",
            legal_basis="《优化营商环境条例》第三十七条",
        )
        requests = 2
    if not Finding.objects.exists():
        _plant_errors()
    checked = services.governance_check(actor="system:demo")
    return {
        "datasets": len(datasets),
        "quality_findings": checked["findings"],
        "data_requests": requests,
    }
