"""Demo data of 企业一类事与增值服务: fictional providers (names marked 示例) with their offers,
and six packages built from the demo themes, matters and policies. Idempotent: rows are
matched by code; a module whose theme, matter or policy is not loaded is left out."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from yishi.catalog.models import Matter
from yishi.policies.demo import APPLICATION_MATTER
from yishi.policies.models import Policy
from yishi.themes.models import Theme

from .models import Module, Offer, Package, Provider

APPLICATION_POLICY = "hard-to-employ-insurance-subsidy"

PROVIDERS: list[dict[str, Any]] = [
    {
        "code": "demo-bank",
        "name": "梁子湖示例农商银行（示例）",
        "kind": "bank",
        "phone": "0711-0000001",
        "summary": "示例服务商，名称与电话均为虚构。",
        "offers": [
            {
                "code": "demo-bank-account",
                "name": "企业基本存款账户预约开立",
                "summary": "新办企业在线预约开立基本存款账户，营业执照信息由企业授权共享。",
                "stages": ["open"],
            },
            {
                "code": "demo-bank-loan",
                "name": "小微企业信用贷款",
                "summary": "按企业授权共享的纳税、社保等经营信息评估，提供无抵押信用贷款。",
                "stages": ["operate", "change"],
            },
        ],
    },
    {
        "code": "demo-law",
        "name": "鄂州示例律师事务所（示例）",
        "kind": "law",
        "phone": "0711-0000002",
        "summary": "示例服务商，名称与电话均为虚构。",
        "offers": [
            {
                "code": "demo-law-checkup",
                "name": "企业法律体检",
                "summary": "章程、合同、用工等合规检查，出具体检报告。",
                "stages": ["operate", "change", "close"],
            }
        ],
    },
    {
        "code": "demo-accounting",
        "name": "梁子湖示例会计师事务所（示例）",
        "kind": "accounting",
        "phone": "0711-0000003",
        "summary": "示例服务商，名称与电话均为虚构。",
        "offers": [
            {
                "code": "demo-bookkeeping",
                "name": "代理记账与纳税申报",
                "summary": "为初创企业提供代理记账、纳税申报服务。",
                "stages": ["open", "operate"],
            },
            {
                "code": "demo-liquidation-audit",
                "name": "清算审计",
                "summary": "企业注销前的清算审计，出具清算报告。",
                "stages": ["close"],
            },
        ],
    },
    {
        "code": "demo-hr",
        "name": "示例人力资源服务有限公司（示例）",
        "kind": "recruitment",
        "phone": "0711-0000004",
        "summary": "示例服务商，名称与电话均为虚构。",
        "offers": [
            {
                "code": "demo-recruitment",
                "name": "招聘与用工指导",
                "summary": "发布招聘信息、组织专场招聘，提供用工合规指导。",
                "stages": ["open", "operate"],
            }
        ],
    },
    {
        "code": "demo-insurance",
        "name": "示例财产保险梁子湖支公司（示例）",
        "kind": "insurance",
        "phone": "0711-0000005",
        "summary": "示例服务商，名称与电话均为虚构。",
        "offers": [
            {
                "code": "demo-food-liability",
                "name": "食品安全责任保险",
                "summary": "餐饮企业食品安全责任保险，保障就餐人员人身损害赔偿。",
                "stages": ["permit", "operate"],
            },
            {
                "code": "demo-vehicle-insurance",
                "name": "营运车辆保险",
                "summary": "道路运输企业营运车辆交强险、承运人责任险。",
                "stages": ["permit", "operate"],
            },
        ],
    },
    {
        "code": "demo-utility",
        "name": "梁子湖示例供水有限公司（示例）",
        "kind": "utility",
        "phone": "0711-0000006",
        "summary": "示例服务商，名称与电话均为虚构。",
        "offers": [
            {
                "code": "demo-utility-survey",
                "name": "用水报装上门勘察",
                "summary": "报装前上门勘察用水点位、管径，给出接入方案。",
                "stages": ["permit"],
            }
        ],
    },
]

# Modules: ("theme"|"matter"|"policy"|"offer", code, answers, recommended)
PACKAGES: list[dict[str, Any]] = [
    {
        "code": "open-restaurant",
        "name": "开办餐饮企业一类事",
        "kind": "industry",
        "stage": "open",
        "industry": "餐饮",
        "summary": "从营业执照核验、食品经营许可、招牌设置到首次申领发票、参保登记，"
        "再加开户和食品安全责任保险，开一家餐饮店一次办齐。",
        "modules": [
            ("theme", "restaurant", {}, True),
            ("matter", "QT00554000-420702-LZH-SW", {}, True),
            ("matter", "GG00555000-420702-LZH-RS", {}, True),
            ("offer", "demo-bank-account", {}, True),
            ("offer", "demo-food-liability", {}, False),
        ],
    },
    {
        "code": "open-transport",
        "name": "开办运输企业一类事",
        "kind": "industry",
        "stage": "open",
        "industry": "道路运输",
        "summary": "设立登记、道路运输许可、车辆营运证、参保登记一次办，附营运车辆保险和开户服务。",
        "modules": [
            ("theme", "transport-company", {}, True),
            ("offer", "demo-vehicle-insurance", {}, True),
            ("offer", "demo-bank-account", {}, False),
        ],
    },
    {
        "code": "permit-site",
        "name": "企业准营一类事",
        "kind": "stage",
        "stage": "permit",
        "industry": "",
        "summary": "取得营业执照后投入经营前：水电气网联合报装、建设工程消防验收、排污许可。",
        "modules": [
            ("theme", "utilities", {}, True),
            ("matter", "XK00591000-420702-LZH-ZJ", {}, False),
            ("matter", "XK00592000-420702-LZH-HB", {}, False),
            ("offer", "demo-utility-survey", {}, True),
        ],
    },
    {
        "code": "operate-grow",
        "name": "企业经营一类事",
        "kind": "stage",
        "stage": "operate",
        "industry": "",
        "summary": "经营期间的惠企政策申报、信用修复，以及招聘、记账、法律体检和信用贷款服务。",
        "modules": [
            ("policy", APPLICATION_POLICY, {}, True),
            ("theme", "credit-repair", {}, False),
            ("offer", "demo-recruitment", {}, True),
            ("offer", "demo-bookkeeping", {}, False),
            ("offer", "demo-law-checkup", {}, False),
            ("offer", "demo-bank-loan", {}, False),
        ],
    },
    {
        "code": "change-info",
        "name": "企业变更一类事",
        "kind": "stage",
        "stage": "change",
        "industry": "",
        "summary": "企业名称、住所、法定代表人等变更，同步税务、社保、医保、公积金信息，附法律体检。",
        "modules": [
            ("theme", "company-change", {}, True),
            ("offer", "demo-law-checkup", {}, False),
        ],
    },
    {
        "code": "close-company",
        "name": "企业注销一类事",
        "kind": "stage",
        "stage": "close",
        "industry": "",
        "summary": "清税、注销登记、社保医保公积金注销一次办，附清算审计服务。",
        "modules": [
            ("theme", "company-deregistration", {}, True),
            ("offer", "demo-liquidation-audit", {}, True),
        ],
    },
]


def _target(kind: str, code: str) -> Any:
    if kind == "theme":
        return Theme.objects.filter(code=code, status=Theme.Status.PUBLISHED).first()
    if kind == "matter":
        return Matter.objects.filter(code=code).first()
    if kind == "policy":
        return Policy.objects.filter(code=code, matter__code=APPLICATION_MATTER).first()
    return Offer.objects.filter(code=code).first()


@transaction.atomic
def load_enterprise_demo() -> dict[str, int]:
    """Create or update the demo providers, offers and packages; returns counts."""
    offers = 0
    for row in PROVIDERS:
        values = {k: v for k, v in row.items() if k not in ("code", "offers")}
        provider, _ = Provider.objects.update_or_create(
            code=row["code"], defaults={**values, "demo": True}
        )
        for n, offer in enumerate(row["offers"]):
            Offer.objects.update_or_create(
                code=offer["code"],
                defaults={
                    **{k: v for k, v in offer.items() if k != "code"},
                    "provider": provider,
                    "order": n,
                },
            )
            offers += 1
    packages = 0
    for order, row in enumerate(PACKAGES):
        values = {k: v for k, v in row.items() if k not in ("code", "modules")}
        package, _ = Package.objects.update_or_create(
            code=row["code"], defaults={**values, "order": order}
        )
        if not package.runs.exists():
            package.modules.all().delete()
        elif package.modules.exists():
            packages += 1
            continue  # started runs point at these modules: keep them as they are
        for n, (kind, code, answers, recommended) in enumerate(row["modules"]):
            target = _target(kind, code)
            if target is None:
                continue
            Module.objects.create(
                package=package,
                kind=kind,
                order=n,
                answers=answers,
                recommended=recommended,
                **{kind: target},
            )
        packages += 1
    return {"示例服务商": len(PROVIDERS), "示例增值服务": offers, "示范一类事": packages}
