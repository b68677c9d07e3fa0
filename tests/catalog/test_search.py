from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.catalog.factories import DepartmentFactory, MatterFactory, RegionFactory, TopicFactory
from yishi.catalog.models import Matter, MatterSearchTerm, RegionLevel
from yishi.catalog.queries import MatterFilters, matter_search
from yishi.catalog.search import (
    index_all,
    index_matter,
    name_terms,
    normalise,
    query_tokens,
    word_tokens,
)
from yishi.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

BIRTH = "新生儿出生医学证明办理"


def indexed(**kwargs) -> Matter:
    matter = MatterFactory(**kwargs)
    index_matter(matter)
    return matter


def names(q: str, **filters) -> list[str]:
    items, _ = matter_search(q, filters=MatterFilters(**filters) if filters else None)
    return [m.name for m in items]


@pytest.fixture
def catalog():
    return {
        "birth": indexed(name=BIRTH),
        "licence": indexed(name="营业执照变更登记"),
        "card": indexed(name="社会保障卡申领", keywords="社保卡"),
        "food": indexed(name="食品经营许可证核发"),
    }


def test_initials_xsecs_find_the_newborn_birth_matter(catalog):
    assert names("xsecs") == [BIRTH]


def test_initials_from_inside_the_name_find_it(catalog):
    assert names("csyxzm") == [BIRTH]


def test_full_pinyin_finds_it(catalog):
    assert names("xinshenger") == [BIRTH]
    assert names("chushengyixue") == [BIRTH]


def test_full_pinyin_with_spaces_and_capitals_finds_it(catalog):
    assert names("Xin Sheng Er") == [BIRTH]


def test_chinese_word_finds_it(catalog):
    assert names("出生") == [BIRTH]
    assert names("医学证明") == [BIRTH]


def test_chinese_words_apart_in_the_name_find_it(catalog):
    assert names("出生 证明") == [BIRTH]
    assert names("新生儿证明") == [BIRTH]


def test_full_width_letters_are_read_as_half_width(catalog):
    assert names("ｘｓｅｃｓ") == [BIRTH]


def test_keyword_alias_and_its_initials_find_the_matter(catalog):
    assert names("社保卡") == ["社会保障卡申领"]
    assert names("sbk") == ["社会保障卡申领"]


def test_exact_name_ranks_first_then_shorter_names():
    indexed(name="营业执照变更登记")
    indexed(name="营业执照")
    indexed(name="营业执照注销登记")
    indexed(name="个体工商户营业执照")
    assert names("营业执照") == [
        "营业执照",
        "营业执照变更登记",
        "营业执照注销登记",
        "个体工商户营业执照",
    ]


def test_name_match_ranks_above_department_name_match():
    dept = DepartmentFactory(name="梁子湖区出生登记服务中心", short_name="登记中心")
    indexed(name="老年人优待证办理", department=dept)
    indexed(name="出生登记")
    assert names("出生登记") == ["出生登记", "老年人优待证办理"]


def test_one_letter_typo_in_full_pinyin_still_finds_it(catalog):
    assert names("xinshnger") == [BIRTH]
    assert names("yingyezhizao") == ["营业执照变更登记"]


def test_homophone_chinese_typo_still_finds_it(catalog):
    assert names("新生儿出声") == [BIRTH]


def test_nonsense_finds_nothing(catalog):
    assert matter_search("qqqqqqq", filters=None) == ([], 0)


def test_unpublished_matters_are_not_found():
    indexed(name="新生儿出生医学证明办理", status=Matter.Status.DRAFT)
    indexed(name="新生儿出生医学证明补发", status=Matter.Status.WITHDRAWN)
    assert names("xsecs") == []
    assert names("") == []


def test_department_name_finds_its_matters():
    dept = DepartmentFactory(name="梁子湖区市场监督管理局", short_name="区市场监管局")
    indexed(name="食品经营许可证核发", department=dept)
    indexed(name="社会保障卡申领")
    assert names("市场监督管理局") == ["食品经营许可证核发"]
    assert names("市场监管局") == ["食品经营许可证核发"]


