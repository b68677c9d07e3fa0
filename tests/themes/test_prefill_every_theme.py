"""Prefill speaks each form's language: for an applicant (and company) with full registry
data, every demo theme's prefilled fields are filled and pass the form's own validation —
性别 as the option the form offers ("male"), never the registry's "M" — and a father is
never prefilled as the mother."""

from __future__ import annotations

import datetime

import pytest

from tests.people.factories import CompanyFactory, PersonFactory
from tests.themes.demo_forms import DEMO, make_demo_form
from tests.themes.factories import ThemeFormFieldFactory
from yishi.themes.form import prefill, validate_form
from yishi.themes.form_rules import FormInvalid, option_for

pytestmark = pytest.mark.django_db

SEX_OPTIONS = {"male": "男", "female": "女"}


def registry_person(sex: str):
    return PersonFactory(
        name="欧阳明" if sex == "M" else "欧阳丽",
        gender=sex,
        birth=datetime.date(1966, 4, 12),
        phone="13971234567",
        region="420702",
    )


def prefilled_faults(theme, values) -> dict[str, str]:
    """Errors the form's validation finds on the prefilled fields."""
    try:
        validate_form(theme, {}, values)
    except FormInvalid as exc:
        return {e.field: e.message for e in exc.errors if e.field in values}
    return {}


@pytest.mark.parametrize("sex", ["M", "F"])
@pytest.mark.parametrize("code", sorted(DEMO))
def test_every_themes_prefilled_form_validates(code, sex):
    theme = make_demo_form(code)
    person = registry_person(sex)
    company = CompanyFactory(address="湖北省鄂州市梁子湖区太和镇太和大道8号", rep=person)

    values = prefill(theme, person=person, company=company)

    sources = [f for f in theme.fields.all() if f.prefill]
    # A parent field of the other sex is left for the applicant (or moved to the other parent).
    parents = {"mother": "F", "father": "M"}
    expected = {f.key for f in sources if parents.get(f.key.split("_", 1)[0], sex) == sex}
    assert expected <= set(values), f"{code}: not prefilled {sorted(expected - set(values))}"
    assert prefilled_faults(theme, values) == {}
    for f in sources:
        if f.kind == "choice" and f.key in values:
            assert values[f.key] in {c["value"] for c in f.choices}


@pytest.mark.parametrize("code", ["social-security-card", "disability", "retirement"])
@pytest.mark.parametrize(("sex", "option"), [("M", "male"), ("F", "female")])
def test_sex_is_prefilled_as_the_forms_own_option(code, sex, option):
    theme = make_demo_form(code)
    key = next(f.key for f in theme.fields.all() if f.prefill == "person.sex")
    assert prefill(theme, person=registry_person(sex))[key] == option


def test_a_father_is_prefilled_as_the_father_never_as_the_mother():
    theme = make_demo_form("newborn")
    father = registry_person("M")

    values = prefill(theme, person=father)

    assert "mother_id" not in values and "mother_name" not in values
    assert (values["father_id"], values["father_name"]) == (father.id_number, father.name)
    assert values["phone"] == "13971234567"


def test_a_mother_is_prefilled_as_the_mother():
    theme = make_demo_form("newborn")
    mother = registry_person("F")

    values = prefill(theme, person=mother)

    assert (values["mother_id"], values["mother_name"]) == (mother.id_number, mother.name)
    assert "father_id" not in values and "father_name" not in values


@pytest.mark.parametrize(
    ("registry", "label", "option"),
    [
        ("M", "男", "male"),
        ("F", "女", "female"),
        ("1", "", "male"),
        ("2", "", "female"),
        ("男", "", "male"),
        ("female", "", "female"),
        ("X", "", ""),
    ],
)
def test_registry_sex_codes_map_onto_the_forms_options(registry, label, option):
    assert option_for(SEX_OPTIONS, registry, label) == option


def test_a_choice_the_form_does_not_offer_is_not_prefilled():
    field = ThemeFormFieldFactory(
        key="sex",
        label="性别",
        kind="choice",
        choices=[{"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}],
        prefill="person.sex",
    )
    assert prefill(field.theme, person=registry_person("M")) == {}
