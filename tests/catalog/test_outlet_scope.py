"""就近办 / 全城通办 (Matter.outlet_scope): part of the matter dict, its versions, the Excel
round trip and the API; a dict or workbook without it keeps the stored value; adding the
element did not make a new version of matters that never set it."""

from __future__ import annotations

import pytest

from tests.catalog.factories import MaterialFactory, MatterFactory
from yishi.catalog.excel import export_catalog, import_catalog
from yishi.catalog.models import Matter, MatterVersion, OutletScope
from yishi.catalog.services import content_hash, matter_publish, matter_to_dict, matter_upsert
from yishi.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def _published(**changes) -> Matter:
    matter = MatterFactory(**changes)
    MaterialFactory(matter=matter, order=1)
    matter_publish(matter=matter)
    return matter


def test_the_scope_is_published_and_a_dict_without_it_keeps_it():
    matter = _published()
    data = matter_to_dict(matter)
    data["outlet_scope"] = "nearby"

    matter, changed = matter_upsert(data)

    assert changed and matter.outlet_scope == OutletScope.NEARBY
    assert (
        MatterVersion.objects.filter(matter=matter).latest("number").snapshot["outlet_scope"]
        == "nearby"
    )
    older = {k: v for k, v in data.items() if k != "outlet_scope"}
    matter, changed = matter_upsert(older)
    assert changed is False and matter.outlet_scope == "nearby"


def test_an_unknown_scope_is_refused_by_its_label():
    data = matter_to_dict(_published())
    data["outlet_scope"] = "everywhere"
    with pytest.raises(ValidationFailed) as exc:
        matter_upsert(data)
    assert "就近办范围" in str(exc.value.message) or exc.value.field == "outlet_scope"


def test_the_default_scope_leaves_the_content_hash_as_before_the_element_existed():
    data = matter_to_dict(_published())
    before = {k: v for k, v in data.items() if k != "outlet_scope"}
    assert content_hash(data) == content_hash(before)
    assert content_hash({**data, "outlet_scope": "citywide"}) != content_hash(before)


def test_excel_round_trip_writes_the_label_and_reads_it_back():
    matter = _published(outlet_scope=OutletScope.CITYWIDE)
    book = export_catalog(Matter.objects.filter(pk=matter.pk))
    Matter.objects.filter(pk=matter.pk).update(outlet_scope="")

    import_catalog(book)

    matter.refresh_from_db()
    assert matter.outlet_scope == OutletScope.CITYWIDE


def test_the_api_and_the_guide_show_the_scope(client):
    matter = _published(outlet_scope=OutletScope.NEARBY)
    body = client.get(f"/api/v1/matters/{matter.code}").json()
    assert body["outlet_scope"] == "nearby"
    assert body["outlet_scope_label"] == "就近办（镇、村便民服务点可办）"
    html = client.get(f"/matters/{matter.code}/").content.decode()
    assert "<dt>就近办</dt><dd>就近办（镇、村便民服务点可办）</dd>" in html
