"""The 梁子湖区 demo data: complete guides, consistent codes, and a loader that is idempotent."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from yishi.catalog.demo.loader import (
    DEMO_DIR,
    DemoResult,
    load_departments,
    load_matters,
    load_regions,
    load_topics,
    matter_files,
    read_matters,
)
from yishi.catalog.models import (
    Department,
    Material,
    Matter,
    MatterVersion,
    Region,
    StaffProfile,
    Topic,
)
from yishi.catalog.services import MATTER_FIELDS, matter_to_dict
from yishi.core.errors import ValidationFailed
from yishi.core.roles import roles_of

PASSWORD = "demo-test-密码-42"
# The accounts the catalog loader makes (load_demo adds the derived staff, portal.demo_staff).
CATALOG_ACCOUNTS = ["admin", "window1", "reviewer_scjg", "reviewer_ga", "supervisor1", "policy1"]

# Optional by nature: an alias, and the fee basis of a free matter (there is nothing to base).
MAY_BE_BLANK = {"short_name", "fee_basis"}

THEME_MATTERS = {
    "新生儿出生": [
        "出生医学证明签发",
        "出生登记（户口登记）",
        "城乡居民基本医疗保险参保登记",
        "社会保障卡申领",
        "预防接种证办理",
        "生育医疗费用支付",
        "生育津贴支付",
    ],
    "社会保障卡居民服务": [
        "社会保障卡申领",
        "社会保障卡补换",
        "社会保障卡挂失解挂",
        "社会保障卡信息变更",
        "社会保障卡启用（含医保结算等应用开通）",
    ],
    "残疾人服务": [
        "残疾人证新办",
        "残疾人证换领",
        "困难残疾人生活补贴",
        "重度残疾人护理补贴",
        "城乡居民基本养老保险缴费补贴（重度残疾人代缴）",
        "残疾人辅助器具适配",
    ],
    "退休": [
        "企业职工基本养老保险退休申请",
        "职工医保退休人员待遇核定",
        "住房公积金退休提取",
    ],
    "既有住宅加装电梯": [
        "建设工程规划许可证核发（既有住宅加装电梯）",
        "建筑工程施工许可证核发",
        "特种设备安装改造修理告知",
        "特种设备使用登记",
        "既有住宅加装电梯补贴",
        "提取住房公积金（既有住宅加装电梯）",
    ],
    "农村建房": [
        "农村宅基地和建房（规划许可）申请",
        "乡村建设规划许可证核发",
        "农村建房开工查验",
        "农村建房竣工验收",
        "宅基地使用权及房屋所有权首次登记",
    ],
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's million rounds cost about a second per demo account; the hash is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _json(name):
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def _load(monkeypatch, password=PASSWORD) -> str:
    if password is None:
        monkeypatch.delenv("YISHI_DEMO_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("YISHI_DEMO_PASSWORD", password)
    # The exchange's 多地联办 theme and its two matters are checked in tests/exchange.
    monkeypatch.setattr("yishi.exchange.demo.load_joint_demo", lambda: 0)
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    user_model = get_user_model()
    return {
        "regions": Region.objects.count(),
        "departments": Department.objects.count(),
        "topics": Topic.objects.count(),
        "matters": Matter.objects.count(),
        "materials": Material.objects.count(),
        "versions": MatterVersion.objects.count(),
        "users": user_model.objects.count(),
        "staff": StaffProfile.objects.count(),
        "user_permissions": user_model.user_permissions.through.objects.count(),
        "matter_topics": Matter.topics.through.objects.count(),
    }


@pytest.mark.django_db
def test_second_load_changes_nothing(monkeypatch):
    first = _load(monkeypatch)
    counts = _row_counts()
    snapshots = {m.code: matter_to_dict(m) for m in Matter.objects.all()}

    second = _load(monkeypatch)

    total = len(read_matters())
    assert _row_counts() == counts
    assert counts["versions"] == counts["matters"] == total
    assert {m.code: matter_to_dict(m) for m in Matter.objects.all()} == snapshots
    assert set(Matter.objects.values_list("version", flat=True)) == {1}
    assert f"事项 {total}（新增 {total}，更新 0，未变 0）" in first
    assert f"事项 {total}（新增 0，更新 0，未变 {total}）" in second
    assert "示范账号已存在，密码见首次运行时的输出" in second
    assert "新建示范账号" not in second
    assert PASSWORD not in first + second


@pytest.mark.django_db
def test_demo_accounts_get_their_roles_departments_and_catalog_view_rights(monkeypatch):
    _load(monkeypatch)
    user_model = get_user_model()

    admin = user_model.objects.get(username="admin")
    assert (admin.is_superuser, admin.is_staff, admin.check_password(PASSWORD)) == (
        True,
        True,
        True,
    )
    profiles = {
        p.user.username: (
            "、".join(sorted(roles_of(p.user))),
            p.department.code,
            p.service_centre_id and p.service_centre.code,
        )
        for p in StaffProfile.objects.select_related("user", "department", "service_centre")
        if p.user.username in CATALOG_ACCOUNTS
    }
    assert profiles == {
        "admin": ("administrator", "LZH-SJJ", None),
        "window1": ("window", "LZH-ZWZX", "LZH-ZWZX"),
        "reviewer_scjg": ("reviewer", "LZH-SCJG", None),
        "reviewer_ga": ("reviewer", "LZH-GA", None),
        "supervisor1": ("supervisor", "LZH-SCJG", None),
        "policy1": ("policy_officer", "LZH-MZ", None),
    }
    for username in ["window1", "reviewer_scjg", "reviewer_ga", "supervisor1", "policy1"]:
        user = user_model.objects.get(username=username)
        assert (user.is_staff, user.is_superuser, user.check_password(PASSWORD)) == (
            True,
            False,
            True,
        )
        assert user.has_perm("catalog.view_matter")
        assert user.has_perm("catalog.view_department")
        assert not user.has_perm("catalog.change_matter")


@pytest.mark.django_db
def test_without_the_environment_password_the_new_accounts_share_one_printed_once(monkeypatch):
    output = _load(monkeypatch, password=None)
    user_model = get_user_model()

    [line] = [line for line in output.splitlines() if line.startswith("新建示范账号")]
    password = line.split("密码均为：")[1].split("（")[0]
    assert len(password) == 12  # secrets.token_urlsafe(9)
    for username in CATALOG_ACCOUNTS:
        assert user_model.objects.get(username=username).check_password(password)
    assert password not in _load(monkeypatch, password=None)


def test_person_file_alone_has_at_least_35_matters():
    matters = _json("matters_person.json")
    assert len(matters) >= 35
    assert all(m["audience"] in {"person", "both", "company"} for m in matters)
    assert len({m["basic_code"] for m in matters}) >= 35


def test_all_demo_files_together_have_at_least_60_matters():
    assert len(read_matters()) >= 60


def test_matter_codes_are_unique_and_follow_the_coding_rule():
    matters = read_matters()
    codes = [m["code"] for m in matters]
    assert len(codes) == len(set(codes))
    for m in matters:
        assert m["code"] == f"{m['basic_code']}-{m['region']}-{m['department']}"
        assert m["basic_code"][:2] in {"XK", "QR", "JF", "CJ", "JL", "ZS", "QT", "GG"}
        assert len(m["basic_code"]) == 10 and m["basic_code"][2:].isdigit()
    person_mains = {int(m["basic_code"][2:7]) for m in _json("matters_person.json")}
    assert all(100 <= n <= 499 for n in person_mains)


def test_referenced_regions_departments_topics_and_bases_exist():
    regions = {r["code"]: r for r in _json("regions.json")["regions"]}
    departments = {d["code"]: d for d in _json("departments.json")["departments"]}
    topics = {t["code"] for t in _json("topics.json")["topics"]}
    matters = {m["code"]: m for m in read_matters()}

    for d in departments.values():
        assert d["region"] in regions
        assert d["parent"] is None or d["parent"] in departments
    for r in regions.values():
        assert r["parent"] is None or regions[r["parent"]]["level"] == r["level"] - 1
    for m in matters.values():
        assert m["region"] in regions, m["code"]
        assert m["department"] in departments, m["code"]
        assert regions[m["region"]]["level"] == m["level"], m["code"]
        assert set(m["topics"]) <= topics, m["code"]
        assert m["topics"], m["code"]
        if m["base"] is not None:
            base = matters[m["base"]]
            assert (base["basic_code"], base["level"]) == (m["basic_code"], m["level"] - 1)


def test_every_demo_matter_has_every_element_filled():
    problems = []
    for m in read_matters():
        for f in MATTER_FIELDS:
            if f in MAY_BE_BLANK:
                continue
            if m[f] == "" or (f == "promised_limit_days" and m[f] is None):
                problems.append((m["code"], f))
        if m["fee_required"] and not m["fee_basis"]:
            problems.append((m["code"], "fee_basis"))
        if not m["fee_required"] and not m["fee_standard"].startswith("不收费"):
            problems.append((m["code"], "fee_standard"))
        if m["legal_limit_days"] is not None and m["promised_limit_days"] > m["legal_limit_days"]:
            problems.append((m["code"], "promised_limit_days"))
        if (m["handling"] == "instant") != (m["promised_limit_days"] == 0):
            problems.append((m["code"], "handling"))
        if not m["materials"]:
            problems.append((m["code"], "materials"))
        for material in m["materials"]:
            if not (material["name"] and material["kind"]):
                problems.append((m["code"], f"material {material['name']}"))
            if material["source"] == "licence" and not material["licence_type"]:
                problems.append((m["code"], f"licence_type of {material['name']}"))
    assert problems == []


def test_every_matter_of_the_personal_themes_exists_by_name():
    names = {m["name"] for m in read_matters()}
    missing = {
        theme: [n for n in wanted if n not in names] for theme, wanted in THEME_MATTERS.items()
    }
    assert missing == {theme: [] for theme in THEME_MATTERS}


def test_five_level_chains_differ_only_where_intended():
    matters = read_matters()
    chain = {
        m["level"]: m for m in matters if m["basic_code"] == "GG00103000"
    }  # 城乡居民基本医疗保险参保登记
    assert sorted(chain) == [1, 2, 3, 4, 5]  # province to village
    assert chain[1]["base"] is None
    # Where a matter is handled within its own district (就近办范围) is local too.
    local = {"code", "region", "department", "level", "base", "place", "outlet_scope"}
    reference = {k: v for k, v in chain[1].items() if k not in local}
    for level in (2, 3, 4, 5):
        assert {k: v for k, v in chain[level].items() if k not in local} == reference

    card = {m["level"]: m for m in matters if m["basic_code"] == "GG00104000"}  # 社会保障卡申领
    assert sorted(card) == [1, 2, 3, 4, 5]
    differing = {
        k for k in card[2] if k not in local and card[2][k] != card[3][k]
    }  # the one deliberate difference
    assert differing == {"promised_limit_days"}
    assert card[3]["promised_limit_days"] < card[2]["promised_limit_days"]
    assert {k for k in card[3] if k not in local and card[3][k] != card[4][k]} == set()
    # The village station keeps its own opening hours: a local difference 五级同 reports.
    assert {k for k in card[4] if k not in local and card[4][k] != card[5][k]} == {"hours"}


def test_village_sample_codes_are_marked_and_the_loader_reads_every_matters_file():
    regions = _json("regions.json")
    assert "_note" in regions
    villages = [r for r in regions["regions"] if r["level"] == 5]
    assert villages and all(r.get("sample") is True for r in villages)
    assert all(len(r["code"]) == 12 for r in villages)
    assert [p.name for p in matter_files()] == sorted(
        p.name for p in DEMO_DIR.glob("matters_*.json")
    )
    assert "matters_person.json" in [p.name for p in matter_files()]


@pytest.mark.django_db
def test_a_broken_demo_matter_is_reported_with_its_code_and_nothing_is_written():
    load_regions(_json("regions.json")["regions"])
    load_departments(_json("departments.json")["departments"])
    load_topics(_json("topics.json")["topics"])
    broken = dict(_json("matters_person.json")[0], department="NO-SUCH-DEPT")

    with pytest.raises(ValidationFailed) as caught:
        load_matters([broken], DemoResult())

    assert broken["code"] in caught.value.message
    assert "NO-SUCH-DEPT" in caught.value.message
    assert Matter.objects.count() == 0


@pytest.mark.django_db
def test_xsecs_finds_the_newborn_theme_matters_of_the_district_in_the_demo_catalog(monkeypatch):
    from yishi.catalog.queries import matter_search

    _load(monkeypatch)

    found, total = matter_search("xsecs", limit=20)

    names = [m.name for m in found if m.region.code == "420702"]
    assert {"出生医学证明签发", "出生登记（户口登记）", "社会保障卡申领"} <= set(names)
    assert found[0].region.code == "420702"


@pytest.mark.django_db
def test_the_demo_catalog_exported_to_excel_reimports_to_the_same_catalog(monkeypatch):
    # The catalog alone: the full demo files applications (ratings, help requests) whose
    # matters could not be deleted below.
    from yishi.catalog.demo.loader import load_demo as load_catalog_demo
    from yishi.catalog.excel import export_catalog, import_catalog
    from yishi.catalog.models import Matter, MatterVersion
    from yishi.catalog.services import matter_to_dict
    from yishi.themes.demo.loader import load_themes

    monkeypatch.setenv("YISHI_DEMO_PASSWORD", PASSWORD)
    load_catalog_demo(password=PASSWORD)
    load_themes()
    before = {m.code: matter_to_dict(m) for m in Matter.objects.all()}
    versions = MatterVersion.objects.count()
    workbook = export_catalog()

    from yishi.themes.models import Theme

    Theme.objects.all().delete()  # theme items PROTECT their matters
    for level in (5, 4, 3, 2, 1):  # implementations before their bases (PROTECT)
        Matter.objects.filter(level=level).delete()
    report = import_catalog(workbook)

    after = {m.code: matter_to_dict(m) for m in Matter.objects.all()}
    assert report.errors == []
    assert len(after) == len(before) >= 60
    assert after == before
    assert MatterVersion.objects.count() == len(before)  # a fresh v1 for each re-created matter
    assert versions == len(before)
