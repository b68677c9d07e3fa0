"""Whom a licence names: the person it is about. The newborn's 出生医学证明, 居民户口簿 page and
社会保障卡 name the baby (from the form), with the parent who applied recorded and printed as
申请人/监护人; choice values read as their labels (女, 中国工商银行), never as option codes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from pypdf import PdfReader

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory
from tests.licences.conftest import ACCEPT_DAY
from tests.licences.factories import ISSUE_DAY, LicenceTypeFactory
from tests.people.factories import PersonFactory
from tests.portal.birth_theme import SOCIAL_CARD, make_birth_theme
from tests.themes.factories import ThemeFormFieldFactory
from yishi.cases.models import Application, CaseMaterial
from yishi.cases.services import application_accept, application_submit, subcase_approve
from yishi.core.crypto import mask
from yishi.core.errors import ValidationFailed
from yishi.core.events import events_dispatch
from yishi.core.synthetic import make_ric
from yishi.licences.labels import licence_data_rows
from yishi.licences.models import Licence, LicenceType
from yishi.licences.pdf import licence_pdf
from yishi.licences.queries import licences_of_holder, wallet
from yishi.licences.services import (
    LicenceSubject,
    licence_export,
    licence_holder_for,
    licence_import,
    licence_issue,
    licence_verify,
)

pytestmark = pytest.mark.django_db

SEX = [{"value": "male", "label": "男"}, {"value": "female", "label": "女"}]
BANKS = [{"value": "icbc", "label": "中国工商银行"}, {"value": "abc", "label": "中国农业银行"}]


def newborn_theme():
    """The test 新生儿出生 theme with the demo theme's form fields about the baby."""
    theme = make_birth_theme()
    ThemeFormFieldFactory(theme=theme, key="baby_name", label="新生儿姓名", order=1)
    ThemeFormFieldFactory(
        theme=theme, key="baby_sex", label="新生儿性别", kind="choice", choices=SEX, order=2
    )
    ThemeFormFieldFactory(theme=theme, key="birth_date", label="出生日期", kind="date", order=3)
    ThemeFormFieldFactory(theme=theme, key="birth_place", label="出生地点（医院）", order=4)
    ThemeFormFieldFactory(theme=theme, key="mother_name", label="母亲姓名", order=5)
    ThemeFormFieldFactory(theme=theme, key="hukou_address", label="落户地址", order=6)
    ThemeFormFieldFactory(
        theme=theme,
        key="card_bank",
        label="社保卡服务银行",
        kind="choice",
        choices=BANKS,
        condition=SOCIAL_CARD,
        order=7,
    )
    return theme


def newborn_application(applicant):
    submitted = application_submit(
        user=applicant.user,
        theme=newborn_theme(),
        answers={"social_card": "yes"},
        form_data={
            "baby_name": "李小满",
            "baby_sex": "female",
            "birth_date": "2026-02-20",
            "birth_place": "梁子湖区人民医院",
            "mother_name": applicant.person.name,
            "hukou_address": "梁子湖区太和镇幸福路1号",
            "card_bank": "icbc",
        },
    )
    return application_accept(application=submitted, staff=StaffFactory().user, today=ACCEPT_DAY)


def approve(application, matter_name):
    subcase = application.subcases.get(matter__name=matter_name)
    reviewer = StaffFactory(reviewer=True, department=subcase.department)
    subcase_approve(subcase=subcase, reviewer=reviewer.user, result_name="准予", today=ACCEPT_DAY)
    assert events_dispatch()["failed"] == 0
    return Licence.objects.filter(subcase=subcase).first()


def pdf_lines(licence: Licence) -> list[str]:
    """The printed lines, without spaces (the embedded CJK font extracts with NULs between
    characters and uneven spacing between a label and its value)."""
    reader = PdfReader(io.BytesIO(licence_pdf(licence, base_url="https://zwfw.example.gov.cn")))
    text = "".join(page.extract_text() for page in reader.pages)
    return [line.replace("\x00", "").replace(" ", "") for line in text.splitlines()]


