from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection

from tests.people.factories import CompanyFactory, PersonFactory
from yishi.core.audit import audit_verify
from yishi.core.errors import Conflict, ValidationFailed
from yishi.core.fields import blind_index
from yishi.core.models import AuditEntry
from yishi.core.synthetic import make_ric, make_uscc, uscc_with_check_char
from yishi.core.validators import validate_ric, validate_uscc
from yishi.people.models import Company, Person
from yishi.people.queries import company_by_uscc, person_by_id_number, persons_by_phone
from yishi.people.services import company_register, person_register

pytestmark = pytest.mark.django_db


def test_registering_a_person_fills_birth_date_sex_and_region_from_the_id():
    number = make_ric("420702", datetime.date(1985, 7, 9), seq=12, sex="F")
    person = person_register(name=" 刘芳 ", id_number=number.lower(), phone="139 0711 0000")
    person.refresh_from_db()
    assert (person.name, person.id_number, person.phone) == ("刘芳", number, "13907110000")
    assert (person.birth_date, person.sex, person.region_code) == (
        datetime.date(1985, 7, 9),
        "F",
        "420702",
    )


def test_registration_is_audited_with_masked_values_only():
    number = make_ric(seq=1)
    person = person_register(name="陈明", id_number=number, phone="13907110000", actor="clerk")
    entry = AuditEntry.objects.get(action="person.register")
    assert (entry.actor, entry.object_type, entry.object_id) == ("clerk", "person", str(person.pk))
    assert entry.data == {"id_number": f"4207**********{number[-4:]}", "phone": "139****0000"}
    assert audit_verify().ok


def test_duplicate_id_number_is_a_conflict_and_nothing_is_written():
    number = make_ric(seq=2)
    person_register(name="甲", id_number=number)
    with pytest.raises(Conflict) as exc:
        person_register(name="乙", id_number=f" {number} ")
    assert (exc.value.message, exc.value.field) == ("该居民身份证号已登记", "id_number")
    assert Person.objects.count() == 1
    assert AuditEntry.objects.filter(action="person.register").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "message", "field"),
    [
        ({"name": "", "id_number": make_ric()}, "姓名不能为空", "name"),
        ({"name": "张" * 51, "id_number": make_ric()}, "姓名最多50个字，实际为51个字", "name"),
        ({"name": "张三", "id_number": "4207"}, "居民身份证号应为18位，实际为4位", "id_number"),
        (
            {"name": "张三", "id_number": make_ric(), "phone": "0711-1234567"},
            "手机号码应以13至19开头，“07”开头的不是手机号码",
            "phone",
        ),
    ],
)
def test_bad_person_input_names_the_field(kwargs, message, field):
    with pytest.raises(ValidationFailed) as exc:
        person_register(**kwargs)
    assert (exc.value.message, exc.value.field) == (message, field)
    assert Person.objects.count() == 0


def test_person_is_found_by_phone_through_its_index():
    a = PersonFactory(phone="13907110001")
    PersonFactory(phone="13907110002")
    assert persons_by_phone("+86 139 0711 0001") == [a]
    assert persons_by_phone("not a phone") == []


def test_factory_people_are_valid_and_findable():
    person = PersonFactory(female=True, elderly=True)
    info = validate_ric(person.id_number)
    assert (info.sex, info.birth_date) == ("F", datetime.date(1950, 6, 1))
    assert (person.sex, person.birth_date) == ("F", datetime.date(1950, 6, 1))
    assert person_by_id_number(person.id_number) == person


def test_factory_companies_have_valid_credit_codes():
    company = CompanyFactory()
    assert validate_uscc(company.uscc).region_code == "420702"
    assert company_by_uscc(company.uscc.lower()) == company


def test_registering_a_company_takes_the_region_from_the_credit_code():
    code = make_uscc("420702", seq=77)
    company = company_register(
        name="鄂州市梁子湖区样例农业发展有限公司",
        uscc=code.lower(),
        legal_representative="黄勇",
        address="梁子湖区涂家垴镇",
        actor="clerk",
    )
    company.refresh_from_db()
    assert (company.uscc, company.region_code, company.legal_representative) == (
        code,
        "420702",
        "黄勇",
    )
    entry = AuditEntry.objects.get(action="company.register")
    assert (entry.object_id, entry.actor) == (code, "clerk")


def test_rural_collective_with_letter_authority_can_register():
    code = uscc_with_check_char("N2420702MA0000009")
    assert company_register(name="梁子镇某村股份经济合作社", uscc=code).uscc == code


def test_duplicate_credit_code_is_a_conflict():
    code = make_uscc(seq=3)
    company_register(name="一", uscc=code)
    with pytest.raises(Conflict) as exc:
        company_register(name="二", uscc=code)
    assert (exc.value.message, exc.value.field) == ("该统一社会信用代码已登记", "uscc")
    assert Company.objects.count() == 1


def test_invalid_credit_code_names_the_uscc_field():
    with pytest.raises(ValidationFailed) as exc:
        company_register(name="三", uscc="123")
    assert (exc.value.message, exc.value.field) == ("统一社会信用代码应为18位，实际为3位", "uscc")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_racing_registrations_of_one_id_make_one_person_and_one_conflict():
    number = make_ric(seq=40)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register(name: str) -> None:
        barrier.wait()
        try:
            person_register(name=name, id_number=number)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Person.objects.count() == 1


def test_registering_a_company_keeps_the_legal_representatives_id_number_encrypted_and_indexed():
    number = make_ric(seq=78)
    company = company_register(
        name="鄂州市梁子湖区样例贸易有限公司",
        uscc=make_uscc("420702", seq=78),
        legal_representative="黄勇",
        legal_representative_id_number=number.lower(),
    )
    company.refresh_from_db()
    assert company.legal_representative_id_number == number
    assert company.legal_representative_id_number_index == blind_index(number)
    assert AuditEntry.objects.get(action="company.register").data == {
        "name": "鄂州市梁子湖区样例贸易有限公司",
        "legal_representative_id_number": f"{number[:4]}**********{number[-4:]}",
    }


def test_a_company_with_a_bad_legal_representative_id_number_is_not_registered():
    number = make_ric(seq=79)
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        company_register(
            name="某公司", uscc=make_uscc("420702", seq=79), legal_representative_id_number=bad
        )
    assert exc.value.field == "legal_representative_id_number"
    assert not Company.objects.exists()
