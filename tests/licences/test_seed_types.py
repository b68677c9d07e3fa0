"""The seeded licence types point at the demo catalog's matters that produce them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import yishi.catalog.demo
from yishi.licences.models import LicenceType

pytestmark = pytest.mark.django_db

DEMO = Path(yishi.catalog.demo.__file__).parent


def demo_matters() -> list[dict]:
    return [
        m
        for name in ("matters_person.json", "matters_company.json")
        for m in json.loads((DEMO / name).read_text(encoding="utf-8"))
    ]


def test_every_seeded_basic_code_is_a_demo_matter_whose_result_is_that_licence():
    matters = demo_matters()
    checked = 0
    for licence_type in LicenceType.objects.all():
        for code in licence_type.matter_basic_codes:
            producing = [m for m in matters if m["basic_code"] == code]
            assert producing, f"{licence_type.name}: no demo matter has basic code {code}"
            for matter in producing:
                assert any(n in matter["result_name"] for n in licence_type.all_names()), (
                    licence_type.name,
                    matter["name"],
                    matter["result_name"],
                )
                checked += 1
    assert checked >= 12


def test_every_seeded_type_is_asked_for_by_some_demo_material():
    wanted = {
        x["licence_type"] for m in demo_matters() for x in m["materials"] if x.get("licence_type")
    }
    for licence_type in LicenceType.objects.exclude(code="SPJYXKZ"):
        assert set(licence_type.all_names()) & wanted, licence_type.name