def test_the_newborn_birth_certificate_names_the_baby_with_the_parent_as_guardian():
    parent = ApplicantFactory()
    application = newborn_application(parent)

    birth = approve(application, "出生医学证明签发")

    assert birth.type.code == "CSYXZM"
    assert birth.person is None and birth.company is None
    assert birth.holder_name == "李小满"
    assert birth.subject_name == "李小满"
    assert birth.subject_id_number == ""  # no 公民身份号码 before 落户
    assert birth.applicant == parent.person
    assert birth.data == {
        "newborn_name": "李小满",
        "newborn_sex": "女",
        "birth_date": "2026年2月20日",
        "birth_place": "梁子湖区人民医院",
        "mother_name": parent.person.name,
        "applicant_name": parent.person.name,
    }
    assert licence_verify(birth, today=ACCEPT_DAY).state == "valid"
    # The later sub-cases still take it without upload (免证明).
    attached = CaseMaterial.objects.get(application=application, kind="birth_certificate")
    assert attached.source == CaseMaterial.Source.LICENCE and birth.number in attached.name


def test_the_printed_birth_certificate_names_the_baby_and_the_applicant_as_guardian():
    parent = ApplicantFactory()
    birth = approve(newborn_application(parent), "出生医学证明签发")

    lines = pdf_lines(birth)

    assert "持证主体李小满" in lines
    assert f"申请人/监护人{parent.person.name}" in lines
    assert "新生儿性别女" in lines
    # The parent's ID number is not the holder's: not even its masked form is printed.
    assert not [line for line in lines if line.startswith("公民身份号码")]


def test_the_household_page_and_social_security_card_of_the_newborn_name_the_baby():
    parent = ApplicantFactory()
    application = newborn_application(parent)
    approve(application, "出生医学证明签发")

    household = approve(application, "出生登记")
    approve(application, "城乡居民医保参保登记")  # produces no licence
    card = approve(application, "社会保障卡申领")

    assert household.type.code == "JMHKB"
    assert (household.person, household.holder_name) == (None, "李小满")
    assert household.applicant == parent.person
    assert household.data["sex"] == "女"
    assert household.data["address"] == "梁子湖区太和镇幸福路1号"
    assert card.type.code == "SHBZK"
    assert (card.person, card.holder_name) == (None, "李小满")
    assert card.applicant == parent.person
    assert card.data["card_bank"] == "中国工商银行"
    lines = pdf_lines(card)
    assert "服务银行中国工商银行" in lines
    assert not [line for line in lines if "icbc" in line]


def test_the_babys_licences_are_in_the_parents_wallet_but_are_not_the_parents_own():
    parent = ApplicantFactory()
    birth = approve(newborn_application(parent), "出生医学证明签发")

    assert list(wallet(parent.user)) == [birth]
    # Not the parent's own 出生医学证明: no rule or 免证明 lookup counts it as theirs.
    assert not licences_of_holder(person=parent.person).exists()
    assert list(wallet(ApplicantFactory().user)) == []


def test_the_wallet_api_shows_the_babys_licence_with_labelled_fields(client):
    parent = ApplicantFactory()
    birth = approve(newborn_application(parent), "出生医学证明签发")
    client.force_login(parent.user)

    [row] = client.get("/api/v1/licences").json()

    assert row["number"] == birth.number
    assert row["holder_name"] == "李小满"
    assert row["applicant_name"] == parent.person.name
    assert {"key": "newborn_sex", "label": "新生儿性别", "value": "女"} in row["fields"]
    assert {"key": "applicant_name", "label": "申请人/监护人", "value": parent.person.name} in (
        row["fields"]
    )


def test_a_licence_issued_before_labels_were_stored_still_reads_its_choices_as_labels():
    parent = ApplicantFactory()
    card_application = newborn_application(parent)
    approve(card_application, "出生医学证明签发")
    approve(card_application, "出生登记")
    card = approve(card_application, "社会保障卡申领")
    Licence.objects.filter(pk=card.pk).update(
        data={**card.data, "card_bank": "icbc", "sex": "female"}
    )
    card.refresh_from_db()

    rows = {row["key"]: row["value"] for row in licence_data_rows(card)}

    assert rows["card_bank"] == "中国工商银行"
    assert rows["sex"] == "女"
    assert rows["name"] == "李小满"  # words stay words (not 「未知选项」)


# ---------------------------------------------------------------- whom the form names


def application_with(person, form_data) -> Application:
    return Application(person=person, form_data=form_data)


def test_a_form_naming_the_applicant_gives_the_applicant_the_licence():
    card = LicenceType.objects.get(code="SHBZK")
    person = PersonFactory()

    holder, applicant = licence_holder_for(
        card,
        application_with(person, {"applicant_name": person.name, "applicant_id": person.id_number}),
    )

    assert (holder, applicant) == (person, None)


