from __future__ import annotations

import pytest

from tests.catalog.factories import MaterialFactory, MatterFactory, TopicFactory
from yishi.catalog.models import Matter, MatterVersion
from yishi.catalog.queries import published_matters
from yishi.catalog.services import (
    content_hash,
    matter_publish,
    matter_publish_if_changed,
    matter_to_dict,
    matter_upsert,
    matter_version_for,
    matter_withdraw,
)
from yishi.core.errors import NotFound, ValidationFailed


@pytest.fixture
def published():
    matter = MatterFactory(name="个体工商户设立登记", promised_limit_days=5)
    MaterialFactory(matter=matter, order=1, name="居民身份证")
    MaterialFactory(matter=matter, order=2, name="经营场所证明")
    matter_publish(matter=matter)
    return Matter.objects.get(pk=matter.pk)


@pytest.mark.django_db
def test_editing_a_published_matter_makes_version_2_and_version_1_keeps_the_old_elements(
    published,
):
    v1 = published.versions.get(number=1)
    case_version_id = v1.pk  # a case started under v1 holds this id

    Matter.objects.filter(pk=published.pk).update(promised_limit_days=3, name="个体户登记")
    published.materials.get(name="经营场所证明").delete()
    v2 = matter_publish_if_changed(matter=published)

    assert v2 is not None and v2.number == 2
    assert Matter.objects.get(pk=published.pk).version == 2
    old = MatterVersion.objects.get(pk=case_version_id).snapshot
    assert (old["name"], old["promised_limit_days"]) == ("个体工商户设立登记", 5)
    assert [m["name"] for m in old["materials"]] == ["居民身份证", "经营场所证明"]
    assert old == v1.snapshot
    assert MatterVersion.objects.get(pk=case_version_id).content_hash == content_hash(old)
    new = matter_version_for(published, 2)
    assert (new["name"], new["promised_limit_days"]) == ("个体户登记", 3)
    assert [m["name"] for m in new["materials"]] == ["居民身份证"]
    assert matter_version_for(published, 1) == old


@pytest.mark.django_db
def test_saving_without_changes_makes_no_version(published):
    assert matter_publish_if_changed(matter=published) is None
    assert published.versions.count() == 1


@pytest.mark.django_db
def test_a_change_of_topics_alone_makes_a_new_version(published):
    published.topics.add(TopicFactory(code="birth"))
    version = matter_publish_if_changed(matter=published)
    assert version is not None and version.snapshot["topics"] == ["birth"]


@pytest.mark.django_db
def test_an_unknown_version_number_is_not_found(published):
    with pytest.raises(NotFound) as excinfo:
        matter_version_for(published, 7)
    assert excinfo.value.message == f"事项 {published.code} 没有第 7 版"


@pytest.mark.django_db
def test_a_withdrawn_matter_leaves_published_matters_and_keeps_its_versions(published):
    matter_withdraw(matter=published, actor=None)

    assert Matter.objects.get(pk=published.pk).status == Matter.Status.WITHDRAWN
    assert list(published_matters()) == []
    assert published.versions.count() == 1


def _valid_dict() -> dict:
    source = MatterFactory(code="QR-SOURCE")
    MaterialFactory(matter=source, name="申请书")
    data = matter_to_dict(source)
    data["code"] = "QR-NEW"
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "缺少必填要素「事项名称」"),
        ({"matter_type": "xxx"}, "matter_type", "事项类型 xxx 不是允许的取值"),
        ({"level": 9}, "level", "行使层级 9 不是允许的取值"),
        (
            {"legal_limit_days": 5, "promised_limit_days": 6},
            "promised_limit_days",
            "承诺办结时限不得超过法定办结时限",
        ),
        ({"region": "999999"}, "region", "区划代码 999999 不存在"),
        ({"department": "NOPE"}, "department", "部门编码 NOPE 不存在"),
        ({"topics": ["nope"]}, "topics", "主题分类 nope 不存在"),
        ({"base": "QR-NOPE"}, "base", "上级层级事项 QR-NOPE 不存在"),
        ({"base": "QR-NEW"}, "base", "上级层级事项不能是事项本身"),
        ({"visits": -1}, "visits", "「到现场次数」应为不小于 0 的整数，收到 -1"),
        ({"mobile": "maybe"}, "mobile", "「掌上可办」应为“是”或“否”，收到 maybe"),
        (
            {"materials": [{"name": "  "}]},
            "materials.0.name",
            "第 1 项申请材料：材料名称不能为空",
        ),
        (
            {"materials": [{"name": "申请书"}, {"name": "申请书"}]},
            "materials.1.name",
            "申请材料「申请书」重复",
        ),
    ],
)
def test_upsert_names_the_field_at_fault_in_chinese(change, field, message):
    data = {**_valid_dict(), **change}
    with pytest.raises(ValidationFailed) as excinfo:
        matter_upsert(data)
    assert (excinfo.value.field, excinfo.value.message) == (field, message)
    assert not Matter.objects.filter(code="QR-NEW").exists()


@pytest.mark.django_db
def test_upsert_of_a_code_expected_new_that_exists_is_a_duplicate():
    data = _valid_dict()
    data["code"] = "QR-SOURCE"
    with pytest.raises(ValidationFailed) as excinfo:
        matter_upsert(data, expect_new=True)
    assert (excinfo.value.field, excinfo.value.message) == ("code", "实施编码 QR-SOURCE 已存在")


@pytest.mark.django_db
def test_a_base_at_the_same_level_is_refused():
    base = MatterFactory(code="QR-BASE")
    data = {**_valid_dict(), "base": base.code}
    with pytest.raises(ValidationFailed) as excinfo:
        matter_upsert(data)
    assert excinfo.value.message == "上级层级事项 QR-BASE 的层级应高于本事项的行使层级"


@pytest.mark.django_db
def test_each_publication_and_withdrawal_is_audited(published, django_user_model):
    from yishi.core.models import AuditEntry

    editor = django_user_model.objects.create_user("editor")
    Matter.objects.filter(pk=published.pk).update(promised_limit_days=2)
    v2 = matter_publish_if_changed(matter=published, actor=editor)
    matter_withdraw(matter=published, actor=editor)

    entries = list(
        AuditEntry.objects.filter(object_type="matter", object_id=published.code).values_list(
            "action", "actor", "data"
        )
    )
    v1 = published.versions.get(number=1)
    assert entries == [
        ("matter.publish", "", {"version": 1, "hash": v1.content_hash}),
        ("matter.publish", "editor", {"version": 2, "hash": v2.content_hash}),
        ("matter.withdraw", "editor", {"version": 2}),
    ]


@pytest.mark.django_db
def test_upsert_stores_line_breaks_as_newlines_and_refuses_control_characters():
    data = {**_valid_dict(), "conditions": "甲\r\n乙\r丙"}
    matter, _ = matter_upsert(data)
    assert matter.conditions == "甲\n乙\n丙"
    _, changed = matter_upsert({**data, "conditions": "甲\n乙\n丙"})
    assert changed is False

    with pytest.raises(ValidationFailed) as excinfo:
        matter_upsert({**data, "process": "申请\x07受理"})
    assert (excinfo.value.field, excinfo.value.message) == (
        "process",
        "「办理流程」含有不可见的控制字符，请删除后重试",
    )
