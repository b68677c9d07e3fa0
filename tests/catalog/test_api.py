from __future__ import annotations

import pytest

from tests.catalog.factories import (
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    RegionFactory,
    TopicFactory,
)
from yishi.catalog.models import Department, Matter, RegionLevel, Topic
from yishi.catalog.search import index_matter

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json; charset=utf-8"


def indexed(**kwargs) -> Matter:
    matter = MatterFactory(**kwargs)
    index_matter(matter)
    return matter


@pytest.fixture
def regions():
    province = RegionFactory(code="420000", name="湖北省", level=RegionLevel.PROVINCE)
    city = RegionFactory(code="420700", name="鄂州市", level=RegionLevel.CITY, parent=province)
    district = RegionFactory(code="420702", name="梁子湖区", level=RegionLevel.COUNTY)
    district.parent = city
    district.save()
    town = RegionFactory(
        code="420702100", name="太和镇", level=RegionLevel.TOWNSHIP, parent=district
    )
    return {"province": province, "city": city, "district": district, "town": town}


def test_matter_list_has_items_and_count_and_pages(client):
    for suffix in "甲乙丙":
        indexed(name=f"营业执照变更登记{suffix}")
    body = client.get("/api/v1/matters", {"q": "yyzz", "limit": 2, "offset": 0}).json()
    assert sorted(body) == ["count", "items"]
    assert body["count"] == 3
    assert [m["name"] for m in body["items"]] == ["营业执照变更登记甲", "营业执照变更登记乙"]
    rest = client.get("/api/v1/matters", {"q": "yyzz", "limit": 2, "offset": 2}).json()
    assert (rest["count"], [m["name"] for m in rest["items"]]) == (3, ["营业执照变更登记丙"])


def test_matter_list_item_names_department_and_region(client):
    dept = DepartmentFactory(code="SCJG", name="梁子湖区市场监督管理局")
    matter = indexed(name="食品经营许可证核发", department=dept)
    item = client.get("/api/v1/matters", {"q": "spjy"}).json()["items"][0]
    assert item["code"] == matter.code
    assert item["department"] == {"code": "SCJG", "name": "梁子湖区市场监督管理局"}
    assert item["region"] == {"code": "420702", "name": "梁子湖区"}
    assert (item["level"], item["level_label"]) == (3, "县级")


def test_matter_list_filters_by_department_topic_level_audience_and_region(client, regions):
    dept = DepartmentFactory(code="RS")
    topic = TopicFactory(code="birth", name="生育收养")
    a = indexed(name="出生登记", department=dept)
    a.topics.add(topic)
    b = indexed(
        name="出生补登",
        region=regions["town"],
        level=RegionLevel.TOWNSHIP,
        audience=Matter.Audience.COMPANY,
    )

    def codes(**params):
        return [m["code"] for m in client.get("/api/v1/matters", params).json()["items"]]

    assert codes(department="RS") == [a.code]
    assert codes(topic="birth") == [a.code]
    assert codes(level=4) == [b.code]
    assert codes(audience="company") == [b.code]
    assert codes(region="420702100") == [b.code]
    assert codes(q="出生", region="420000") == [a.code, b.code]


def test_matter_detail_is_the_full_guide_with_materials(client, regions):
    topic = TopicFactory(code="birth", name="生育收养", audience=Topic.Audience.PERSON)
    base = MatterFactory(code="BASE-420000", name="出生医学证明办理", region=regions["province"])
    matter = MatterFactory(
        code="QR001-420702", name="出生医学证明办理", base=base, keywords="出生证", version=3
    )
    matter.topics.add(topic)
    MaterialFactory(matter=matter, order=2, name="父母双方身份证", kind="id_card")
    MaterialFactory(matter=matter, order=1, name="出生医学证明首次签发登记表", kind="form")
    response = client.get("/api/v1/matters/QR001-420702")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "出生医学证明办理"
    assert body["base"] == "BASE-420000"
    assert body["version"] == 3
    assert body["keywords"] == "出生证"
    assert [m["name"] for m in body["materials"]] == [
        "出生医学证明首次签发登记表",
        "父母双方身份证",
    ]
    assert body["materials"][0]["form_label"] == "原件"
    assert body["topics"] == [
        {"code": "birth", "name": "生育收养", "audience": "person", "audience_label": "个人办事"}
    ]
    assert body["region_detail"] == {
        "code": "420702",
        "name": "梁子湖区",
        "level": 3,
        "level_label": "县级",
        "parent": "420700",
    }
    assert body["department_detail"]["code"] == matter.department.code
    for element in ["legal_basis", "conditions", "process", "result_name", "place", "hours"]:
        assert body[element] == getattr(matter, element)
    assert body["legal_limit_days"] == 20
    assert body["handling_label"] == "承诺件"


def test_unknown_matter_code_gets_404_problem_in_chinese(client):
    response = client.get("/api/v1/matters/NOPE-1")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["detail"] == "事项编码 NOPE-1 不存在"
    assert body["field"] == "code"


def test_unpublished_matter_detail_is_not_found(client):
    MatterFactory(code="DRAFT-1", status=Matter.Status.DRAFT)
    assert client.get("/api/v1/matters/DRAFT-1").status_code == 404


