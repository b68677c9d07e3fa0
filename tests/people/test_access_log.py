"""谁查看了我的信息: staff reads of a person's registry record need a role and a stated purpose
and are recorded (person lookups, the admin pages); the person — and only they — sees the
records through GET /api/v1/my/data-access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory
from tests.people.factories import CompanyFactory, PersonFactory
from yishi.core.errors import DomainError
from yishi.core.roles import Role, grant_roles
from yishi.people.access_log import mask_name, purpose_clean, registry_access_record
from yishi.people.models import Person, RegistryAccess

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/persons/lookup"
MINE = "/api/v1/my/data-access"
PURPOSE = "窗口核验办事人身份"


def _staff(*roles: str, department: str = "梁子湖区政务服务中心", **names: str):
    first, *more = roles or (Role.WINDOW,)
    staff = StaffFactory(role=first, department=DepartmentFactory(name=department))
    grant_roles(staff.user, *more)
    staff.user.user_permissions.add(Permission.objects.get(codename="view_person"))
    for key, value in names.items():
        setattr(staff.user, key, value)
    staff.user.save()
    return staff.user


def _lookup(client, body: dict):
    return client.post(LOOKUP, body, content_type="application/json")


# ---------------------------------------------------------------- the service


@pytest.mark.parametrize(
    ("value", "expected"),
    [("  核实 资格  ", "核实 资格"), ("核实资格", "核实资格"), ("字" * 200, "字" * 200)],
)
def test_a_purpose_is_kept_with_its_whitespace_collapsed(value, expected):
    assert purpose_clean(value) == expected


@pytest.mark.parametrize("value", [None, "", "  ", "查一下", "字" * 201])
def test_a_missing_short_or_long_purpose_is_a_400_naming_it(value):
    with pytest.raises(DomainError) as caught:
        purpose_clean(value)
    assert (caught.value.status, caught.value.field) == (400, "purpose")
    assert "查询用途" in caught.value.message


def test_a_reader_is_shown_by_surname_and_two_stars_whatever_the_length():
    assert [mask_name("张伟"), mask_name("欧阳明月"), mask_name("")] == ["张**", "欧**", "工作人员"]


def test_a_record_is_of_exactly_one_subject_and_names_known_fields():
    reader = _staff()
    person, company = PersonFactory(), CompanyFactory()
    common = {"reader": reader, "role": "窗口人员", "purpose": PURPOSE, "channel": "lookup"}
    with pytest.raises(ValueError, match="exactly one"):
        registry_access_record(person=person, company=company, fields=["name"], **common)
    with pytest.raises(ValueError, match="unknown registry fields"):
        registry_access_record(person=person, fields=["shoe_size"], **common)
    assert RegistryAccess.objects.count() == 0


# ---------------------------------------------------------------- person lookup


def test_a_lookup_with_a_purpose_is_recorded_with_the_fields_it_returns(client):
    person = PersonFactory()
    reader = _staff(last_name="李", first_name="娜")
    client.force_login(reader)

    response = _lookup(client, {"id_number": person.id_number, "purpose": PURPOSE})

    assert response.status_code == 200
    access = RegistryAccess.objects.get()
    assert (access.reader, access.person, access.channel) == (reader, person, "lookup")
    assert access.fields == ["name", "birth_date", "sex", "region_code"]
    assert (access.purpose, access.reader_name, access.reader_role) == (PURPOSE, "李**", "窗口人员")
    assert access.reader_department == "梁子湖区政务服务中心"


def test_a_lookup_without_a_purpose_is_a_400_naming_it_and_reads_nothing(client):
    person = PersonFactory()
    client.force_login(_staff())

    response = _lookup(client, {"id_number": person.id_number})

    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "purpose"
    assert "查询用途" in body["detail"]
    assert person.name not in response.content.decode()
    assert RegistryAccess.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.WINDOW, 200),
        (Role.POLICY_OFFICER, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.REVIEWER, 403),
        (Role.SUPERVISOR, 403),
        (Role.DATA_OFFICER, 403),
    ],
)
def test_who_may_look_a_person_up(client, role, status):
    person = PersonFactory()
    client.force_login(_staff(role))

    response = _lookup(client, {"id_number": person.id_number, "purpose": PURPOSE})

    assert response.status_code == status
    assert RegistryAccess.objects.count() == (1 if status == 200 else 0)
    if status == 403:
        assert person.name not in response.content.decode()


# ---------------------------------------------------------------- my data access


def test_the_person_sees_who_read_their_data_and_another_person_does_not(client):
    account = ApplicantFactory()
    other = ApplicantFactory()
    reader = _staff(Role.POLICY_OFFICER, department="梁子湖区残疾人联合会", last_name="张")
    registry_access_record(
        reader=reader,
        role="政策专员",
        person=account.person,
        fields=["disability_type", "disability_grade"],
        purpose="核实护理补贴申请",
        channel=RegistryAccess.Channel.ELIGIBILITY,
    )
    RegistryAccess.objects.update(at=dt.datetime(2026, 3, 1, 2, 5, 6, tzinfo=dt.UTC))

    client.force_login(account.user)
    response = client.get(MINE)

    assert response.status_code == 200
    assert response.json() == [
        {
            "at": "2026-03-01T10:05:06+08:00",
            "reader": "张**",
            "department": "梁子湖区残疾人联合会",
            "role": "政策专员",
            "channel": "eligibility",
            "channel_label": "资格核验",
            "fields": ["残疾类别", "残疾等级"],
            "field_names": ["disability_type", "disability_grade"],
            "purpose": "核实护理补贴申请",
        }
    ]
    assert reader.username not in response.content.decode()

    client.force_login(other.user)
    assert client.get(MINE).json() == []


def test_my_data_access_lists_the_newest_first_a_page_at_a_time(client):
    account = ApplicantFactory()
    reader = _staff()
    for purpose in ("第一次核验身份", "第二次核验身份", "第三次核验身份"):
        registry_access_record(
            reader=reader,
            role="窗口人员",
            person=account.person,
            fields=["name"],
            purpose=purpose,
            channel="lookup",
        )
    client.force_login(account.user)

    assert [r["purpose"] for r in client.get(MINE, {"limit": 2}).json()] == [
        "第三次核验身份",
        "第二次核验身份",
    ]
    assert [r["purpose"] for r in client.get(MINE, {"limit": 2, "offset": 2}).json()] == [
        "第一次核验身份"
    ]
    assert client.get(MINE, {"limit": 0}).status_code == 422


def test_my_data_access_needs_a_login(client):
    response = client.get(MINE)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["title"] == "未登录"


def test_a_staff_account_has_no_data_access_list_of_its_own(client):
    client.force_login(_staff())
    assert client.get(MINE).status_code == 404


# ---------------------------------------------------------------- the admin


def test_an_admin_change_page_view_is_recorded(admin_client, admin_user):
    person = PersonFactory(disability_type=Person.DisabilityType.VISUAL, disability_grade=2)

    assert admin_client.get(f"/admin/people/person/{person.pk}/change/").status_code == 200

    access = RegistryAccess.objects.get()
    assert (access.reader, access.person, access.channel) == (admin_user, person, "admin")
    assert access.purpose == "后台维护"
    assert access.reader_role == "管理员"
    assert {"disability_type", "disability_grade", "low_income_household"} <= set(access.fields)


def test_saving_an_admin_change_is_audited_not_recorded_as_a_read(admin_client):
    person = PersonFactory(name="旧名")
    response = admin_client.post(
        f"/admin/people/person/{person.pk}/change/",
        {"name": "新名", "pension_status": "none", "unemployment_insured_months": 0},
    )
    assert response.status_code == 302
    assert RegistryAccess.objects.count() == 0


def test_an_admin_list_filtered_by_disability_records_that_for_each_person_shown(admin_client):
    blind = PersonFactory(disability_type=Person.DisabilityType.VISUAL)
    other = PersonFactory()

    page = admin_client.get("/admin/people/person/", {"disability_type__exact": "visual"})

    assert page.status_code == 200
    access = RegistryAccess.objects.get()
    assert access.person == blind
    assert access.fields == ["name", "sex", "birth_date", "region_code", "disability_type"]
    assert not RegistryAccess.objects.filter(person=other).exists()


def test_an_admin_company_change_page_view_is_recorded_against_the_company(admin_client):
    company = CompanyFactory()
    assert admin_client.get(f"/admin/people/company/{company.pk}/change/").status_code == 200
    access = RegistryAccess.objects.get()
    assert (access.company, access.person) == (company, None)
    assert "tax_credit_grade" in access.fields


def test_the_access_records_are_read_only_in_the_admin(admin_client):
    person = PersonFactory()
    admin_client.get(f"/admin/people/person/{person.pk}/change/")
    access = RegistryAccess.objects.get()

    listing = admin_client.get("/admin/people/registryaccess/").content.decode()
    assert "后台维护" in listing
    assert admin_client.get("/admin/people/registryaccess/add/").status_code == 403
    assert admin_client.post(f"/admin/people/registryaccess/{access.pk}/delete/").status_code == 403
    page = admin_client.get(f"/admin/people/registryaccess/{access.pk}/change/").content.decode()
    assert 'name="_save"' not in page
