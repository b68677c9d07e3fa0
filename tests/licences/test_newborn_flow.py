"""The 新生儿出生 "一件事": approving 出生医学证明签发 issues the seeded 出生医学证明 licence,
and the later sub-cases (出生登记, 医保参保) take it as a licence material without upload."""

from __future__ import annotations

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.licences.conftest import ACCEPT_DAY
from tests.portal.birth_theme import make_birth_theme
from yishi.cases.models import CaseMaterial
from yishi.cases.services import application_accept, application_submit, subcase_approve
from yishi.core.events import events_dispatch
from yishi.licences.models import Licence
from yishi.licences.services import licence_verify

pytestmark = pytest.mark.django_db


def approve(application, matter_name):
    subcase = application.subcases.get(matter__name=matter_name)
    reviewer = StaffFactory(reviewer=True, department=subcase.department)
    subcase_approve(subcase=subcase, reviewer=reviewer.user, result_name="准予", today=ACCEPT_DAY)
    assert events_dispatch()["failed"] == 0
    return subcase


def test_newborn_theme_issues_the_birth_certificate_and_later_subcases_need_no_upload():
    theme = make_birth_theme()
    applicant = ApplicantFactory()
    submitted = application_submit(
        user=applicant.user, theme=theme, answers={"social_card": "yes"}, form_data={}
    )
    application = application_accept(
        application=submitted, staff=StaffFactory().user, today=ACCEPT_DAY
    )

    certificate = approve(application, "出生医学证明签发")
    birth = Licence.objects.get(subcase=certificate)
    assert birth.type.name == "出生医学证明"
    assert birth.person == applicant.person
    assert birth.issuer.name == "梁子湖区卫生健康局"
    assert birth.number.startswith("CSYXZM-LZH-WJJ-2026-000001-")
    assert licence_verify(birth, today=ACCEPT_DAY).state == "valid"
    attached = CaseMaterial.objects.get(application=application, kind="birth_certificate")
    assert attached.source == CaseMaterial.Source.LICENCE
    assert birth.number in attached.name

    registration = approve(application, "出生登记")
    household = Licence.objects.get(subcase=registration)
    assert household.type.name == "居民户口簿"
    assert CaseMaterial.objects.filter(
        application=application, kind="household_register", source="licence"
    ).exists()

    approve(application, "城乡居民医保参保登记")  # produces no licence
    approve(application, "社会保障卡申领")
    assert sorted(Licence.objects.values_list("type__name", flat=True)) == [
        "出生医学证明",
        "居民户口簿",
        "社会保障卡",
    ]
    application.refresh_from_db()
    assert application.status == "completed"
