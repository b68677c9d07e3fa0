"""One set of materials: each document once, with the strictest requirement of its uses."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.catalog.factories import MaterialFactory, MatterFactory
from tests.themes.factories import ThemeFactory, ThemeMatterFactory, make_birth_theme
from yishi.themes.materials import document_name, material_set, materials_separately
from yishi.themes.queries import published_themes

pytestmark = pytest.mark.django_db


def by_kind(lines):
    return {line.kind: line for line in lines}


def test_each_document_appears_once_listing_the_matters_that_use_it():
    theme = make_birth_theme()["theme"]
    lines = material_set(theme)
    assert [line.kind for line in lines] == [
        "id_card",
        "application_form",
        "birth_certificate",
        "household_register",
        "marriage_certificate",
        "photo",
    ]
    assert by_kind(lines)["id_card"].matters == [
        "出生医学证明签发",
        "出生登记",
        "城乡居民医保参保登记",
        "社会保障卡申领",
    ]
    assert materials_separately(theme) == 11


def test_the_strictest_requirement_is_kept():
    theme = make_birth_theme()["theme"]
    id_card = by_kind(material_set(theme))["id_card"]
    # copy (A), original and copy ×2 (B), optional copy (C), original (D)
    assert (id_card.required, id_card.form, id_card.form_code, id_card.copies) == (
        True,
        "原件和复印件",
        "both",
        2,
    )
    assert id_card.name == "父母双方居民身份证"
    assert id_card.to_bring is True


def test_original_beats_copy_and_any_required_use_makes_it_required():
    theme = ThemeFactory()
    first, second = MatterFactory(), MatterFactory()
    MaterialFactory(matter=first, kind="lease", name="租赁合同", form="copy", required=False)
    MaterialFactory(
        matter=second, kind="lease", name="房屋租赁合同", form="original", required=True
    )
    ThemeMatterFactory(theme=theme, matter=first)
    ThemeMatterFactory(theme=theme, matter=second)
    [line] = material_set(theme)
    assert (line.name, line.form, line.required) == ("租赁合同", "原件", True)


def test_materials_without_a_kind_are_merged_by_exact_name_only():
    theme = ThemeFactory()
    first, second = MatterFactory(), MatterFactory()
    MaterialFactory(matter=first, kind="", name="情况说明")
    MaterialFactory(matter=second, kind="", name="情况说明")
    MaterialFactory(matter=second, kind="", name="情况说明书")
    ThemeMatterFactory(theme=theme, matter=first)
    ThemeMatterFactory(theme=theme, matter=second)
    assert [(x.name, len(x.matters)) for x in material_set(theme)] == [
        ("情况说明", 2),
        ("情况说明书", 1),
    ]
    assert materials_separately(theme) == 3


def test_a_document_produced_by_an_earlier_matter_is_not_asked_for():
    theme = make_birth_theme()["theme"]
    certificate = by_kind(material_set(theme))["birth_certificate"]
    assert certificate.produced_in_theme is True
    assert certificate.produced_by == "出生医学证明签发"
    assert certificate.exempt is False  # 出生登记 would otherwise ask the applicant for it
    assert certificate.to_bring is False
    assert certificate.status == "produced"


def test_without_the_producing_matter_the_document_must_be_brought():
    theme = make_birth_theme()["theme"]
    certificate = by_kind(material_set(theme, {"born_here": "no"}))["birth_certificate"]
    assert (certificate.produced_in_theme, certificate.exempt, certificate.to_bring) == (
        False,
        False,
        True,
    )
    assert certificate.source == "applicant"


def test_e_licence_materials_are_exempt():
    theme = make_birth_theme()["theme"]
    household = by_kind(material_set(theme, {"born_here": "no"}))["household_register"]
    assert (household.exempt, household.source, household.source_label) == (
        True,
        "licence",
        "电子证照调取",
    )
    assert household.to_bring is False
    assert household.status == "produced"  # 出生登记's result goes on to 医保参保


def test_deferrable_only_when_every_use_allows_it_and_notes_are_kept():
    theme = make_birth_theme()["theme"]
    marriage = by_kind(material_set(theme))["marriage_certificate"]
    assert (marriage.required, marriage.deferrable, marriage.note) == (
        False,
        True,
        "非婚生育的提供说明",
    )


def test_answers_limit_the_set_to_the_matters_that_apply():
    theme = make_birth_theme()["theme"]
    lines = material_set(theme, {"need_card": "no"})
    assert "photo" not in by_kind(lines)
    assert materials_separately(theme, {"need_card": "no"}) == 9


def test_document_names_match_across_decorations():
    assert document_name("《出生医学证明》（纸质证件及电子证照）") == "出生医学证明"
    assert document_name("居民户口簿(新生儿常住人口登记卡)") == "居民户口簿"


THEMES_JSON = Path(__file__).resolve().parents[2] / "src/yishi/themes/demo/themes.json"


@pytest.mark.skipif(
    not THEMES_JSON.exists(),
    reason="src/yishi/themes/demo/themes.json (the 14 demo themes) is not written yet",
)
def test_every_demo_theme_lists_each_material_once_and_fewer_than_its_matters(
    monkeypatch, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("YISHI_DEMO_PASSWORD", "Demo-Passw0rd!")
    # The exchange's 多地联办 theme and its two matters are checked in tests/exchange.
    monkeypatch.setattr("yishi.exchange.demo.load_joint_demo", lambda: 0)
    call_command("load_demo", stdout=StringIO())
    themes = list(published_themes())
    assert len(themes) == 14
    for theme in themes:
        lines = material_set(theme)
        keys = [line.key for line in lines]
        assert len(keys) == len(set(keys)), theme.name
        assert len(lines) < materials_separately(theme), theme.name
