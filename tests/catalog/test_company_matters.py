"""The demo catalog of company (法人) matters: every element filled, codes well-formed, time
limits consistent, and every matter the company themes need present. Reads the JSON only."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from yishi.catalog.models import CrossRegion, Material, Matter, MatterType, OnlineDepth
from yishi.catalog.services import MATERIAL_FIELDS, MATTER_FIELDS

DATA_FILE = Path(__file__).resolve().parents[2] / "src/yishi/catalog/demo/matters_company.json"
MATTERS: list[dict] = json.loads(DATA_FILE.read_text(encoding="utf-8"))

MATTER_KEYS = set(MATTER_FIELDS) | {"region", "department", "base", "topics", "materials"}
DEPARTMENTS = {
    "EZ-HG", "LZH-SJJ", "LZH-ZWZX", "LZH-SCJG", "LZH-GA", "LZH-RS", "LZH-YB", "LZH-WJ",
    "LZH-MZ", "LZH-CL", "LZH-ZJ", "LZH-ZRZY", "LZH-BDC", "LZH-JT", "LZH-SW", "LZH-GJJ",
    "LZH-FG", "LZH-CG", "LZH-XF", "LZH-YJ", "LZH-HB", "LZH-NY", "LZH-YC", "LZH-JY",
    "LZH-TYJS", "LZH-SF", "UT-POWER", "UT-WATER", "UT-GAS", "UT-TEL", "UT-MOBILE", "UT-UNICOM",
}  # fmt: skip
COMPANY_TOPICS = {
    "c-start", "c-permit", "c-change", "c-tax", "c-hiring", "c-construction", "c-utilities",
    "c-credit", "c-listing", "c-bankruptcy", "c-exit", "c-transport", "c-catering",
}  # fmt: skip
TYPE_PREFIX = {
    "XK": "licensing", "QR": "confirmation", "JF": "payment", "CJ": "adjudication",
    "JL": "award", "ZS": "levy", "QT": "other_power", "GG": "public_service",
}  # fmt: skip
DISTRICT_HOURS = "法定工作日 上午8:30—12:00，下午14:30—17:30"
DISTRICT_CENTRE = "鄂州市梁子湖区政务服务中心（太和镇）"
NON_EMPTY = [
    "name", "short_name", "keywords", "legal_basis", "conditions", "process", "fee_standard",
    "fee_basis", "result_name", "result_delivery", "place", "hours", "consult_phone",
    "complaint_phone",
]  # fmt: skip

# Each company theme of /work/shared/data/themes.md → the names its matters carry here.
THEME_MATTERS = {
    "开办餐饮店": {
        "营业执照信息核验": "LZH-SCJG",
        "食品经营许可（新办）": "LZH-SCJG",
        "户外招牌设施设置": "LZH-CG",
        "公众聚集场所投入使用、营业前消防安全检查": "LZH-XF",
        "烟草专卖零售许可证核发（新办）": "LZH-YC",
    },
    "企业上市合法合规信息核查": {
        "企业上市合法合规信息核查（专用信用报告出具）": "LZH-FG",
        "企业无违法违规记录核查（市场监管领域）": "LZH-SCJG",
        "企业无违法违规记录核查（税务领域）": "LZH-SW",
        "企业无违法违规记录核查（人力资源和社会保障领域）": "LZH-RS",
        "企业无违法违规记录核查（医疗保障领域）": "LZH-YB",
        "企业无违法违规记录核查（住房公积金领域）": "LZH-GJJ",
        "企业无违法违规记录核查（生态环境领域）": "LZH-HB",
        "企业无违法违规记录核查（安全生产领域）": "LZH-YJ",
        "企业无违法违规记录核查（自然资源和规划领域）": "LZH-ZRZY",
        "企业无违法违规记录核查（住房和城乡建设领域）": "LZH-ZJ",
        "企业无违法违规记录核查（消防安全领域）": "LZH-XF",
        "企业无违法违规记录核查（城市管理领域）": "LZH-CG",
    },
    "企业破产信息核查": {
        "企业登记档案查询（破产管理人）": "LZH-SCJG",
        "不动产登记信息查询（破产管理人）": "LZH-BDC",
        "机动车登记信息查询（破产管理人）": "LZH-GA",
        "社会保险欠费信息查询（破产管理人）": "LZH-RS",
        "医疗保险欠费信息查询（破产管理人）": "LZH-YB",
        "涉税信息查询（破产管理人）": "LZH-SW",
        "住房公积金缴存信息查询（破产管理人）": "LZH-GJJ",
    },
    "信用修复": {
        "行政处罚信息信用修复": "LZH-FG",
        "企业移出经营异常名录": "LZH-SCJG",
        "移出严重违法失信名单（市场监管领域）": "LZH-SCJG",
        "纳税信用修复": "LZH-SW",
    },
    "水电气网联合报装": {
        "低压用电报装（小微企业）": "UT-POWER",
        "高压用电报装": "UT-POWER",
        "用水报装": "UT-WATER",
        "用气报装": "UT-GAS",
        "宽带（固话）报装": "UT-TEL",
        "城市道路挖掘（占用）许可": "LZH-ZJ",
        "临时占用城市绿地许可": "LZH-ZJ",
    },
    "开办运输企业": {
        "企业设立登记（有限责任公司）": "LZH-SCJG",
        "公章刻制备案": "LZH-GA",
        "道路货物运输经营许可（除危险货物外）": "LZH-JT",
        "道路运输车辆营运证（道路运输证）配发": "LZH-JT",
        "发票申领（首次）": "LZH-SW",
        "社会保险单位参保登记": "LZH-RS",
        "医疗保险单位参保登记": "LZH-YB",
        "住房公积金单位缴存登记": "LZH-GJJ",
    },
    "企业信息变更": {
        "企业变更登记": "LZH-SCJG",
        "税务登记信息变更": "LZH-SW",
        "社会保险单位信息变更": "LZH-RS",
        "医疗保险单位信息变更": "LZH-YB",
        "住房公积金单位信息变更": "LZH-GJJ",
        "公章重新刻制（名称变更）": "LZH-GA",
    },
    "企业注销登记": {
        "清税证明（税务注销）": "LZH-SW",
        "企业注销登记": "LZH-SCJG",
        "社会保险单位注销": "LZH-RS",
        "医疗保险单位注销": "LZH-YB",
        "住房公积金单位账户封存、注销": "LZH-GJJ",
        "海关报关单位备案注销": "EZ-HG",
    },
}


def by_code(matter: dict) -> str:
    return matter["code"]


each_matter = pytest.mark.parametrize("matter", MATTERS, ids=by_code)


def test_file_holds_at_least_45_company_matters():
    assert isinstance(MATTERS, list)
    assert len(MATTERS) >= 45


def test_codes_and_basic_codes_are_unique():
    codes = Counter(m["code"] for m in MATTERS)
    basic_codes = Counter(m["basic_code"] for m in MATTERS)
    assert [c for c, n in codes.items() if n > 1] == []
    assert [c for c, n in basic_codes.items() if n > 1] == []


def test_names_are_unique():
    names = Counter(m["name"] for m in MATTERS)
    assert [n for n, count in names.items() if count > 1] == []


@pytest.mark.parametrize("theme", sorted(THEME_MATTERS))
def test_every_matter_of_the_theme_is_present_with_its_department(theme):
    departments_by_name = {m["name"]: m["department"] for m in MATTERS}
    expected = THEME_MATTERS[theme]
    assert {name: departments_by_name.get(name) for name in expected} == expected


@each_matter
def test_matter_has_exactly_the_keys_matter_upsert_reads(matter):
    assert set(matter) == MATTER_KEYS
    for material in matter["materials"]:
        assert set(material) == set(MATERIAL_FIELDS)


@each_matter
def test_every_text_element_is_filled(matter):
    empty = [key for key in NON_EMPTY if not str(matter[key]).strip()]
    assert empty == []
    assert matter["topics"]
    assert matter["materials"]


@each_matter
def test_code_is_basic_code_region_and_department(matter):
    basic = matter["basic_code"]
    assert re.fullmatch(r"[A-Z]{2}\d{5}000", basic)
    assert TYPE_PREFIX[basic[:2]] == matter["matter_type"]
    assert 500 <= int(basic[2:7]) <= 999
    assert matter["code"] == f"{basic}-{matter['region']}-{matter['department']}"


@each_matter
def test_department_region_and_level_agree(matter):
    assert matter["department"] in DEPARTMENTS
    if matter["department"].startswith("EZ-"):
        assert (matter["region"], matter["level"]) == ("420700", 2)
    else:
        assert (matter["region"], matter["level"]) == ("420702", 3)
    assert matter["base"] is None


@each_matter
def test_topics_are_company_topics(matter):
    assert set(matter["topics"]) <= COMPANY_TOPICS
    assert len(matter["topics"]) == len(set(matter["topics"]))


@each_matter
def test_promised_limit_never_exceeds_legal_limit(matter):
    legal, promised = matter["legal_limit_days"], matter["promised_limit_days"]
    assert legal is None or (isinstance(legal, int) and legal > 0)
    assert isinstance(promised, int) and promised >= 0
    if legal is not None:
        assert promised <= legal


@each_matter
def test_instant_matters_are_promised_in_zero_days(matter):
    assert matter["handling"] == ("instant" if matter["promised_limit_days"] == 0 else "promised")


@each_matter
def test_free_matters_say_so_in_the_fee_standard(matter):
    assert isinstance(matter["fee_required"], bool)
    if not matter["fee_required"]:
        assert matter["fee_standard"].startswith("不收费")


@each_matter
def test_choices_are_valid_model_choices(matter):
    assert matter["matter_type"] in MatterType.values
    assert matter["audience"] in Matter.Audience.values
    assert matter["handling"] in Matter.Handling.values
    assert matter["result_type"] in Matter.ResultType.values
    assert matter["online_depth"] in OnlineDepth.values
    assert matter["cross_region"] in CrossRegion.values
    assert matter["visits"] in {0, 1, 2, 3}
    assert isinstance(matter["mobile"], bool)


@each_matter
def test_district_departments_use_the_centre_and_its_hours(matter):
    if matter["department"].startswith("LZH-"):
        assert matter["hours"] == DISTRICT_HOURS
        assert matter["place"].startswith(DISTRICT_CENTRE)


@each_matter
def test_text_fits_the_model_columns(matter):
    too_long = [
        field
        for field in MATTER_FIELDS
        if isinstance(matter[field], str)
        and (limit := Matter._meta.get_field(field).max_length)
        and len(matter[field]) > limit
    ]
    for material in matter["materials"]:
        too_long += [
            f"materials.{field}"
            for field in MATERIAL_FIELDS
            if isinstance(material[field], str)
            and (limit := Material._meta.get_field(field).max_length)
            and len(material[field]) > limit
        ]
    assert too_long == []


@each_matter
def test_materials_are_complete_and_valid(matter):
    for material in matter["materials"]:
        assert material["name"].strip()
        assert re.fullmatch(r"[a-z][a-z0-9_]*", material["kind"])
        assert material["form"] in Material.Form.values
        assert material["source"] in Material.Source.values
        assert material["spec"] == "A4"
        assert material["copies"] >= 1
        assert isinstance(material["required"], bool)
        assert isinstance(material["deferrable"], bool)
        if material["source"] == "licence":
            assert material["licence_type"]
    assert any(material["required"] for material in matter["materials"])


def test_shared_documents_carry_the_same_licence_everywhere():
    licence_types: dict[str, set[str]] = {}
    for matter in MATTERS:
        for material in matter["materials"]:
            if material["kind"] in {"business_licence", "legal_rep_id", "agent_id"}:
                licence_types.setdefault(material["kind"], set()).add(material["licence_type"])
    assert licence_types == {
        "business_licence": {"营业执照"},
        "legal_rep_id": {"居民身份证"},
        "agent_id": {"居民身份证"},
    }


def test_freight_licence_accepts_the_vehicle_commitment_with_missing_materials():
    freight = next(m for m in MATTERS if m["name"] == "道路货物运输经营许可（除危险货物外）")
    vehicle = next(x for x in freight["materials"] if x["kind"] == "vehicle_licence")
    assert vehicle["deferrable"] is True
    assert "拟投入运输车辆承诺书" in vehicle["name"]
    assert (freight["legal_limit_days"], freight["handling"]) == (20, "promised")