def test_a_form_naming_a_registered_family_member_makes_them_the_holder():
    disability = LicenceType.objects.get(code="CJRZ")
    guardian, member = PersonFactory(), PersonFactory()

    holder, applicant = licence_holder_for(
        disability,
        application_with(
            guardian, {"applicant_name": member.name, "applicant_id": member.id_number}
        ),
    )

    assert (holder, applicant) == (member, guardian)


def test_a_form_naming_an_unregistered_person_with_an_id_number_names_them_by_it():
    disability = LicenceType.objects.get(code="CJRZ")
    guardian = PersonFactory()
    number = make_ric("420702", dt.date(2012, 5, 1), seq=7, sex="F")

    holder, applicant = licence_holder_for(
        disability, application_with(guardian, {"applicant_name": "王小雨", "applicant_id": number})
    )

    assert holder == LicenceSubject(name="王小雨", id_number=number)
    assert applicant == guardian


def test_a_type_that_declares_no_subject_goes_to_the_applicant():
    plain = LicenceTypeFactory(holder_kind="person")
    person = PersonFactory()

    holder, applicant = licence_holder_for(plain, application_with(person, {"baby_name": "李小满"}))

    assert (holder, applicant) == (person, None)


# ---------------------------------------------------------------- storing and signing


def issue_for_baby(**kw):
    return licence_issue(
        type=LicenceType.objects.get(code="CSYXZM"),
        holder=LicenceSubject(name="李小满", id_number=kw.pop("id_number", "")),
        applicant=kw.pop("applicant", None) or PersonFactory(),
        issuer=DepartmentFactory(name="梁子湖区人民医院"),
        data={"newborn_name": "李小满"},
        today=ISSUE_DAY,
        **kw,
    )


def test_the_unregistered_holders_name_and_id_number_are_encrypted_at_rest():
    number = make_ric("420702", dt.date(2026, 2, 20), seq=3, sex="F")
    licence = issue_for_baby(id_number=number)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT subject_name, subject_id_number, data FROM licences_licence WHERE id = %s",
            [licence.pk],
        )
        stored_name, stored_number, stored_data = cursor.fetchone()

    assert "李小满" not in stored_name and number not in stored_number
    assert "李小满" not in str(stored_data)  # the face data names the baby too
    licence.refresh_from_db()
    assert (licence.subject_name, licence.subject_id_number) == ("李小满", number)


def test_a_licence_for_an_unregistered_holder_needs_an_applicant():
    with pytest.raises(ValidationFailed) as error:
        licence_issue(
            type=LicenceType.objects.get(code="CSYXZM"),
            holder=LicenceSubject(name="李小满"),
            issuer=DepartmentFactory(),
            data={},
            today=ISSUE_DAY,
        )
    assert error.value.field == "applicant"
    assert not Licence.objects.exists()


def test_changing_the_holders_name_or_the_guardian_fails_verification():
    renamed = issue_for_baby()
    Licence.objects.filter(pk=renamed.pk).update(subject_name="王大明")
    assert licence_verify(renamed.number, today=ISSUE_DAY).state == "tampered"

    moved = issue_for_baby()
    Licence.objects.filter(pk=moved.pk).update(applicant=PersonFactory())
    assert licence_verify(moved.number, today=ISSUE_DAY).state == "tampered"


def test_a_babys_licence_exported_and_imported_keeps_its_holder_and_guardian():
    parent = PersonFactory()
    licence = issue_for_baby(applicant=parent)
    document = licence_export(licence)
    Licence.objects.filter(pk=licence.pk).delete()

    imported = licence_import(document)

    assert document["licence"]["holder"] == {"kind": "subject", "id": "", "name": "李小满"}
    assert (imported.person, imported.holder_name, imported.applicant) == (None, "李小满", parent)
    assert licence_verify(imported.number, today=ISSUE_DAY).state == "valid"


def test_the_back_office_shows_the_unregistered_holders_id_number_masked(admin_client):
    number = make_ric("420702", dt.date(2026, 2, 20), seq=5, sex="M")
    licence = issue_for_baby(id_number=number)

    page = admin_client.get(f"/admin/licences/licence/{licence.pk}/change/")

    assert page.status_code == 200
    text = page.content.decode()
    assert number not in text
    assert mask(number) in text
