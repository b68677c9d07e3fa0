"""五级同 over every element and five levels: a difference planted in any compared element at
any level is found, and the report names it under the element's label at the levels where
it shows (the planted level, and the level below, which now differs from it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.catalog.factories import (
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    RegionFactory,
)
from yishi.catalog.consistency import (
    ALL_ELEMENTS,
    MATERIAL_ELEMENTS,
    MATERIALS,
    element_label,
    five_level_report,
)
from yishi.catalog.models import Material, Matter, RegionLevel

LEVELS = [
    ("420000", "湖北省", RegionLevel.PROVINCE),
    ("420700", "鄂州市", RegionLevel.CITY),
    ("420702", "梁子湖区", RegionLevel.COUNTY),
    ("420702100", "太和镇", RegionLevel.TOWNSHIP),
    ("420702100201", "示例村", RegionLevel.VILLAGE),
]


def _five_level_chain() -> dict[int, Matter]:
    chain: dict[int, Matter] = {}
    parent = base = None
    for code, name, level in LEVELS:
        region = RegionFactory(code=code, name=name, level=level, parent=parent)
        base = MatterFactory(
            code=f"QR00009000-{code}",
            basic_code="QR00009000",
            name="农村村民宅基地申请",
            level=level,
            region=region,
            department=DepartmentFactory(code=f"D{code}", region=region),
            base=base,
            commitment_defer_days=10,
            supervision_days=5,
        )
        MaterialFactory(matter=base, order=1, name="申请书", note="本人签字", spec="A4")
        MaterialFactory(matter=base, order=2, name="户口簿", form=Material.Form.COPY)
        chain[level] = base
        parent = region
    return chain


def _other(field: Any, value: Any) -> Any:
    """A valid value different from `value` for a model field."""
    if field.choices:
        return next(c for c, _ in field.choices if c != value)
    if isinstance(value, bool):
        return not value
    if field.get_internal_type() in (
        "PositiveSmallIntegerField",
        "PositiveIntegerField",
        "IntegerField",
    ):
        return (value or 0) + 1
    text = value or ""
    tail = "乙" if text.endswith("甲") else "甲"
    max_length = getattr(field, "max_length", None) or len(text) + 1
    return (text + tail)[-max_length:] if len(text) < max_length else text[:-1] + tail


class Planted(Exception):
    """Rolls an example's plant back."""


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    element=st.sampled_from(ALL_ELEMENTS),
    material_element=st.sampled_from([e for e in MATERIAL_ELEMENTS if e != "name"]),
    level=st.sampled_from([lv for _, _, lv in LEVELS]),
)
def test_a_difference_planted_in_any_element_at_any_level_is_reported(
    element, material_element, level
):
    try:
        with transaction.atomic():
            chain = _five_level_chain()
            assert five_level_report()["groups"] == []
            target = chain[level]
            if element == MATERIALS:
                material = target.materials.get(name="申请书")
                field = Material._meta.get_field(material_element)
                value = _other(field, getattr(material, material_element))
                Material.objects.filter(pk=material.pk).update(**{material_element: value})
            else:
                field = Matter._meta.get_field(element)
                value = _other(field, getattr(target, element))
                if element == "legal_limit_days":
                    value = max(value, target.promised_limit_days)
                Matter.objects.filter(pk=target.pk).update(**{element: value})

            report = five_level_report()
            rows = [r for g in report["groups"] for r in g["rows"]]
            expected_levels = {lv for lv in (level, level + 1) if lv != RegionLevel.PROVINCE}
            expected_levels &= {lv for _, _, lv in LEVELS}
            assert {r["element"] for r in rows} == {element_label(element)}
            assert {r["level_value"] for r in rows} == expected_levels
            planted = [r for r in rows if r["level_value"] == level]
            if level != RegionLevel.PROVINCE:
                assert planted[0]["value"] != planted[0]["base_value"]
                assert planted[0]["code"] == target.code
            summary = {s["element"]: s["per_level"] for s in report["summary"]}
            assert sum(summary[element_label(element)]) == len(expected_levels)
            raise Planted
    except Planted:
        pass


@pytest.mark.django_db
def test_the_report_lays_out_a_difference_per_level_with_both_values():
    chain = _five_level_chain()
    Matter.objects.filter(pk=chain[RegionLevel.TOWNSHIP].pk).update(fee_required=True)
    Matter.objects.filter(pk=chain[RegionLevel.VILLAGE].pk).update(fee_required=True)

    report = five_level_report()

    assert report["levels"] == ["省级", "市级", "县级", "乡级", "村级"]
    assert report["summary"] == [{"element": "是否收费", "per_level": [0, 0, 0, 1, 0]}]
    [group] = report["groups"]
    assert group["basic_code"] == "QR00009000"
    assert [(r["level"], r["region"], r["value"], r["base_value"]) for r in group["rows"]] == [
        ("乡级", "太和镇", "是", "否")
    ]


@pytest.mark.django_db
def test_the_demo_catalog_reaches_town_and_village_and_its_report_shows_their_differences():
    from yishi.catalog.demo.loader import load_demo

    load_demo()
    report = five_level_report(Matter.objects.filter(basic_code="GG00104000"))
    rows = [r for g in report["groups"] for r in g["rows"]]
    by_level = {(r["level_value"], r["element"]) for r in rows}

    assert set(Matter.objects.filter(basic_code="GG00104000").values_list("level", flat=True)) == {
        1,
        2,
        3,
        4,
        5,
    }
    assert (RegionLevel.COUNTY, "承诺办结时限(工作日)") in by_level
    assert (RegionLevel.VILLAGE, "办理时间") in by_level
    assert (RegionLevel.TOWNSHIP, "办理地点") in by_level
    assert report["summary"]


@pytest.mark.django_db
def test_the_admin_report_page_shows_each_difference_per_level_in_chinese(admin_client):
    from django.urls import reverse

    from tests.core.test_admin_in_chinese import english_words

    chain = _five_level_chain()
    Matter.objects.filter(pk=chain[RegionLevel.VILLAGE].pk).update(hours="每周一、三、五")

    listing = admin_client.get(reverse("admin:catalog_matter_changelist")).content.decode()
    assert "五级同比对报告" in listing
    response = admin_client.get(reverse("admin:catalog_matter_five_level"))
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<tr data-level="5"><td>村级</td><td>示例村</td><td>QR00009000-420702100201</td>'
        "<td>办理时间</td><td>每周一、三、五</td>"
    ) in html
    assert "<th>省级</th><th>市级</th><th>县级</th><th>乡级</th><th>村级</th>" in html
    assert english_words(html, ignore={"admin"}) == set()  # the signed-in username
