"""The unified search over themes, matters and policies (catalog.unified_search): everyday
words, stop words, pinyin and typos, the no-result log, admin-edited synonyms, the API."""

from __future__ import annotations

import pytest

from yishi.catalog.demo.loader import load_demo
from yishi.catalog.models import SearchMiss, SearchSynonym
from yishi.catalog.search_synonyms import seed_synonyms
from yishi.catalog.unified_search import SearchItem, cache, search, understand
from yishi.core.errors import ValidationFailed
from yishi.policies.demo import policies_demo
from yishi.themes.demo.loader import load_themes

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(password="Demo-Passw0rd!")
    load_themes()
    policies_demo()
    seed_synonyms()
    cache.invalidate()


def first(q: str, **kwargs) -> SearchItem:
    items = search(q, **kwargs)
    assert items, q
    return items[0]


@pytest.mark.parametrize(
    ("q", "code"),
    [
        ("生孩子", "newborn"),
        ("生孩子要办什么", "newborn"),
        ("宝宝出生了怎么办？", "newborn"),
        ("开饭店", "restaurant"),
        ("我想开饭店需要什么手续", "restaurant"),
        ("装电梯", "elevator"),
        ("社保卡丢了", "social-security-card"),
        ("退休手续", "retirement"),
        ("公司注销", "company-deregistration"),
        ("xinshenger", "newborn"),
        ("xinshengerchusheng", "newborn"),
        ("xsecs", "newborn"),
        ("xinshnger", "newborn"),  # a missing letter
        ("新生儿出声", "newborn"),  # a homophone
        ("出生", "newborn"),
    ],
)
def test_everyday_words_find_the_right_theme_first(demo, q, code):
    item = first(q)
    assert (item.kind, item.code) == ("theme", code)
    assert item.url == f"/themes/{code}/"


def test_matters_follow_the_theme_and_a_catalog_name_still_finds_its_matter(demo):
    items = search("社保卡丢了")
    assert [i.kind for i in items[:2]] == ["theme", "matter"]
    assert items[1].name == "社会保障卡补换"
    assert items[1].url == f"/matters/{items[1].code}/"
    assert first("出生医学证明签发").name == "出生医学证明签发"
    assert first("营业执照").name.startswith(("企业设立登记", "个体工商户设立登记"))
    assert first("办残疾证", kind="matter").name.startswith("残疾人证")


def top3(q: str) -> list[tuple[str, str]]:
    return [(i.kind, i.name) for i in search(q)[:3]]


def test_a_word_the_catalogue_does_not_know_costs_nothing(demo):
    # "小" and "我家" match nothing; the rest still finds the matter
    assert ("matter", "用气报装") in top3("我家新房子要开通天然气")
    assert ("matter", "社会保障卡信息变更") in top3("社保卡要改手机号")


def test_a_phrase_typed_with_a_homophone_is_still_understood(demo):
    assert understand("营业执找").targets == understand("营业执照").targets
    names = [name for _, name in top3("营业执找怎么办")]
    assert any(n.startswith(("企业设立登记", "个体工商户设立登记")) for n in names)


def test_a_mixed_query_is_tried_as_initials(demo):
    assert ("matter", "社会保障卡补换") in top3("sbk 补办")


def test_a_policy_is_found_by_the_words_of_its_description(demo):
    assert ("policy", "稳岗返还") in top3("公司没有裁员能返还失业保险吗")


def test_a_rare_expansion_outweighs_a_common_one(demo):
    SearchSynonym.objects.create(phrase="刨马路", expansion="道路 挖掘")
    cache.invalidate()
    # "道路" is in many matter names, "挖掘" in one: the excavation permit comes first
    assert search("刨马路", kind="matter")[0].name == "城市道路挖掘（占用）许可"


def test_expansions_typed_with_commas_or_enumeration_marks_are_each_searched(demo):
    SearchSynonym.objects.create(phrase="火星饭馆", expansion="餐饮店、烟草专卖")
    cache.invalidate()
    (token,) = understand("火星饭馆").tokens
    assert [text for text, _ in token.alternatives] == ["餐饮店", "烟草专卖", "火星饭馆"]
    names = {i.name for i in search("火星饭馆", limit=20)}
    assert {"开办餐饮店", "烟草专卖零售许可证核发（新办）"} <= names


def test_kind_filters_and_limit(demo):
    items = search("出生", kind="matter", limit=3)
    assert len(items) <= 3 and {i.kind for i in items} == {"matter"}
    assert {i.kind for i in search("退休", kind="theme")} == {"theme"}
    policies = search("补贴", kind="policy", limit=50)
    assert policies and {i.kind for i in policies} == {"policy"}


def test_stop_words_are_dropped_and_a_query_of_stop_words_only_finds_nothing(demo):
    assert understand("退休手续怎么办").text == "退休"
    assert understand("生孩子要办什么").text == "新生儿出生"
    assert search("怎么办理需要什么材料") == []


def test_a_query_with_no_result_is_logged_without_personal_data(demo):
    assert search("火星移民") == []
    assert search("火星 移民！") == []
    miss = SearchMiss.objects.get(query="火星移民")
    assert miss.count == 2
    assert search("查 420702199001011234 的进度") == []
    assert search("火星13800138000") == []
    assert not SearchMiss.objects.filter(query__regex=r"[0-9]{6}").exists()
    assert SearchMiss.objects.count() == 1


def test_a_synonym_added_in_the_admin_takes_effect(demo, admin_client):
    assert search("火星移民") == []
    response = admin_client.post(
        "/admin/catalog/searchsynonym/add/",
        {
            "phrase": "火星移民",
            "expansion": "",
            "target_kind": "theme",
            "target_code": "elevator",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert first("火星移民").code == "elevator"
    synonym = SearchSynonym.objects.get(phrase="火星移民")
    response = admin_client.post(
        f"/admin/catalog/searchsynonym/{synonym.pk}/change/",
        {"phrase": "火星移民", "expansion": "退休", "target_kind": "", "target_code": ""},
    )
    assert response.status_code == 302
    assert first("火星移民").code == "retirement"


def test_the_no_result_log_is_listed_for_administrators_by_count(demo, admin_client):
    search("火星移民")
    search("火星移民")
    search("月球旅行")
    page = admin_client.get("/admin/catalog/searchmiss/").content.decode()
    assert "无结果搜索词" in page
    assert page.index("火星移民") < page.index("月球旅行")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "长" * 51}, "q"),
        ({"q": "出生", "kind": "person"}, "kind"),
        ({"q": "出生", "limit": 0}, "limit"),
        ({"q": "出生", "limit": 51}, "limit"),
    ],
)
def test_bad_input_is_refused(kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        search(**kwargs)
    assert exc.value.field == field


def test_api_shape(demo, client):
    body = client.get("/api/v1/search", {"q": "生孩子"}).json()
    assert body["items"][0] == {
        "kind": "theme",
        "code": "newborn",
        "name": "新生儿出生",
        "url": "/themes/newborn/",
    }
    assert body["count"] == len(body["items"]) <= 10
    body = client.get("/api/v1/search", {"q": "出生", "kind": "matter", "limit": 2}).json()
    assert body["count"] == 2 and {i["kind"] for i in body["items"]} == {"matter"}
    assert client.get("/api/v1/search", {"q": "出生", "limit": 50}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "长" * 51}, {"q": "出生", "limit": 51}, {"q": "出生", "kind": "x"}],
)
def test_api_refuses_bad_input_with_problem_json(db, client, params):
    response = client.get("/api/v1/search", params)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
