"""The hard SYNTHETIC OCR set: deterministic, every variant present, JPEG photos of phone
size, truth keys per variant, valid check characters, ID birth date and sex agreeing with
the number, rare characters and several typefaces. No database, no OCR engine."""

from __future__ import annotations

import datetime
import functools
import io

from PIL import Image

from yishi.core.ocr_hard_samples import (
    ID_FIELDS,
    LICENCE_FIELDS,
    RARE_CHARS,
    VARIANTS,
    HardCase,
    case_plan,
    hard_cases,
)
from yishi.core.validators import validate_ric, validate_uscc

COUNT = 30


@functools.cache
def cases() -> tuple[HardCase, ...]:
    return tuple(hard_cases(COUNT, seed=7))


def expected_keys(variant: str) -> set[str]:
    if variant == "id_front":
        return set(ID_FIELDS)
    if variant == "individual":
        return set(LICENCE_FIELDS) | {"composition"}
    return set(LICENCE_FIELDS) | {"registered_capital"}


def test_the_same_n_and_seed_give_the_same_bytes():
    first = hard_cases(3, seed=7)
    assert [c.image for c in first] == [c.image for c in hard_cases(3, seed=7)]
    assert [c.image for c in first] != [c.image for c in hard_cases(3, seed=8)]


def test_every_variant_is_present_in_the_default_set():
    # The plan is what hard_cases draws (checked on the small set), so the default set's
    # mix is checked without drawing 120 images.
    plan = case_plan()
    variants = [variant for variant, _ in plan]
    assert len(plan) == 120 and set(variants) == set(VARIANTS)
    assert variants.count("id_front") == 54
    assert all(variants.count(v) >= 15 for v in VARIANTS[1:])
    assert sum(rare for _, rare in plan) >= 15
    assert [(c.variant, any(n.startswith("rare:") for n in c.notes)) for c in cases()] == (
        case_plan(COUNT, seed=7)
    )
    assert set(c.variant for c in cases()) == set(VARIANTS)


def test_images_are_jpeg_photos_of_phone_size():
    for case in cases():
        assert case.image[:3] == b"\xff\xd8\xff"
        with Image.open(io.BytesIO(case.image)) as image:
            image.load()
            assert image.format == "JPEG"
            assert 1200 <= max(image.size) <= 2000
        assert any(n.startswith("jpeg ") for n in case.notes)
        assert any(n.startswith("rotate ") for n in case.notes)


def test_truth_keys_per_variant():
    for case in cases():
        assert set(case.truth) == expected_keys(case.variant), case.variant
        assert case.document == ("id_card" if case.variant == "id_front" else "business_licence")
        assert all(value and not any(ch.isspace() for ch in value) for value in case.truth.values())


def test_id_numbers_are_valid_and_agree_with_birth_date_and_sex():
    ids = [c for c in cases() if c.variant == "id_front"]
    assert ids
    for case in ids:
        truth = case.truth
        info = validate_ric(truth["id_number"])
        assert info.birth_date == datetime.date.fromisoformat(truth["birth_date"])
        assert truth["sex"] == {"M": "男", "F": "女"}[info.sex]
        assert truth["ethnicity"] and not truth["ethnicity"].endswith("族")


def test_licence_fields_are_well_formed():
    for case in cases():
        if case.document != "business_licence":
            continue
        truth = case.truth
        validate_uscc(truth["uscc"])
        datetime.date.fromisoformat(truth["established_on"])
        assert 2 <= len(truth["legal_representative"]) <= 4
        if case.variant == "individual":
            assert truth["type"] == "个体工商户"
            assert truth["composition"] in ("个人经营", "家庭经营")
            assert truth["uscc"].startswith("92")
        else:
            assert truth["registered_capital"].endswith("万元人民币")
        if case.variant == "partnership":
            assert truth["type"] in ("普通合伙企业", "有限合伙企业")
        assert "(" not in truth["type"] and ")" not in truth["type"]


def test_rare_characters_appear_and_are_noted():
    rare = [c for c in cases() if any(n.startswith("rare:") for n in c.notes)]
    assert len(rare) >= 0.10 * COUNT
    for case in cases():
        found = {ch for value in case.truth.values() for ch in value if ch in RARE_CHARS}
        noted = [n for n in case.notes if n.startswith("rare:")]
        assert bool(found) == bool(noted)
        if noted:
            assert set(noted[0].removeprefix("rare:")) == found


def test_at_least_four_typefaces_are_used():
    assert len({c.font for c in cases()}) >= 4
