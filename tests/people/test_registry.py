"""The synthetic registry generator: valid identifiers, consistent facts, plausible shares,
deterministic per seed, idempotent on rerun; COPY on PostgreSQL stores the same as bulk_create."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from stdnum.cn import ric, uscc

from yishi.core.fields import blind_index
from yishi.core.validators import validate_ric
from yishi.people.models import Company, Person
from yishi.people.registry import generate_registry, iter_company_rows, iter_person_rows

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)
TOWN_CODES = {"100", "101", "102", "103", "104", "400"}


def full_years(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_generated_persons_have_valid_ids_matching_birth_date_sex_and_region():
    rows = list(iter_person_rows(3000, seed=1, today=TODAY))
    assert len({r["id_number"] for r in rows}) == 3000
    for r in rows:
        number = r["id_number"]
        assert ric.is_valid(number), number
        assert ric.get_birth_date(number) == r["birth_date"] <= TODAY
        assert ("M" if int(number[16]) % 2 else "F") == r["sex"]
        assert re.fullmatch(r"420702\d{6}", r["region_code"])
        assert r["region_code"][6:9] in TOWN_CODES
        if r["deceased_on"] is not None:
            assert r["birth_date"] <= r["deceased_on"] < TODAY
        if r["disability_type"]:
            assert r["disability_grade"] in (1, 2, 3, 4)
            assert r["disability_certificate_no"].startswith(number)
            assert r["disability_certificate_no"][-1] == str(r["disability_grade"])
        else:
            assert (r["disability_grade"], r["disability_certificate_no"]) == (None, "")
            assert not r["needs_long_term_care"]
        if r["unemployment_registered"] or r["left_job_involuntarily"]:
            assert r["employment_status"] == "unemployed"


def test_generated_shares_are_plausible():
    rows = list(iter_person_rows(5000, seed=2, today=TODAY))
    share = lambda pred: sum(1 for r in rows if pred(r)) / len(rows)  # noqa: E731
    assert 0.03 <= share(lambda r: r["low_income_household"]) <= 0.06
    assert 0.05 <= share(lambda r: r["disability_type"]) <= 0.09
    assert 0.005 <= share(lambda r: r["deceased_on"]) <= 0.03
    assert 0.02 <= share(lambda r: full_years(r["birth_date"], TODAY) >= 80) <= 0.06
    assert 0.15 <= share(lambda r: full_years(r["birth_date"], TODAY) >= 60) <= 0.35
    assert 0.45 <= share(lambda r: r["sex"] == "M") <= 0.57
    types = Counter(r["disability_type"] for r in rows if r["disability_type"])
    assert types.most_common(1)[0][0] in ("physical", "hearing")
    assert set(Counter(r["employment_status"] for r in rows)) == {
        "employed", "unemployed", "retired", "student", "other",
    }  # fmt: skip


def test_generated_companies_have_valid_codes_and_gbt4754_industries():
    rows = list(iter_company_rows(500, seed=3, today=TODAY))
    assert len({r["uscc"] for r in rows}) == 500
    for r in rows:
        assert uscc.is_valid(r["uscc"])
        assert re.fullmatch(r"[A-T]\d{4}", r["industry_code"])
        assert r["region_code"][:6] == "420702" and r["region_code"][6:] in TOWN_CODES
        assert r["registration_date"] < TODAY
    sizes = Counter(r["size_class"] for r in rows)
    assert sizes["micro"] > sizes["small"] > sizes["medium"]
    micro = [r for r in rows if r["size_class"] == "micro"]
    assert all(0 <= r["employees"] <= 9 for r in micro)


def test_generator_is_deterministic_per_seed():
    first = list(iter_person_rows(50, seed=7, today=TODAY))
    assert first == list(iter_person_rows(50, seed=7, today=TODAY))
    assert first != list(iter_person_rows(50, seed=8, today=TODAY))


def test_generate_registry_stores_encrypted_ids_and_rerun_adds_nothing():
    result = generate_registry(
        persons=300, companies=30, seed=4, today=TODAY, batch_size=100, method="bulk"
    )
    assert (result.persons, result.companies, result.method) == (300, 30, "bulk")
    person = Person.objects.filter(disability_type__gt="").first()
    assert ric.is_valid(person.id_number)
    assert person.id_number_index == blind_index(person.id_number)
    assert person.disability_certificate_no.startswith(person.id_number)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_person WHERE id = %s", [person.pk])
        (stored,) = cursor.fetchone()
    assert stored.count("$") == 1 and person.id_number not in stored  # encrypted at rest
    again = generate_registry(persons=300, companies=30, seed=4, today=TODAY)
    assert (again.persons, again.companies) == (0, 0)
    assert (Person.objects.count(), Company.objects.count()) == (300, 30)


def test_generate_registry_command_prints_a_chinese_summary():
    out = io.StringIO()
    call_command("generate_registry", persons=40, companies=4, seed=5, stdout=out)
    assert "已生成合成登记数据：自然人 40 人，法人 4 户" in out.getvalue()


@pytest.mark.postgres
def test_copy_on_postgresql_stores_what_bulk_create_would():
    result = generate_registry(persons=200, companies=20, seed=6, today=TODAY, method="copy")
    assert (result.persons, result.companies) == (200, 20)
    expected = {r["id_number"]: r for r in iter_person_rows(200, seed=6, today=TODAY)}
    for person in Person.objects.all():
        row = expected[person.id_number]
        assert person.id_number_index == blind_index(person.id_number)
        assert (person.birth_date, person.disability_grade, person.deceased_on) == (
            row["birth_date"], row["disability_grade"], row["deceased_on"],
        )  # fmt: skip
        assert person.disability_certificate_no == row["disability_certificate_no"]
    company = Company.objects.order_by("pk").first()
    assert uscc.is_valid(company.uscc) and company.status
    again = generate_registry(persons=200, companies=20, seed=6, today=TODAY, method="copy")
    assert (again.persons, again.companies) == (0, 0)


def test_generated_companies_record_their_legal_representatives_id_number_blind_indexed():
    rows = list(iter_company_rows(200, seed=3, today=TODAY))
    for r in rows:
        info = validate_ric(r["legal_representative_id_number"])  # region valid on the birth date
        assert 25 <= full_years(info.birth_date, TODAY) <= 65
    generate_registry(persons=0, companies=5, seed=3, today=TODAY, method="bulk")
    company = Company.objects.order_by("id").first()
    assert company.legal_representative_id_number == rows[0]["legal_representative_id_number"]
    assert company.legal_representative_id_number_index == blind_index(
        rows[0]["legal_representative_id_number"]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_representative_id_number FROM people_company WHERE id = %s",
            [company.pk],
        )
        (stored,) = cursor.fetchone()
    assert company.legal_representative_id_number not in stored  # encrypted at rest
