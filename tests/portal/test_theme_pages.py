"""The 一件事 pages: theme list, theme page with steps and savings, the tailored one-time notice
(page and PDF), the home section and the hint on a matter's guide."""

from __future__ import annotations

import io
import re
import zoneinfo

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.portal.birth_theme import make_birth_theme
from tests.themes.factories import ThemeFactory, ThemeMatterFactory, ThemeQuestionFactory

pytestmark = pytest.mark.django_db

NO_CARD = {"social_card": "no"}


def pdf_text(data: bytes) -> str:
    """Text of every page without whitespace and NULs (see tests/portal/test_notice.py)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return "".join(text.replace("\x00", "").split())


def section(html: str, element_id: str) -> str:
    """The HTML of the <section> whose heading has this id."""
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


@pytest.fixture
def birth_theme(db):
    return make_birth_theme()


def test_theme_list_shows_cards_by_audience_with_counts_and_savings(client, birth_theme):
    ThemeFactory(code="open-shop", name="开办餐饮店", company=True)
    ThemeFactory(code="hidden", name="草稿主题", draft=True)
    response = client.get("/themes/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "个人一件事" in html
    assert "法人一件事" in html
    assert 'href="/themes/newborn/"' in html
    assert 'href="/themes/open-shop/"' in html
    assert "草稿主题" not in html
    person = text_of(section(html, "themes-person"))
    assert "新生儿出生" in person
    assert "全面落地" in person
    assert "牵头部门：梁子湖区卫生健康局" in person
    assert "4 个事项 · 4 个部门" in person
    assert "少交 5 份材料 · 少跑 2 次 · 最快 13 个工作日" in person
    assert "开办餐饮店" in text_of(section(html, "themes-company"))


def test_theme_page_shows_steps_with_departments_limits_and_prerequisites(client, birth_theme):
    response = client.get("/themes/newborn/")
    assert response.status_code == 200
    html = response.content.decode()
    steps = re.findall(r'<li class="flow__step">(.*?)</ul>\s*</li>', html, re.S)
    assert [
        [text_of(n) for n in re.findall(r'class="flow__name"[^>]*>(.*?)</a>', s)] for s in steps
    ] == [["出生医学证明签发"], ["出生登记"], ["城乡居民医保参保登记", "社会保障卡申领"]]
    assert "第 3 步 2 个事项同时办理" in text_of(steps[2])
    assert "区卫健局" in text_of(steps[0])
    assert "即办件" in text_of(steps[0])
    assert "梁子湖分局 承诺 3 个工作日 需要：出生医学证明签发" in text_of(steps[1])
    assert "区人社局 承诺 10 个工作日 视情形办理 需要：出生登记" in text_of(steps[2])
    assert "需要：" not in text_of(steps[0])


def test_theme_page_compares_separate_and_theme_handling(client, birth_theme):
    html = client.get("/themes/newborn/").content.decode()
    rows = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", section(html, "h-savings"), re.S)]
    assert rows[1:] == [
        "申请材料 11 份 6 份 5 份（45%）",
        "跑动次数 3 次 1 次 2 次（67%）",
        "办理时间 18 个工作日 13 个工作日 5 个工作日（28%）",
    ]
    assert "少交 5 份材料 · 少跑 2 次 · 最快 13 个工作日" in html


def test_theme_page_offers_the_questions_with_defaults_and_notice_links(client, birth_theme):
    html = client.get("/themes/newborn/").content.decode()
    assert '<form class="tailor-form" action="/themes/newborn/notice/" method="get"' in html
    assert "是否需要办理社会保障卡" in html
    assert '<input type="radio" name="social_card" value="yes" checked>' in html
    assert '<input type="radio" name="social_card" value="no">' in html
    assert 'href="/themes/newborn/notice/">查看一次性告知单</a>' in html
    assert 'href="/themes/newborn/notice.pdf" type="application/pdf">下载 PDF</a>' in html


def test_tailored_notice_lists_each_material_once_with_its_badge(client, birth_theme):
    response = client.get("/themes/newborn/notice/", NO_CARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "社会保障卡申领" not in section(html, "n-matters")
    materials = section(html, "n-materials")
    rows = re.findall(r'<tr class="material-line material-line--(\w+)">(.*?)</tr>', materials, re.S)
    names = [text_of(re.search(r"<th[^>]*>(.*?)</th>", row).group(1)) for _, row in rows]
    assert names == [
        "母亲居民身份证",
        "父亲居民身份证",
        "结婚证",
        "出生医学证明",
        "监护人居民户口簿",
        "父母双方居民身份证",
        "非婚生育说明 （非必需）",
    ]
    badges = {name: text_of(row) for name, (_, row) in zip(names, rows, strict=True)}
    assert "需提交" in badges["母亲居民身份证"]
    assert "免提交（通过电子证照库调取「结婚证」）" in badges["结婚证"]
    assert "本主题内办理生成" in badges["出生医学证明"]
    assert "需提交" not in badges["结婚证"] + badges["出生医学证明"]
    assert "由「出生医学证明签发」办结后生成" in badges["出生医学证明"]
    assert "用于：出生登记、城乡居民医保参保登记" in badges["监护人居民户口簿"]
    assert "原件和复印件 2 份" in badges["监护人居民户口簿"]
    assert [status for status, _ in rows] == [
        "bring",
        "bring",
        "exempt",
        "produced",
        "bring",
        "bring",
        "bring",
    ]
    assert "新生儿近期免冠照片" not in html
    assert "共 7 项，其中需提交 5 项，免提交 2 项。" in text_of(materials)


def test_tailored_notice_shows_answers_steps_savings_and_contacts(client, birth_theme):
    html = client.get("/themes/newborn/notice/", NO_CARD).content.decode()
    text = text_of(html)
    assert "是否需要办理社会保障卡 否" in text
    matters = text_of(section(html, "n-matters"))
    assert "二、办理事项（共 3 项，按顺序办理）" in matters
    assert "城乡居民医保参保登记 梁子湖区医疗保障局 承诺 5 个工作日 第 3 步；需要：出生登记" in (
        matters
    )
    limits = text_of(section(html, "n-limits"))
    assert "按依赖链最长路径计算 8 个工作日" in limits
    assert "申请材料 9 份 5 份 4 份（44%）" in limits
    assert "按您选择的情形计算" in limits
    place = text_of(section(html, "n-place"))
    assert "梁子湖区政务服务中心" in place
    assert 'href="/themes/newborn/notice.pdf?social_card=no"' in html


def test_notice_prints_the_date_in_shanghai(client, birth_theme):
    today = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    html = client.get("/themes/newborn/notice/", NO_CARD).content.decode()
    assert f"打印日期 {today.year}年{today.month}月{today.day}日" in text_of(html)
    assert f'<time datetime="{today:%Y-%m-%d}">' in html


def test_notice_with_defaults_includes_the_conditional_matter(client, birth_theme):
    html = client.get("/themes/newborn/notice/").content.decode()
    assert "社会保障卡申领" in section(html, "n-matters")
    assert "新生儿近期免冠照片" in section(html, "n-materials")
    assert "是否需要办理社会保障卡 是" in text_of(html)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"social_card": "maybe"}, "问题「是否需要办理社会保障卡」的答案 maybe 不是可选项"),
        ({"pets": "yes"}, "主题「新生儿出生」没有编码为 pets 的情形问题"),
    ],
)
def test_bad_answers_show_the_chinese_reason_above_the_form(client, birth_theme, query, message):
    response = client.get("/themes/newborn/notice/", query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert html.index(message) < html.index('<fieldset class="question')
    assert "是否需要办理社会保障卡" in html
    assert 'action="/themes/newborn/notice/"' in html
    pdf = client.get("/themes/newborn/notice.pdf", query)
    assert pdf.status_code == 400
    assert pdf["Content-Type"].startswith("text/html")
    assert message in pdf.content.decode()


def test_bad_answer_marks_its_question_and_keeps_defaults_checked(client, birth_theme):
    html = client.get("/themes/newborn/notice/", {"social_card": "maybe"}).content.decode()
    assert '<fieldset class="question question--invalid" aria-describedby="tailor-error">' in html
    assert '<input type="radio" name="social_card" value="yes" checked>' in html


def test_question_without_default_asks_first_instead_of_failing(client):
    theme = ThemeFactory(code="moving", name="迁入落户")
    ThemeMatterFactory(theme=theme)
    ThemeQuestionFactory(theme=theme, code="from_where", text="从何处迁入", no_default=True)
    response = client.get("/themes/moving/notice/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "请回答问题「从何处迁入」" in html
    assert '<input type="radio" name="from_where" value="yes">' in html
    assert '<input type="radio" name="from_where" value="no">' in html
    assert client.get("/themes/moving/notice/", {"from_where": "no"}).status_code == 200


def test_unknown_or_unpublished_theme_gives_chinese_404(client, settings):
    settings.DEBUG = False
    ThemeFactory(code="draft-theme", draft=True)
    for path in [
        "/themes/nope/",
        "/themes/nope/notice/",
        "/themes/nope/notice.pdf",
        "/themes/draft-theme/",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "页面不存在" in response.content.decode(), path


def test_notice_pdf_is_inline_with_utf8_filename_and_tailored_text(client, birth_theme):
    response = client.get("/themes/newborn/notice.pdf", NO_CARD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "inline; filename=\"newborn-notice.pdf\"; filename*=UTF-8''"
        "%E6%96%B0%E7%94%9F%E5%84%BF%E5%87%BA%E7%94%9F"
        "%E4%B8%80%E6%AC%A1%E6%80%A7%E5%91%8A%E7%9F%A5%E5%8D%95.pdf"
    )
    text = pdf_text(response.content)
    for expected in [
        "一次性告知单",
        "新生儿出生",
        "是否需要办理社会保障卡",
        "出生医学证明签发",
        "城乡居民医保参保登记",
        "监护人居民户口簿",
        "免提交（本主题内办理生成）",
        "免提交（电子证照/部门共享获取）",
    ]:
        assert expected in text, expected
    assert "社会保障卡申领" not in text
    assert text.count("监护人居民户口簿") == 1


def test_home_lists_published_themes_with_their_savings(client, birth_theme):
    ThemeMatterFactory(theme=ThemeFactory(code="open-shop", name="开办餐饮店", company=True))
    ThemeFactory(code="hidden", name="草稿主题", draft=True)
    html = client.get("/").content.decode()
    themes = text_of(section(html, "themes-title"))
    assert "一件事一次办" in themes
    assert themes.index("个人一件事") < themes.index("新生儿出生") < themes.index("法人一件事")
    assert "新生儿出生 少交 5 份材料 · 少跑 2 次 · 最快 13 个工作日" in themes
    assert "开办餐饮店" in themes
    assert "草稿主题" not in html
    assert 'href="/themes/newborn/"' in html


def test_home_without_published_themes_has_no_theme_section(client):
    ThemeFactory(code="hidden", name="草稿主题", draft=True)
    html = client.get("/").content.decode()
    assert 'id="themes-title"' not in html
    assert "草稿主题" not in html


def test_guide_of_a_theme_matter_links_to_the_theme(client, birth_theme):
    registration = birth_theme.items.get(order=2).matter
    html = client.get(f"/matters/{registration.code}/").content.decode()
    assert '本事项可在「<a href="/themes/newborn/">新生儿出生</a>」一件事中一次办理' in html


def test_guide_of_a_matter_only_in_a_draft_theme_has_no_link(client, birth_theme):
    draft = ThemeFactory(code="draft-theme", name="草稿主题", draft=True)
    item = ThemeMatterFactory(theme=draft)
    html = client.get(f"/matters/{item.matter.code}/").content.decode()
    assert "一件事中一次办理" not in html


def test_theme_pages_read_a_fixed_number_of_queries(client, birth_theme, django_assert_num_queries):
    # Savings and the diagram are computed from the prefetched theme, not per matter:
    # theme, questions, items with matters, materials, prerequisites, form fields; and the
    # outlets handling it (就近办) with today's calendar; the 多地联办 agreements on its matters.
    for extra in range(3):
        ThemeMatterFactory(theme=birth_theme, matter__name=f"补充事项{extra}")
    with django_assert_num_queries(9):
        assert client.get("/themes/newborn/").status_code == 200
    with django_assert_num_queries(6):
        assert client.get("/themes/newborn/notice/", NO_CARD).status_code == 200
