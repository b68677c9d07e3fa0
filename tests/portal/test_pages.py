"""Portal pages through the Django test client: every guide element, the notice, 404s, and
bad filters that must never give a 500."""

from __future__ import annotations

import pytest

from tests.catalog.factories import MaterialFactory, MatterFactory, TopicFactory
from yishi.catalog.search import index_matter
from yishi.core import page_cache

pytestmark = pytest.mark.django_db

GUIDE_LABELS = [
    "基本信息", "事项类型", "实施主体", "行使层级", "服务对象", "实施编码", "基本编码", "版本号",
    "设定依据", "受理条件", "申请材料", "材料名称", "必需/非必需", "材料形式", "份数", "来源渠道",
    "容缺后补", "填报说明", "办理流程", "办理时限", "法定办结时限", "承诺办结时限", "收费",
    "是否收费", "收费标准", "收费依据", "办理结果", "结果名称", "结果类型", "送达方式",
    "办理地点", "办理时间", "咨询电话", "监督投诉电话", "网办深度", "到现场次数", "掌上可办",
    "通办范围", "打印一次性告知单", "下载告知单 PDF",
]  # fmt: skip


def test_home_page_shows_topics_and_search_box(client, birth_matters):
    company = TopicFactory(code="company-open", name="开办企业", audience="company")
    MatterFactory(name="企业设立登记", mobile=False).topics.add(company)
    TopicFactory(code="empty-topic", name="空主题", audience="person")
    html = client.get("/").content.decode()
    assert '<meta charset="utf-8">' in html
    assert 'lang="zh-CN"' in html
    assert 'name="q"' in html
    assert 'href="/topics/birth/"' in html
    assert "开办企业" in html
    assert "空主题" not in html
    assert "掌上可办" in html
    assert "高频事项" in html
    assert "企业设立登记" in html
    assert "鄂州市公安局梁子湖分局" in html