@pytest.mark.parametrize(
    ("params", "field", "detail"),
    [
        ({"department": "NOPE"}, "department", "部门编码 NOPE 不存在"),
        ({"topic": "nope"}, "topic", "主题分类 nope 不存在"),
        ({"region": "999999"}, "region", "区划代码 999999 不存在"),
        ({"level": 6}, "level", "行使层级 level 必须是 1 到 5 之间的整数"),
        ({"level": 0}, "level", "行使层级 level 必须是 1 到 5 之间的整数"),
        ({"audience": "robot"}, "audience", "服务对象 audience 只能是 person 或 company"),
        ({"limit": 101}, "limit", "每页条数 limit 必须在 1 到 100 之间"),
        ({"offset": -1}, "offset", "偏移量 offset 不能小于 0"),
        ({"level": "abc"}, "level", "层级：必须是整数"),
    ],
)
def test_bad_list_parameters_get_422_problem_naming_the_field(client, params, field, detail):
    response = client.get("/api/v1/matters", params)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["field"], body["detail"]) == (field, detail)


def test_regions_are_flat_with_parent_codes_and_filter_by_parent_and_level(client, regions):
    body = client.get("/api/v1/regions").json()
    assert [(r["code"], r["parent"]) for r in body] == [
        ("420000", None),
        ("420700", "420000"),
        ("420702", "420700"),
        ("420702100", "420702"),
    ]
    assert [r["code"] for r in client.get("/api/v1/regions", {"parent": "420702"}).json()] == [
        "420702100"
    ]
    assert [r["code"] for r in client.get("/api/v1/regions", {"level": 2}).json()] == ["420700"]
    bad = client.get("/api/v1/regions", {"parent": "123"})
    assert (bad.status_code, bad.json()["field"]) == (422, "parent")


def test_departments_filter_by_region_and_kind(client, regions):
    DepartmentFactory(code="D1", region=regions["district"])
    DepartmentFactory(code="D2", region=regions["town"], kind=Department.Kind.TOWN)
    all_codes = [d["code"] for d in client.get("/api/v1/departments").json()]
    assert all_codes == ["D1", "D2"]
    town = client.get("/api/v1/departments", {"region": "420702100"}).json()
    assert [d["code"] for d in town] == ["D2"]
    assert town[0]["kind_label"] == "乡镇政府/园区管委会"
    kind = client.get("/api/v1/departments", {"kind": "government"}).json()
    assert [d["code"] for d in kind] == ["D1"]
    bad = client.get("/api/v1/departments", {"region": "000"})
    assert (bad.status_code, bad.json()["field"], bad.json()["detail"]) == (
        422,
        "region",
        "区划代码 000 不存在",
    )


def test_topics_list_life_and_company_events(client):
    TopicFactory(code="birth", name="生育收养", audience=Topic.Audience.PERSON, order=1)
    TopicFactory(code="open", name="企业开办", audience=Topic.Audience.COMPANY, order=1)
    body = client.get("/api/v1/topics").json()
    assert [(t["code"], t["audience_label"]) for t in body] == [
        ("open", "法人办事"),
        ("birth", "个人办事"),
    ]
    person = client.get("/api/v1/topics", {"audience": "person"}).json()
    assert [t["code"] for t in person] == ["birth"]


@pytest.mark.parametrize("size", [1, 5, 25])
def test_matter_list_takes_the_same_number_of_queries_whatever_the_page_size(
    client, django_assert_num_queries, size, monkeypatch
):
    from yishi.catalog import search, unified_search

    dept = DepartmentFactory(code="SCJG")
    topic = TopicFactory(code="open")
    for i in range(size):
        matter = indexed(name=f"营业执照变更登记{i}", department=dept)
        matter.topics.add(topic)
    # the synonyms and stop words, loaded once per process and re-checked every few seconds
    monkeypatch.setattr(unified_search, "RELOAD_CHECK_SECONDS", 3600)
    unified_search.cache.invalidate()
    unified_search.cache.get()
    search.population()  # the published matters' count, cached until the next indexing
    # search, fetch the page
    with django_assert_num_queries(2):
        body = client.get("/api/v1/matters", {"q": "营业执照", "limit": 100}).json()
    assert body["count"] == size
    # department and topic lookups, then search and page
    with django_assert_num_queries(4):
        body = client.get(
            "/api/v1/matters", {"q": "yyzz", "department": "SCJG", "topic": "open", "limit": 100}
        ).json()
    assert len(body["items"]) == size
    # no query: page and count
    with django_assert_num_queries(2):
        body = client.get("/api/v1/matters", {"limit": 100}).json()
    assert len(body["items"]) == size


def test_matter_detail_takes_a_constant_number_of_queries(client, django_assert_num_queries):
    matter = MatterFactory(code="M-1")
    for i in range(5):
        MaterialFactory(matter=matter, order=i)
    matter.topics.add(TopicFactory(), TopicFactory())
    with django_assert_num_queries(3):
        assert client.get("/api/v1/matters/M-1").status_code == 200