def test_topic_name_finds_its_matters():
    topic = TopicFactory(name="生育收养")
    matter = MatterFactory(name="新生儿出生医学证明办理")
    matter.topics.add(topic)
    index_matter(matter)
    assert names("生育收养") == [BIRTH]
    assert names("sysy") == [BIRTH]


def test_filters_narrow_the_results():
    town = RegionFactory(code="420702100", name="太和镇", level=RegionLevel.TOWNSHIP)
    district = RegionFactory()
    town.parent = district
    town.save()
    dept = DepartmentFactory()
    topic = TopicFactory()
    a = indexed(name="出生登记甲", department=dept, level=RegionLevel.COUNTY)
    b = indexed(name="出生登记乙", level=RegionLevel.TOWNSHIP, region=town)
    c = indexed(name="出生登记丙", audience=Matter.Audience.COMPANY)
    d = indexed(name="出生登记丁", audience=Matter.Audience.BOTH)
    a.topics.add(topic)
    assert set(names("出生登记")) == {a.name, b.name, c.name, d.name}
    assert names("出生登记", department=dept.code) == [a.name]
    assert names("出生登记", topic=topic.code) == [a.name]
    assert names("出生登记", level=4) == [b.name]
    assert names("出生登记", region="420702100") == [b.name]
    assert set(names("出生登记", region="420702")) == {a.name, b.name, c.name, d.name}
    assert set(names("出生登记", audience="company")) == {c.name, d.name}
    assert set(names("csdj", audience="person")) == {a.name, b.name, d.name}


def test_filters_without_a_query_list_published_matters_by_code():
    dept = DepartmentFactory()
    a = MatterFactory(code="B-1", department=dept)
    MatterFactory(code="A-1", department=dept, status=Matter.Status.DRAFT)
    b = MatterFactory(code="A-2", department=dept)
    MatterFactory(code="A-0")
    items, total = matter_search("", filters=MatterFilters(department=dept.code))
    assert ([m.code for m in items], total) == ([b.code, a.code], 2)


def test_total_counts_every_match_while_the_page_is_limited():
    for i in range(5):
        indexed(name=f"营业执照变更登记{'甲乙丙丁戊'[i]}")
    page, total = matter_search("yyzz", filters=None, limit=2, offset=2)
    assert (len(page), total) == (2, 5)
    past, total = matter_search("yyzz", filters=None, limit=2, offset=10)
    assert (past, total) == ([], 5)


@pytest.mark.parametrize(
    ("filters", "limit", "field"),
    [
        (MatterFilters(department="NOPE"), 20, "department"),
        (MatterFilters(topic="nope"), 20, "topic"),
        (MatterFilters(region="999999"), 20, "region"),
        (MatterFilters(level=6), 20, "level"),
        (MatterFilters(audience="robot"), 20, "audience"),
        (None, 101, "limit"),
        (None, 0, "limit"),
    ],
)
def test_bad_filters_are_rejected_naming_the_field(filters, limit, field):
    with pytest.raises(ValidationFailed) as err:
        matter_search("出生", filters=filters, limit=limit)
    assert err.value.field == field


def test_reindexing_replaces_terms_and_deleting_a_matter_drops_them():
    matter = indexed(name="新生儿出生医学证明办理")
    matter.name = "残疾人证办理"
    matter.save()
    index_matter(matter)
    assert names("xsecs") == []
    assert names("cjrz") == ["残疾人证办理"]
    matter.delete()
    assert MatterSearchTerm.objects.count() == 0


def test_index_all_gives_the_same_terms_as_index_matter():
    dept = DepartmentFactory(name="梁子湖区人力资源和社会保障局")
    matters = [indexed(name=n, department=dept) for n in ["社会保障卡申领", "失业登记"]]
    before = sorted(MatterSearchTerm.objects.values_list("matter_id", "term", "weight"))
    MatterSearchTerm.objects.all().delete()
    assert index_all(Matter.objects.filter(pk__in=[m.pk for m in matters])) == len(before)
    assert sorted(MatterSearchTerm.objects.values_list("matter_id", "term", "weight")) == before


def test_name_terms_hold_suffixes_pinyin_and_initials():
    terms = name_terms("新生儿出生")
    assert terms["新生儿出生"] == 100
    assert terms["出生"] == 80
    assert terms["xinshengerchusheng"] == 60
    assert terms["xsecs"] == 59
    assert terms["chusheng"] == 55
    assert terms["cs"] == 54


