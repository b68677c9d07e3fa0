"""一企一码: the public page and API show only the public fields; the company's users and
authorised staff see more from the same code; a licence's verification leads to the page."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import models
from django.test import Client

from tests.cases.factories import StaffFactory
from tests.catalog.factories import DepartmentFactory
from tests.companies.support import company_world
from tests.licences.factories import LicenceTypeFactory, issue
from yishi.companies.queries import PUBLIC_FIELDS, company_type
from yishi.licences.pdf import licence_pdf
from yishi.people.models import Company

pytestmark = pytest.mark.django_db

# The record's fields that are public, and under which name.
PUBLIC_RECORD_FIELDS = {"uscc": "uscc", "name": "name", "status": "status",
                        "registration_date": "established_on"}  # fmt: skip
# A value for every other field that cannot appear on a page by chance.
DISTINCT = {
    "id": 987654,
    "legal_representative": "欧阳秘密",
    "legal_representative_id_number": "420702198807150033",
    "region_code": "420702104",
    "address": "湖北省鄂州市梁子湖区沼山镇保密路77号",
    "industry_code": "F5211",
    "size_class": Company.SizeClass.MEDIUM,
    "employees": 7345,
    "paid_in_capital": Decimal("98765.43"),
    "tax_credit_grade": Company.TaxCreditGrade.D,
    "key_project": True,
}


def _world():
    w = company_world(registration_date=dt.date(2011, 3, 15), **DISTINCT)
    w.company.refresh_from_db()
    licence_type = LicenceTypeFactory(name="一企一码测试许可证", holder_kind="company")
    w.licence = issue(
        licence_type=licence_type,
        holder=w.company,
        issuer=DepartmentFactory(name="梁子湖区市场监督管理局"),
        data={"newborn_name": "（无）", "birth_place": "梁子湖区"},
    )
    return w


def _hidden_strings(company: Company) -> dict[str, set[str]]:
    """For each non-public field of the record: its value as text and as displayed."""
    hidden: dict[str, set[str]] = {}
    for field in Company._meta.get_fields():
        if not field.concrete or field.name in PUBLIC_RECORD_FIELDS:
            continue
        value = getattr(company, field.attname)
        strings = {str(value)}
        if isinstance(value, dt.datetime):
            strings |= {value.isoformat(), f"{value:%Y-%m-%d %H:%M}"}
        if field.choices:
            strings.add(str(getattr(company, f"get_{field.name}_display")()))
        if isinstance(field, models.BooleanField):
            strings = {str(field.verbose_name)}  # a flag would show as its label
        hidden[field.name] = {s for s in strings if len(s) >= 2}
    return hidden


def test_every_non_public_field_of_the_record_is_tested_with_a_distinct_value():
    concrete = {f.name for f in Company._meta.get_fields() if f.concrete}
    derived = {"created_at", "legal_representative_id_number_index"}
    assert concrete - set(PUBLIC_RECORD_FIELDS) - derived == set(DISTINCT)


@pytest.mark.parametrize("who", ["anon", "stranger", "claimant"])
def test_the_public_page_and_api_show_only_the_public_fields(who):
    w = _world()
    client = Client()
    if who != "anon":
        client.force_login(getattr(w, who).user)
    api = client.get(f"/api/v1/companies/{w.company.uscc}/public")
    assert api.status_code == 200
    body = api.json()
    assert tuple(body) == PUBLIC_FIELDS
    assert body == {
        "uscc": w.company.uscc,
        "name": w.company.name,
        "type": "企业",
        "status": "active",
        "established_on": "2011-03-15",
        "licences": [
            {
                "type": "一企一码测试许可证",
                "number": w.licence.number,
                "valid_to": None,
                "state": "valid",
            }  # fmt: skip
        ],
    }
    page = client.get(f"/companies/{w.company.uscc}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert w.company.name in html and w.licence.number in html and "2011年3月15日" in html
    raw_api = api.content.decode()
    hidden = _hidden_strings(w.company)
    assert set(hidden) >= set(DISTINCT) | {"created_at", "legal_representative_id_number_index"}
    for name, strings in hidden.items():
        for text in strings:
            assert text not in html, f"{name} ({text}) on the public page"
            assert text not in raw_api and text not in json.dumps(body, ensure_ascii=False), (
                f"{name} ({text}) in the public API"
            )
    # Nor anything of the licence beyond its type, number, validity and state.
    assert "梁子湖区市场监督管理局" not in html and "（无）" not in html
    # Nor the sections only the company's users see.
    assert 'data-section="licences"' not in html and 'data-section="grants"' not in html


def test_an_unknown_code_is_not_found_on_page_and_api():
    client = Client()
    assert client.get("/companies/91420702MA0000000X/").status_code == 404
    response = client.get("/api/v1/companies/91420702MA0000000X/public")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_the_qr_code_is_a_png_of_the_company_page():
    w = company_world()
    response = Client().get(f"/companies/{w.company.uscc}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("code", "kind"),
    [("91420702MA4K0000X1", "企业"), ("92420702MA4K0000X1", "个体工商户"),
     ("93420702MA4K0000X1", "农民专业合作社"), ("52420702MA4K0000X1", "民办非企业单位"),
     ("Y1420702MA4K0000X1", "其他组织")],
)  # fmt: skip
def test_the_type_follows_the_first_two_characters_of_the_credit_code(code, kind):
    assert company_type(code) == kind


def _sections(client: Client, uscc: str) -> set[str]:
    html = client.get(f"/companies/{uscc}/").content.decode()
    return {s for s in ("licences", "applications", "grants", "supervision")
            if f'data-section="{s}"' in html}  # fmt: skip


def test_signed_in_users_see_the_sections_the_access_policy_gives_them():
    w = company_world(agent_scopes=["licences"])
    cases = {
        w.rep.user: {"licences", "applications", "grants", "supervision"},
        w.agent.user: {"licences"},
        w.claimant.user: set(),
        w.stranger.user: set(),
        StaffFactory(administrator=True).user: {"licences", "applications", "grants",
                                                 "supervision"},
        StaffFactory().user: {"licences", "applications"},
        StaffFactory(policy_officer=True).user: {"grants"},
        StaffFactory(supervisor=True).user: {"supervision"},
        StaffFactory(reviewer=True).user: set(),
    }  # fmt: skip
    for user, expected in cases.items():
        client = Client()
        client.force_login(user)
        assert _sections(client, w.company.uscc) == expected, user


def test_a_company_licence_leads_to_the_company_page_from_its_verification_and_pdf():
    w = _world()
    page = Client().get(f"/licences/verify/{w.licence.number}/").content.decode()
    assert f'href="/companies/{w.company.uscc}/"' in page
    pdf = licence_pdf(w.licence, base_url="https://zwfw.example.gov.cn")
    assert f"/URI (https://zwfw.example.gov.cn/companies/{w.company.uscc}/)".encode() in pdf
    person_licence = issue()
    page = Client().get(f"/licences/verify/{person_licence.number}/").content.decode()
    assert "data-company-link" not in page
