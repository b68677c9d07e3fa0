from __future__ import annotations

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import MatterFactory
from tests.licences.conftest import ACCEPT_DAY
from tests.licences.factories import LicenceTypeFactory, issue
from yishi.cases.models import CaseMaterial
from yishi.cases.services import application_accept, application_submit
from yishi.core.events import events_dispatch
from yishi.core.models import DomainEvent
from yishi.licences import handlers
from yishi.licences.models import Licence
from yishi.licences.queries import licence_type_for_matter
from yishi.licences.services import licence_revoke, licence_verify
from yishi.workbench.queries import checklist

pytestmark = pytest.mark.django_db


def approval_event(subcase):
    return DomainEvent.objects.get(name="cases.subcase.approved", payload__subcase_id=subcase.pk)


def test_approval_of_a_licence_producing_matter_issues_the_licence_to_the_applicant(
    chain, application, approved
):
    subcase = approved("a")
    assert events_dispatch()["failed"] == 0
    licence = Licence.objects.get()
    assert licence.subcase == subcase
    assert licence.type == chain["licence_type"]
    assert licence.person == application.person
    assert licence.company is None
    assert licence.issuer == chain["departments"]["a"]
    assert licence.data == {"name": "张三", "holder_name": application.person.name}
    assert licence.issued_on == ACCEPT_DAY
    assert licence_verify(licence).state == "valid"


def test_the_licence_is_attached_so_the_later_subcase_needs_no_upload(chain, application, approved):
    before = {line.name: line.state for line in checklist(application)}
    assert before["《测试出生证》"] == "missing"
    approved("a")
    events_dispatch()
    licence = Licence.objects.get()
    material = CaseMaterial.objects.get(application=application, source="licence")
    assert material.kind == "birth_proof"
    assert material.name == f"《测试出生证》（电子证照 {licence.number}）"
    assert material.stored_file is None
    after = {line.name: line.state for line in checklist(application)}
    assert after["《测试出生证》"] == "exempt"


def test_running_the_handler_twice_still_issues_one_licence_and_one_material(approved):
    subcase = approved("a")
    event = approval_event(subcase)
    handlers.issue_on_approval(event)
    handlers.issue_on_approval(event)
    events_dispatch()
    assert Licence.objects.filter(subcase=subcase).count() == 1
    assert CaseMaterial.objects.filter(source="licence").count() == 1


def test_approval_of_a_matter_producing_no_licence_issues_nothing(approved):
    approved("d")
    assert events_dispatch()["failed"] == 0
    assert not Licence.objects.exists()
    assert not CaseMaterial.objects.filter(source="licence").exists()


def test_a_matter_is_linked_to_its_type_by_basic_code_at_every_level():
    licence_type = LicenceTypeFactory(matter_basic_codes=["GG09999000"])
    county = MatterFactory(code="GG09999000-420702-T", basic_code="GG09999000")
    city = MatterFactory(code="GG09999000-420700-T", basic_code="GG09999000")
    other = MatterFactory(code="GG09998000-420702-T", basic_code="GG09998000")
    assert licence_type_for_matter(county) == licence_type
    assert licence_type_for_matter(city) == licence_type
    assert licence_type_for_matter(other) is None


def test_the_seeded_birth_certificate_type_is_produced_by_the_demo_matter():
    matter = MatterFactory(code="GG00101000-420702-LZH-YY", basic_code="GG00101000")
    assert licence_type_for_matter(matter).name == "出生医学证明"


def test_a_licence_the_applicant_already_holds_is_attached_on_acceptance(chain):
    applicant = ApplicantFactory()
    held = issue(licence_type=chain["licence_type"], holder=applicant.person)
    other = ApplicantFactory()
    revoked = issue(licence_type=chain["licence_type"], holder=other.person)
    licence_revoke(licence=revoked, reason="错误签发")

    for account in (applicant, other):
        submitted = application_submit(
            user=account.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
        )
        application_accept(application=submitted, staff=StaffFactory().user, today=ACCEPT_DAY)
    assert events_dispatch()["failed"] == 0

    material = CaseMaterial.objects.get(source="licence")
    assert material.application.person == applicant.person
    assert material.kind == "birth_proof"
    assert material.name == f"《测试出生证》（电子证照 {held.number}）"
    line = {x.name: x.state for x in checklist(material.application)}["《测试出生证》"]
    assert line == "exempt"
