"""The theme's one-time notice, tailored to the answers, and its PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from tests.catalog.factories import DepartmentFactory
from tests.themes.factories import ThemeFactory, make_birth_theme
from yishi.catalog.models import Department
from yishi.core.errors import ValidationFailed
from yishi.themes.notice import PRODUCED_LABEL, build_theme_notice, theme_notice_pdf

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 17, 30, tzinfo=dt.UTC)  # already 29 November in Beijing


def pdf_text(data: bytes) -> str:
    """Page text without whitespace and the NULs pypdf reads from fpdf2's CID font."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(text.replace("\x00", "").split())


@pytest.fixture
def birth():
    return make_birth_theme()


def test_notice_lists_the_applicable_matters_with_departments_and_order(birth):
    notice = build_theme_notice(birth["theme"], {"need_card": "no"}, now=NOW)
    assert notice.theme_name == "新生儿出生一件事"
    assert notice.lead_department == "梁子湖区卫生健康局"
    assert [(m.name, m.department, m.promised_limit, m.step, m.needs) for m in notice.matters] == [
        ("出生医学证明签发", "梁子湖区卫生健康局", "承诺 5 个工作日", 1, ()),
        ("出生登记", "鄂州市公安局梁子湖分局", "承诺 3 个工作日", 2, ("出生医学证明签发",)),
        ("城乡居民医保参保登记", "梁子湖区医疗保障局", "承诺 2 个工作日", 3, ("出生登记",)),
    ]
    assert notice.steps == (("出生医学证明签发",), ("出生登记",), ("城乡居民医保参保登记",))


def test_notice_shows_the_answers_in_words(birth):
    notice = build_theme_notice(birth["theme"], {"need_card": "no"}, now=NOW)
    assert [(a.question, a.label) for a in notice.answers] == [
        ("是否在本区助产机构出生", "是"),
        ("是否需要办理社会保障卡", "否"),
    ]


def test_notice_lists_each_material_once_saying_what_to_bring(birth):
    notice = build_theme_notice(birth["theme"], {}, now=NOW)
    assert [(m.number, m.line.name, m.bring) for m in notice.materials] == [
        (1, "父母双方居民身份证", "原件和复印件 2 份"),
        (2, "出生医学证明申请表", "原件 1 份"),
        (3, "《出生医学证明》", PRODUCED_LABEL),
        (4, "居民户口簿", PRODUCED_LABEL),
        (5, "结婚证", "原件 1 份"),
        (6, "近期免冠照片", "原件 1 份"),
    ]
    assert [m.line.name for m in notice.to_bring] == [
        "父母双方居民身份证",
        "出生医学证明申请表",
        "结婚证",
        "近期免冠照片",
    ]
    assert notice.materials[2].remarks.startswith(
        "由「出生医学证明签发」办结后生成；用于：出生登记、"
    )
    assert notice.materials[4].remarks == "可容缺后补；用于：出生登记；非婚生育的提供说明"


def test_e_licence_lines_read_exempt_when_not_produced_in_the_theme(birth):
    notice = build_theme_notice(birth["theme"], {"born_here": "no"}, now=NOW)
    bring = {m.line.kind: m.bring for m in notice.materials}
    assert bring["birth_certificate"] == "原件 1 份"
    assert bring["household_register"] == PRODUCED_LABEL  # 出生登记 → 医保参保
    assert [m.line.kind for m in notice.not_brought] == ["household_register"]


def test_notice_carries_the_savings_and_the_time_promise(birth):
    notice = build_theme_notice(birth["theme"], {}, now=NOW)
    assert (notice.savings.days_separate, notice.savings.days_theme) == (17, 10)
    assert notice.promised_text == "按依赖链最长路径计算 10 个工作日"
    promised = build_theme_notice(
        make_birth_theme(code="xinshenger-9", promised_days=9)["theme"], {}, now=NOW
    )
    assert promised.promised_text == "整体承诺 9 个工作日（按依赖链最长路径计算 10 个工作日）"


def test_place_and_phones_come_from_the_lead_departments_matter(birth):
    notice = build_theme_notice(birth["theme"], {}, now=NOW)
    assert (notice.place, notice.hours, notice.consult_phone, notice.complaint_phone) == (
        "梁子湖区人民医院一楼",
        "工作日 8:30-17:30",
        "0711-1111111",
        "0711-2222222",
    )


def test_a_theme_without_matters_points_to_the_service_centre():
    DepartmentFactory(
        code="LZH-ZWZX",
        name="梁子湖区政务服务中心",
        kind=Department.Kind.SERVICE_CENTRE,
        address="梁子湖区太和镇政务服务中心大楼",
        phone="0711-5000000",
    )
    notice = build_theme_notice(ThemeFactory(), {}, now=NOW)
    assert (notice.place, notice.consult_phone) == (
        "梁子湖区太和镇政务服务中心大楼",
        "0711-5000000",
    )


def test_notice_prints_the_date_in_shanghai(birth):
    assert build_theme_notice(birth["theme"], {}, now=NOW).printed_date == "2026年11月29日"


def test_notice_refuses_answers_that_are_not_offered(birth):
    with pytest.raises(ValidationFailed) as exc:
        build_theme_notice(birth["theme"], {"need_card": "maybe"})
    assert exc.value.field == "answers.need_card"


def test_notice_pdf_has_extractable_chinese_text(birth):
    notice = build_theme_notice(birth["theme"], {"need_card": "no"}, now=NOW)
    data = theme_notice_pdf(notice)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for expected in [
        "一次性告知单",
        "新生儿出生一件事",
        "梁子湖区卫生健康局",
        "是否需要办理社会保障卡",
        "出生登记",
        "第1步：出生医学证明签发",
        "父母双方居民身份证",
        "原件和复印件2份",
        "免提交（本主题内办理生成）",
        "分别办理合计10个工作日，一件事办理10个工作日",
        "0711-1111111",
        "2026年11月29日",
    ]:
        assert expected in text, expected
    assert "社会保障卡申领" not in text
    assert "近期免冠照片" not in text