def alternatives(q: str) -> list[list[str]]:
    return [[text for text, _ in t.alternatives] for t in query_tokens(q)]


def test_query_is_normalised_and_chinese_is_segmented_with_a_phrase_bonus():
    assert normalise(" ＡＢＣ 出生（证明）") == "abc出生证明"
    tokens = query_tokens("渔船 检验证明")
    assert [t.text for t in tokens] == ["渔船", "检验", "证明", "渔船检验证明"]
    assert [t.bonus for t in tokens] == [False, False, False, True]


def test_a_lone_chinese_character_is_glued_to_its_neighbours_as_preferred_alternatives():
    assert alternatives("林木采伐证")[:2] == [["林木"], ["采伐证", "采伐"]]
    assert alternatives("要改门牌号") == [["要改门牌号", "改门牌号", "门牌号"]]
    assert alternatives("公积金证 qianyi")[:2] == [["公积金证", "公积金"], ["qianyi"]]
    assert alternatives("证") == [["证"]]
    assert word_tokens("证", keep_lone=False) == []


def test_nouns_count_more_than_verbs_and_function_words():
    factors = {t.text: t.alternatives[0][1] for t in word_tokens("开通天然气")}
    assert factors["天然气"] > factors["开通"]


def test_a_word_that_matches_nothing_does_not_hide_the_others():
    indexed(name="用气报装", keywords="天然气开户")
    indexed(name="社会保障卡补换")
    assert names("我家新房子天然气") == ["用气报装"]


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.text(CJK, min_size=2, max_size=20),
    others=st.lists(st.text(CJK, min_size=2, max_size=20), max_size=15),
)
def test_any_matter_is_found_by_its_own_name_on_the_first_page(name, others):
    Matter.objects.all().delete()
    for other in others:
        indexed(name=other)
    matter = indexed(name=name)
    items, _ = matter_search(name, filters=None, limit=20)
    assert matter.pk in [m.pk for m in items]


def test_typo_vocabulary_follows_the_catalogue_after_it_was_cached():
    indexed(name="新生儿出生医学证明办理")
    assert names("xinshnger") == [BIRTH]  # loads the per-process vocabulary
    indexed(name="残疾人证办理")
    assert names("canjirnzheng") == ["残疾人证办理"]


def test_withdrawing_a_matter_through_the_service_takes_it_out_of_search():
    from yishi.catalog.services import matter_withdraw

    matter = indexed(name=BIRTH)
    matter_withdraw(matter=matter)
    assert names("xsecs") == []
    assert MatterSearchTerm.objects.filter(matter=matter).count() == 0


def test_rebuild_search_index_command_indexes_every_published_matter():
    from io import StringIO

    from django.core.management import call_command

    MatterFactory(name=BIRTH)
    MatterFactory(name="残疾人证办理", status=Matter.Status.DRAFT)
    assert names("xsecs") == []
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert names("xsecs") == [BIRTH]
    assert names("cjrz") == []
    assert out.getvalue().startswith("已重建 2 个事项的检索词")


@pytest.mark.django_db
def test_the_districts_own_implementation_ranks_before_higher_levels_on_equal_scores():
    from tests.catalog.factories import MatterFactory, RegionFactory
    from yishi.catalog.models import RegionLevel
    from yishi.catalog.queries import matter_search
    from yishi.catalog.search import index_matter

    province = RegionFactory(code="420000", name="湖北省", level=RegionLevel.PROVINCE)
    city = RegionFactory(code="420700", name="鄂州市", level=RegionLevel.CITY, parent=province)
    district = RegionFactory(code="420702", name="梁子湖区", level=RegionLevel.COUNTY, parent=city)
    made = [
        MatterFactory(name="社会保障卡申领", region=region, level=level)
        for region, level in [
            (province, RegionLevel.PROVINCE),
            (city, RegionLevel.CITY),
            (district, RegionLevel.COUNTY),
        ]
    ]
    for matter in made:
        index_matter(matter)

    found, total = matter_search("shbzksl")

    assert total == 3
    assert found[0] == made[2]