def test_guide_shows_every_element_label_and_value(client, birth_matters):
    matter = birth_matters["registration"]
    response = client.get(f"/matters/{matter.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    missing = [label for label in GUIDE_LABELS if label not in html]
    assert missing == []
    for value in [
        "出生登记", "行政确认", "鄂州市公安局梁子湖分局", "县级", "自然人", matter.code,
        "QR00102000", "第 2 版", "法定 20 个工作日", "承诺 3 个工作日", "居民户口簿（户口登记）",
        "梁子湖区政务服务中心公安窗口（太和镇）", "0711-5061110", "0711-12345", "全程网办",
        "全省通办", "监护人居民户口簿", "原件和复印件", "新生儿随父或随母落户均可",
        "免提交（电子证照/部门共享获取）", "可容缺", "非必需",
    ]:  # fmt: skip
        assert value in html, value


def test_guide_of_instant_matter_says_instant(client, birth_matters):
    html = client.get(f"/matters/{birth_matters['certificate'].code}/").content.decode()
    assert "即办件" in html
    assert "法律未规定办结时限" in html


def test_notice_lists_every_material_with_what_to_bring(client, birth_matters):
    matter = birth_matters["registration"]
    response = client.get(f"/matters/{matter.code}/notice/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "一次性告知单" in html
    for name in ["出生医学证明", "监护人居民户口簿", "父母双方居民身份证", "非婚生育说明"]:
        assert name in html
    assert "原件和复印件 2 份" in html
    assert "复印件 1 份" in html
    assert "免提交（电子证照/部门共享获取）" in html
    assert "第 2 版" in html
    assert "打印日期" in html
    assert "承诺 3 个工作日" in html


def test_unknown_matter_code_gives_chinese_404_page(client, settings):
    settings.DEBUG = False
    response = client.get("/matters/NO-SUCH-CODE/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert 'lang="zh-CN"' in html


def test_unpublished_matter_is_not_shown(client):
    draft = MatterFactory(draft=True, name="草稿事项")
    assert client.get(f"/matters/{draft.code}/").status_code == 404
    assert client.get(f"/matters/{draft.code}/notice/").status_code == 404
    assert client.get(f"/matters/{draft.code}/notice.pdf").status_code == 404


def test_unknown_topic_and_department_pages_are_404(client):
    assert client.get("/topics/nope/").status_code == 404
    assert client.get("/departments/nope/").status_code == 404


def test_topic_and_department_pages_list_their_matters(client, birth_matters):
    html = client.get("/topics/birth/").content.decode()
    assert "出生医学证明签发" in html
    assert "出生登记" in html
    assert "共 <strong>2</strong> 个事项" in html
    html = client.get("/departments/LZH-GAJ/").content.decode()
    assert "出生登记" in html
    assert "出生医学证明签发" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("topic=no-such-topic", "主题分类“no-such-topic”不存在"),
        ("department=XX", "部门“XX”不存在"),
        ("level=9", "行使层级“9”无效"),
        ("level=abc", "行使层级“abc”无效"),
        ("audience=alien", "服务对象“alien”无效"),
        ("page=abc", "页码“abc”无效"),
        ("page=-1", "页码“-1”无效"),
        ("page=0", "页码“0”无效"),
        ("page=999", "共 1 页，已显示最后一页"),
    ],
)
def test_bad_filter_values_show_a_message_instead_of_failing(client, birth_matters, query, message):
    response = client.get(f"/matters/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "共找到 <strong>2</strong> 个事项" in html


def test_search_counts_results_and_shows_result_facts(client, birth_matters):
    html = client.get("/matters/", {"q": "出生登记"}).content.decode()
    assert "共找到 <strong>1</strong> 个事项" in html
    assert "承诺 3 个工作日" in html
    assert "最多跑 1 次" in html
    assert "掌上可办" in html


def test_search_without_results_suggests_what_to_try(client, birth_matters):
    html = client.get("/matters/", {"q": "不存在的事项名称"}).content.decode()
    assert "共找到 <strong>0</strong> 个事项" in html
    assert "没有找到相关事项" in html
    assert "12345" in html


def test_search_pages_through_results(client):
    for i in range(23):
        index_matter(MatterFactory(name=f"分页事项{i:02d}"))
    first = client.get("/matters/", {"q": "分页事项"}).content.decode()
    assert "共找到 <strong>23</strong> 个事项" in first
    assert "第 1 / 3 页" in first
    third = client.get("/matters/", {"q": "分页事项", "page": "3"}).content.decode()
    assert "第 3 / 3 页" in third
    assert third.count('class="matter-card"') == 3


def test_care_mode_shows_fewer_results_per_page(client):
    for i in range(12):
        index_matter(MatterFactory(name=f"关怀分页{i:02d}"))
    client.cookies["yishi_care"] = "1"
    first = client.get("/matters/", {"q": "关怀分页"}).content.decode()
    assert "第 1 / 3 页" in first
    assert first.count('class="matter-card"') == 5
    client.cookies["yishi_care"] = "0"
    plain = client.get("/matters/", {"q": "关怀分页"}).content.decode()
    assert "第 1 / 2 页" in plain and plain.count('class="matter-card"') == 10


def test_material_blank_form_link_is_shown_when_present(client, birth_matters, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    material = MaterialFactory(matter=birth_matters["registration"], name="出生登记申报表")
    material.blank_form.name = "catalog/forms/birth.docx"
    material.save()
    html = client.get(f"/matters/{birth_matters['registration'].code}/").content.decode()
    assert "空白表格" in html
    assert "/media/catalog/forms/birth.docx" in html


def test_guide_and_search_read_a_fixed_number_of_queries(
    client, birth_matters, django_assert_num_queries, monkeypatch
):
    from yishi.catalog import unified_search

    monkeypatch.setattr(unified_search, "RELOAD_CHECK_SECONDS", 3600)
    for i in range(12):
        MaterialFactory(matter=birth_matters["registration"], name=f"补充材料{i}")
        index_matter(MatterFactory(name=f"出生补充事项{i}", keywords="新生儿出生"))
    code = birth_matters["registration"].code
    # matter, materials, topics, themes; the 就近办 block: outlets, today's calendar; the
    # 跨域通办 agreements under which a partner decides the matter
    with django_assert_num_queries(7):
        assert client.get(f"/matters/{code}/").status_code == 200
    with django_assert_num_queries(3):
        assert client.get(f"/matters/{code}/notice/").status_code == 200
    client.get("/matters/", {"q": "xsecs"})  # loads the unified search's synonyms and themes
    page_cache.clear()  # the page rendered again, not answered from the kept copy
    # the words' rarity for themes and policies, search ids, matters, filter lists
    with django_assert_num_queries(5):
        html = client.get("/matters/", {"q": "xsecs"}).content.decode()
    assert "共找到 <strong>14</strong> 个事项" in html


@pytest.mark.django_db
def test_every_page_links_to_the_themes_and_to_login(client):
    html = client.get("/").content.decode()

    assert '<a href="/themes/"' in html
    assert '<a href="/account/login/"' in html
