"""The demo applicant: one resident account to show what the platform does for a person and
a company without typing data in. 王示范 (a made-up person with a valid synthetic ID number)
holds a 残疾人证 that expires within a month, so 残疾人证换领 is decided by 秒批秒办; is in a
低保 household with a grade-2 disability, so benefits match; and is the legal representative of
a small company, so the company space has something to show. Created once; later runs leave
it as it is."""

from __future__ import annotations

import datetime as dt
import os
import secrets

from django.contrib.auth import get_user_model
from django.utils import timezone

from yishi.catalog.demo.loader import PASSWORD_ENV
from yishi.catalog.models import Department
from yishi.core.dates import add_years
from yishi.core.fields import blind_index
from yishi.core.synthetic import make_ric, make_uscc
from yishi.licences.models import LicenceType
from yishi.licences.queries import licences_of_holder
from yishi.licences.services import licence_issue
from yishi.people.models import ApplicantAccount, CompanyAgent, Person
from yishi.people.queries import company_by_uscc, person_by_id_number
from yishi.people.services import (
    agent_authorise,
    applicant_username,
    company_register,
    person_register,
)

PHONE = "13800138000"
NAME = "王示范"
ID_NUMBER = make_ric("420702", dt.date(1990, 5, 17), seq=88, sex="M")
COMPANY_NAME = "鄂州市梁子湖区示范农产品有限公司"
COMPANY_USCC = make_uscc("420702", seq=9001)


def load_demo_applicant(password: str | None = None) -> tuple[str, str | None] | None:
    """Create the demo applicant once, with YISHI_DEMO_PASSWORD, else `password`, else a
    random password. Returns (phone, password or None when it came from the environment)
    when created, None when it existed."""
    if ApplicantAccount.objects.filter(phone_index=blind_index(PHONE)).exists():
        return None
    fixed = os.environ.get(PASSWORD_ENV) or None
    password = fixed or password or secrets.token_urlsafe(9)
    person = person_by_id_number(ID_NUMBER) or person_register(
        name=NAME, id_number=ID_NUMBER, phone=PHONE, actor="demo"
    )
    Person.objects.filter(pk=person.pk).update(
        region_code="420702100000",
        low_income_household=True,
        disability_type=Person.DisabilityType.PHYSICAL,
        disability_grade=2,
        needs_long_term_care=True,
        employment_status=Person.EmploymentStatus.OTHER,
    )
    user = get_user_model().objects.create_user(
        username=applicant_username(blind_index(PHONE)), password=password
    )
    ApplicantAccount.objects.create(
        user=user,
        person=person,
        phone=PHONE,
        phone_index=blind_index(PHONE),
        source=ApplicantAccount.Source.LOCAL,
        verified_at=timezone.now(),
    )
    _certificate(person)
    _company(person)
    return PHONE, None if fixed else password


def _certificate(person: Person) -> None:
    """A 残疾人证 issued ten years ago less three weeks: it runs out soon (renewal due)."""
    licence_type = LicenceType.objects.filter(code="CJRZ").first()
    issuer = Department.objects.filter(code="LZH-CL").first()
    if licence_type is None or issuer is None:
        return
    if licences_of_holder(person=person).filter(type=licence_type).exists():
        return
    today = timezone.localdate()
    issued = add_years(today, -10) + dt.timedelta(days=21)
    licence_issue(
        type=licence_type,
        holder=person,
        issuer=issuer,
        data={
            "disability_category": "肢体残疾",
            "disability_grade": "二级",
            "address": "湖北省鄂州市梁子湖区太和镇示范村1号",
        },
        today=issued,
        actor="demo",
    )


def _company(person: Person) -> None:
    company = company_by_uscc(COMPANY_USCC) or company_register(
        name=COMPANY_NAME,
        uscc=COMPANY_USCC,
        legal_representative=person.name,
        legal_representative_id_number=person.id_number,
        address="湖北省鄂州市梁子湖区太和镇示范路8号",
        actor="demo",
    )
    type(company).objects.filter(pk=company.pk).update(
        legal_representative=person.name,
        legal_representative_id_number=person.id_number,
        legal_representative_id_number_index=person.id_number_index,
        industry_code="A0141",
        size_class="micro",
        registration_date=timezone.localdate() - dt.timedelta(days=400),
        employees=6,
        tax_credit_grade="A",
        status="active",
    )
    if not CompanyAgent.objects.filter(company=company, person=person).exists():
        agent_authorise(
            company=company,
            person=person,
            role=CompanyAgent.Role.LEGAL_REPRESENTATIVE,
            verification=CompanyAgent.Verification.REGISTRY,
            actor="demo",
        )
