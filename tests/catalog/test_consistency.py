from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.catalog.factories import (
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    RegionFactory,
)
from yishi.catalog.consistency import compared_elements, element_differences, matters_differing
from yishi.catalog.models import Material, Matter, RegionLevel
from yishi.catalog.services import MATTER_FIELDS, OPTIONAL_FIELDS


def _chain():
    """province → city → county, identical in every compared element except where a test
    changes one; code, level, region and department differ by nature everywhere."""
    province = RegionFactory(code="420000", name="湖北省", level=RegionLevel.PROVINCE)
    city = RegionFactory(code="420700", name="鄂州市", level=RegionLevel.CITY, parent=province)
    county = RegionFactory(code="420702", name="梁子湖区", level=RegionLevel.COUNTY, parent=city)
    common = {"basic_code": "QR00001000", "name": "食品经营许可", "matter_type": "licensing"}
    p = MatterFactory(
        code="QR00001000-420000",
        level=RegionLevel.PROVINCE,
        region=province,
        department=DepartmentFactory(code="P", region=province),
        **common,
    )
    c = MatterFactory(
        code="QR00001000-420700",
        level=RegionLevel.CITY,
        region=city,
        department=DepartmentFactory(code="C", region=city),
        base=p,
        **common,
    )
    x = MatterFactory(
        code="QR00001000-420702",
        level=RegionLevel.COUNTY,
        region=county,
        department=DepartmentFactory(code="X", region=county),
        base=c,
        **common,
    )
    for m in (p, c, x):
        MaterialFactory(matter=m, order=1, name="申请书")
        MaterialFactory(matter=m, order=2, name="营业执照", form=Material.Form.COPY)
    return p, c, x


@pytest.mark.django_db
def test_a_chain_that_follows_the_level_above_has_no_differences():
    p, c, x = _chain()
    assert element_differences(p) == []
    assert element_differences(c) == []
    assert element_differences(x) == []
    assert matters_differing() == []


@pytest.mark.django_db
def test_the_check_names_exactly_the_elements_that_differ_at_each_level():
    p, c, x = _chain()
    # The city shortens the promised limit and charges a fee.
    Matter.objects.filter(pk=c.pk).update(promised_limit_days=3, fee_required=True)
    # The county renames the matter, drops the legal limit, makes a material optional and
    # becomes an instant matter.
    Matter.objects.filter(pk=x.pk).update(
        name="食品经营许可(区)",
        legal_limit_days=None,
        promised_limit_days=0,
        handling=Matter.Handling.INSTANT,
    )
    Material.objects.filter(matter=x, name="营业执照").update(required=False)
    c = Matter.objects.get(pk=c.pk)
    x = Matter.objects.get(pk=x.pk)

    assert element_differences(c) == [
        ("承诺办结时限(工作日)", "3", "5"),
        ("是否收费", "是", "否"),
    ]
    assert element_differences(x) == [
        ("事项名称", "食品经营许可(区)", "食品经营许可"),
        (
            "申请材料",
            "申请书（必需，原件）；营业执照（非必需，复印件）",
            "申请书（必需，原件）；营业执照（必需，复印件）",
        ),
        ("法定办结时限(工作日)", "（未规定）", "20"),
        ("承诺办结时限(工作日)", "0", "3"),
        ("办件类型", "即办件", "承诺件"),
        ("是否收费", "否", "是"),
    ]
    assert element_differences(p) == []
    assert [m.code for m in matters_differing()] == ["QR00001000-420700", "QR00001000-420702"]


@pytest.mark.django_db
def test_a_missing_material_and_a_choice_element_are_reported_with_labels():
    p, c, _ = _chain()
    Material.objects.filter(matter=c, name="申请书").delete()
    Matter.objects.filter(pk=c.pk).update(online_depth="offline", cross_region="province")
    c = Matter.objects.get(pk=c.pk)

    assert element_differences(c) == [
        ("申请材料", "营业执照（必需，复印件）", "申请书（必需，原件）；营业执照（必需，复印件）"),
        ("网办深度", "仅限窗口办理", "全程网办"),
        ("通办范围", "全省通办", "不支持"),
    ]


@pytest.mark.django_db
def test_local_details_are_compared_by_default_and_a_setting_narrows_the_set(settings):
    _, c, _ = _chain()
    Matter.objects.filter(pk=c.pk).update(place="鄂州市民之家", consult_phone="0711-1")
    c = Matter.objects.get(pk=c.pk)

    assert element_differences(c) == [
        ("办理地点", "鄂州市民之家", "梁子湖区政务服务中心"),
        ("咨询电话", "0711-1", "12345"),
    ]
    settings.YISHI_FIVE_LEVEL_ELEMENTS = ["name", "conditions", "materials"]
    assert compared_elements() == ["name", "conditions", "materials"]
    assert element_differences(c) == []
    assert matters_differing() == []


def test_the_default_set_is_every_catalog_element_but_the_entry_s_own_code_and_level():
    assert set(compared_elements()) == (
        set(MATTER_FIELDS) | set(OPTIONAL_FIELDS) | {"materials"}
    ) - {"code", "level"}


def test_an_unknown_element_in_the_setting_fails_loudly(settings):
    settings.YISHI_FIVE_LEVEL_ELEMENTS = ["name", "colour"]
    with pytest.raises(ImproperlyConfigured, match="colour"):
        compared_elements()


@pytest.mark.django_db
def test_a_material_element_outside_the_summary_is_named_in_the_difference():
    _, c, _ = _chain()
    Material.objects.filter(matter=c, name="申请书").update(copies=2, note="签字")
    c = Matter.objects.get(pk=c.pk)

    assert element_differences(c) == [
        (
            "申请材料",
            "申请书（必需，原件）〔份数：2，填报说明：签字〕；营业执照（必需，复印件）",
            "申请书（必需，原件）〔份数：1，填报说明：（空）〕；营业执照（必需，复印件）",
        )
    ]
