from __future__ import annotations

import pytest

from tests.people.factories import CompanyFactory, PersonFactory
from yishi.core.fields import blind_index
from yishi.core.models import AuditEntry
from yishi.core.synthetic import make_ric, make_uscc
from yishi.people.models import Company, Person

pytestmark = pytest.mark.django_db


def test_person_list_shows_masked_values_only(admin_client):
    person = PersonFactory(phone="13907110123")
    page = admin_client.get("/admin/people/person/").content.decode()
    assert person.id_number[:4] + "*" * 10 + person.id_number[-4:] in page
    assert "139****0123" in page
    assert person.id_number not in page
    assert "13907110123" not in page


def test_person_change_page_never_shows_the_plain_values(admin_client):
    person = PersonFactory(phone="13907110123")
    page = admin_client.get(f"/admin/people/person/{person.pk}/change/").content.decode()
    assert person.id_number not in page
    assert "13907110123" not in page
    assert "k1$" not in page
    assert 'name="name"' in page


def test_person_added_in_admin_goes_through_registration(admin_client):
    number = make_ric(seq=60, sex="F")
    response = admin_client.post(
        "/admin/people/person/add/",
        {"name": "林娜", "id_number": number, "phone": "13907110456"},
    )
    assert response.status_code == 302
    person = Person.objects.get()
    assert (person.id_number, person.sex, person.phone) == (number, "F", "13907110456")
    assert AuditEntry.objects.get(action="person.register").actor == "admin"


def test_person_add_form_shows_the_validation_message(admin_client):
    response = admin_client.post(
        "/admin/people/person/add/", {"name": "林娜", "id_number": make_ric()[:-1] + "Y"}
    )
    assert response.status_code == 200
    assert "居民身份证号第18位（校验位）只能是数字或X" in response.content.decode()
    assert Person.objects.count() == 0


def test_person_is_found_in_admin_by_full_id_number(admin_client):
    wanted = PersonFactory(name="马强")
    PersonFactory(name="马军")
    page = admin_client.get("/admin/people/person/", {"q": wanted.id_number}).content.decode()
    assert "马强" in page
    assert "马军" not in page


def test_company_added_in_admin_takes_region_from_the_code(admin_client):
    code = make_uscc(seq=31)
    response = admin_client.post(
        "/admin/people/company/add/",
        {"name": "样例合作社", "uscc": code, "legal_representative": "", "address": ""},
    )
    assert response.status_code == 302
    assert Company.objects.get().region_code == "420702"


def test_company_uscc_is_read_only_after_registration(admin_client):
    company = CompanyFactory()
    page = admin_client.get(f"/admin/people/company/{company.pk}/change/").content.decode()
    assert company.uscc in page
    assert 'name="uscc"' not in page


def test_registry_data_edited_in_admin_are_audited_and_announced(admin_client):
    from yishi.core.models import DomainEvent

    person = PersonFactory()
    response = admin_client.post(
        f"/admin/people/person/{person.pk}/change/",
        {
            "name": person.name,
            "deceased_on": "2026-10-05",
            "disability_type": "physical",
            "disability_grade": "2",
            "employment_status": "",
            "unemployment_insured_months": "0",
            "pension_status": "receiving",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert str(person.deceased_on) == "2026-10-05" and person.disability_grade == 2
    entry = AuditEntry.objects.get(action="people.registry.change")
    assert {"deceased_on", "disability_type", "disability_grade"} <= set(entry.data["fields"])
    event = DomainEvent.objects.get(name="people.registry_changed")
    assert event.payload["person_id"] == person.pk


def test_a_disability_grade_without_a_type_is_refused_in_admin(admin_client):
    person = PersonFactory()
    response = admin_client.post(
        f"/admin/people/person/{person.pk}/change/",
        {
            "name": person.name,
            "disability_grade": "1",
            "unemployment_insured_months": "0",
            "pension_status": "none",
        },
    )
    assert response.status_code == 200
    assert "填写残疾等级时须同时选择残疾类别" in response.content.decode()


def test_the_legal_representatives_id_number_is_entered_encrypted_and_never_shown(admin_client):
    code = make_uscc(seq=32)
    number = make_ric(seq=32)
    response = admin_client.post(
        "/admin/people/company/add/",
        {
            "name": "样例有限公司",
            "uscc": code,
            "legal_representative": "吴敏",
            "legal_representative_id_number": number,
            "address": "",
        },
    )
    assert response.status_code == 302
    company = Company.objects.get()
    assert company.legal_representative_id_number == number
    assert company.legal_representative_id_number_index == blind_index(number)

    page = admin_client.get(f"/admin/people/company/{company.pk}/change/").content.decode()
    assert number not in page and f"{number[:4]}**********{number[-4:]}" in page

    replacement = make_ric(seq=33)
    admin_client.post(
        f"/admin/people/company/{company.pk}/change/",
        {
            "name": company.name,
            "legal_representative": "吴芳",
            "new_legal_representative_id_number": replacement,
            "address": "",
            "employees": 0,
            "status": "active",
        },
    )
    company.refresh_from_db()
    assert (company.legal_representative, company.legal_representative_id_number_index) == (
        "吴芳",
        blind_index(replacement),
    )
