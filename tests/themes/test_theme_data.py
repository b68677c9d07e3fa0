"""The 14 demo "一件事" themes: complete, consistent with the demo catalog, and loaded
idempotently by `load_demo`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from yishi.catalog.demo.loader import read_matters
from yishi.core.models import AuditEntry
from yishi.themes.demo.loader import read_themes
from yishi.themes.models import FieldMapping, Theme, ThemeFormField, ThemeMatter, ThemeQuestion
from yishi.themes.services import dependency_cycle, theme_to_dict

PASSWORD = "demo-test-密码-42"

CODES = [
    "listing-check",
    "bankruptcy-check",
    "credit-repair",
    "utilities",
    "social-security-card",
    "elevator",
    "rural-housing",
    "transport-company",
    "newborn",
    "disability",
    "retirement",
    "company-change",
    "restaurant",
    "company-deregistration",
]
NAMES = [
    "企业上市合法合规信息核查",
    "企业破产信息核查",
    "信用修复",
    "水电气网联合报装",
    "社会保障卡居民服务",
    "既有住宅加装电梯",
    "农村建房",
    "开办运输企业",
    "新生儿出生",
    "残疾人服务",
    "退休",
    "企业信息变更",
    "开办餐饮店",
    "企业注销登记",
]

THEMES = read_themes()
CATALOG = {m["code"]: m for m in read_matters()}


def _names(theme: dict, codes: list[str]) -> list[str]:
    return [CATALOG[c]["name"] for c in codes]


def _offered(theme: dict) -> dict[str, set[str]]:
    return {
        q["code"]: {"yes", "no"} if q["kind"] == "yes_no" else {c["value"] for c in q["choices"]}
        for q in theme["questions"]
    }


def test_the_file_holds_the_14_themes_of_the_plan_in_order_with_their_categories():
    assert [t["code"] for t in THEMES] == CODES
    assert [t["name"] for t in THEMES] == NAMES
    assert [t["category"] for t in THEMES] == ["land"] * 7 + ["upgrade"] * 7
    assert [t["order"] for t in THEMES] == list(range(1, 15))
    assert {t["status"] for t in THEMES} == {"published"}


def test_every_theme_has_a_summary_conditions_at_least_two_matters_and_three_form_fields():
    for theme in THEMES:
        assert len(theme["summary"]) >= 40, theme["code"]
        assert len(theme["conditions"]) >= 40, theme["code"]
        assert len(theme["items"]) >= 2, theme["code"]
        assert len(theme["fields"]) >= 3, theme["code"]


def test_every_referenced_matter_exists_in_the_demo_catalog():
    missing = [
        (t["code"], i["matter"]) for t in THEMES for i in t["items"] if i["matter"] not in CATALOG
    ]
    assert missing == []


def test_prerequisites_stay_inside_their_theme_and_form_no_cycle():
    for theme in THEMES:
        codes = [i["matter"] for i in theme["items"]]
        assert len(codes) == len(set(codes)), theme["code"]
        for item in theme["items"]:
            assert set(item["depends_on"]) <= set(codes), (theme["code"], item["matter"])
        graph = {i["matter"]: i["depends_on"] for i in theme["items"]}
        assert dependency_cycle(graph) is None, theme["code"]


def test_every_condition_names_an_existing_question_and_a_value_it_offers():
    for theme in THEMES:
        offered = _offered(theme)
        conditions = [i["condition"] for i in theme["items"]] + [
            f["condition"] for f in theme["fields"]
        ]
        for condition in conditions:
            for term in condition.get("all", []):
                assert term["q"] in offered, (theme["code"], term)
                assert set(term["in"]) <= offered[term["q"]], (theme["code"], term)


def test_every_question_decides_something():
    for theme in THEMES:
        used = {
            term["q"]
            for row in theme["items"] + theme["fields"]
            for term in row["condition"].get("all", [])
        }
        assert {q["code"] for q in theme["questions"]} == used, theme["code"]


def test_every_mapping_goes_to_a_matter_of_its_theme_and_every_field_is_mapped():
    for theme in THEMES:
        codes = {i["matter"] for i in theme["items"]}
        keys = [f["key"] for f in theme["fields"]]
        assert len(keys) == len(set(keys)), theme["code"]
        for field in theme["fields"]:
            assert field["mappings"], (theme["code"], field["key"])
            for mapping in field["mappings"]:
                assert mapping["matter"] in codes, (theme["code"], field["key"], mapping)
                assert mapping["target"].strip(), (theme["code"], field["key"])


def test_the_lead_departments_follow_the_plan():
    leads = {t["code"]: t["lead_department"] for t in THEMES}
    assert leads["listing-check"] == "LZH-FG"
    assert leads["credit-repair"] == "LZH-FG"
    assert leads["social-security-card"] == "LZH-RS"
    assert leads["rural-housing"] == "TOWN-100"
    assert leads["newborn"] == "LZH-WJ"
    assert leads["disability"] == "LZH-CL"
    assert leads["retirement"] == "LZH-RS"
    assert leads["company-change"] == "LZH-SCJG"
    assert leads["restaurant"] == "LZH-SCJG"
    assert leads["company-deregistration"] == "LZH-SCJG"


def test_the_newborn_chain_runs_from_birth_certificate_to_social_security_card():
    theme = THEMES[CODES.index("newborn")]
    deps = {CATALOG[i["matter"]]["name"]: _names(theme, i["depends_on"]) for i in theme["items"]}
    assert deps == {
        "出生医学证明签发": [],
        "出生登记（户口登记）": ["出生医学证明签发"],
        "城乡居民基本医疗保险参保登记": ["出生登记（户口登记）"],
        "社会保障卡申领": ["城乡居民基本医疗保险参保登记"],
        "预防接种证办理": ["出生医学证明签发"],
        "生育医疗费用支付": ["出生医学证明签发"],
        "生育津贴支付": ["出生医学证明签发"],
    }
    assert {CATALOG[i["matter"]]["region"] for i in theme["items"]} == {"420702"}
    prefills = {f["key"]: f["prefill"] for f in theme["fields"]}
    assert prefills["mother_name"] == "person.name"
    assert prefills["mother_id"] == "person.id_number"
    assert prefills["phone"] == "person.phone"


def test_the_restaurant_starts_from_licence_verification_and_tobacco_is_optional():
    theme = THEMES[CODES.index("restaurant")]
    items = {CATALOG[i["matter"]]["name"]: i for i in theme["items"]}
    assert items["营业执照信息核验"]["depends_on"] == []
    for name in ("食品经营许可（新办）", "户外招牌设施设置", "烟草专卖零售许可证核发（新办）"):
        assert _names(theme, items[name]["depends_on"]) == ["营业执照信息核验"]
    assert items["烟草专卖零售许可证核发（新办）"]["condition"] == {
        "all": [{"q": "tobacco", "in": ["yes"]}]
    }


def test_company_themes_prefill_the_company_from_the_registry():
    for theme in THEMES:
        if theme["audience"] != "company" or theme["code"] in {
            "transport-company",  # the company does not exist yet
            "bankruptcy-check",  # the applicant is the administrator, not the debtor
        }:
            continue
        prefills = {f["prefill"] for f in theme["fields"]}
        assert {"company.name", "company.uscc", "company.legal_representative"} <= prefills, theme[
            "code"
        ]


def _load(monkeypatch) -> str:
    monkeypatch.setenv("YISHI_DEMO_PASSWORD", PASSWORD)
    # The exchange's 多地联办 theme and its two matters are checked in tests/exchange.
    monkeypatch.setattr("yishi.exchange.demo.load_joint_demo", lambda: 0)
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "themes": Theme.objects.count(),
        "questions": ThemeQuestion.objects.count(),
        "items": ThemeMatter.objects.count(),
        "dependencies": ThemeMatter.depends_on.through.objects.count(),
        "fields": ThemeFormField.objects.count(),
        "mappings": FieldMapping.objects.count(),
        "audit": AuditEntry.objects.filter(action="theme.publish").count(),
    }


@pytest.mark.django_db
def test_load_demo_creates_the_14_published_themes_and_a_second_run_changes_nothing(
    monkeypatch,
):
    first = _load(monkeypatch)
    counts = _counts()
    snapshots = {t.code: theme_to_dict(t) for t in Theme.objects.all()}

    second = _load(monkeypatch)

    assert "一件事主题：14 个（新增 14，更新 0，未变 0）" in first
    assert "一件事主题：14 个（新增 0，更新 0，未变 14）" in second
    assert counts == {
        "themes": 14,
        "questions": sum(len(t["questions"]) for t in THEMES),
        "items": sum(len(t["items"]) for t in THEMES),
        "dependencies": sum(len(i["depends_on"]) for t in THEMES for i in t["items"]),
        "fields": sum(len(t["fields"]) for t in THEMES),
        "mappings": sum(len(f["mappings"]) for t in THEMES for f in t["fields"]),
        "audit": 14,
    }
    assert _counts() == counts
    assert {t.code: theme_to_dict(t) for t in Theme.objects.all()} == snapshots
    assert set(Theme.objects.values_list("status", flat=True)) == {"published"}
    assert list(Theme.objects.values_list("code", flat=True)) == CODES
    assert snapshots == {t["code"]: t for t in THEMES}


@pytest.mark.django_db
def test_a_theme_edited_in_the_database_is_restored_by_the_next_load(monkeypatch):
    _load(monkeypatch)
    newborn = Theme.objects.get(code="newborn")
    newborn.items.get(matter__code="GG00105000-420702-LZH-WJ").depends_on.clear()

    output = _load(monkeypatch)

    assert "一件事主题：14 个（新增 0，更新 1，未变 13）" in output
    assert theme_to_dict(newborn) == THEMES[CODES.index("newborn")]
