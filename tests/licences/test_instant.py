"""秒批秒办: an application meeting every review point is approved with its licence issued and
no human step, the audit naming the deciding rule; anything failing goes to window staff with
the reason."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory
from tests.catalog.factories import MaterialFactory, MatterFactory
from tests.licences.factories import LicenceTypeFactory, issue
from yishi.cases.models import Application, CaseEvent, CaseMaterial, SubCase
from yishi.cases.services import application_submit
from yishi.catalog.models import Material
from yishi.core.errors import ValidationFailed
from yishi.core.events import events_dispatch
from yishi.core.models import AuditEntry, DomainEvent
from yishi.licences.demo.instant import DEMO_RULES
from yishi.licences.instant import instant_decide, instant_rule_save, validate_points
from yishi.licences.models import Licence
from yishi.licences.services import licence_revoke, licence_verify

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def renewal():
    """A 换领 matter: the old certificate (a licence) and the ID card (shared data) are its
    materials; approval issues a new certificate of the same type."""
    matter = MatterFactory(name="测试残疾人证换领", result_name="中华人民共和国残疾人证")
    licence_type = LicenceTypeFactory(
        code="TESTCJ", name="测试残疾人证", material_kind="test_cj", holder_kind="person"
    )
    licence_type.issuing_matters.add(matter)
    MaterialFactory(
        matter=matter,
        name="测试残疾人证",
        kind="test_cj",
        licence_type="测试残疾人证",
        source=Material.Source.LICENCE,
    )
    MaterialFactory(matter=matter, name="申请人居民身份证", kind="id_card")
    rule = instant_rule_save(
        matter=matter,
        points=[
            {"kind": "holds_licence", "type": "TESTCJ", "grace_days": 90},
            {"kind": "field", "field": "reason", "op": "in", "value": ["有效期满", "证件损毁"]},
        ],
        shared_materials=["申请人居民身份证"],
        actor="test",
    )
    matter.refresh_from_db()
    return {"matter": matter, "type": licence_type, "rule": rule}


def holder_with_certificate(renewal, *, today=DAY):
    applicant = ApplicantFactory()
    old = issue(licence_type=renewal["type"], holder=applicant.person, today=today, data={})
    return applicant, old


def submit(applicant, matter, reason="有效期满"):
    return application_submit(
        user=applicant.user, matter=matter, form_data={"reason": reason}, today=DAY
    )


def decide(application):
    """What the running platform does within seconds of submission: dispatch the event."""
    assert events_dispatch()["failed"] == 0
    application.refresh_from_db()
    return application


def test_an_application_meeting_every_point_is_approved_and_its_licence_issued(renewal):
    applicant, old = holder_with_certificate(renewal)
    application = decide(submit(applicant, renewal["matter"]))

    assert application.status == Application.Status.COMPLETED
    assert application.first_owner is None  # nobody at a window touched it
    subcase = application.subcases.get()
    assert subcase.status == SubCase.Status.APPROVED
    assert subcase.decided_by is None
    assert subcase.result_name == "中华人民共和国残疾人证"
    new = Licence.objects.get(subcase=subcase)
    assert new.person == applicant.person and new.type == renewal["type"]
    assert new.number != old.number
    assert licence_verify(new).state == "valid"
    # The old certificate stood in for the material: nothing was uploaded.
    material = CaseMaterial.objects.get(application=application, kind="test_cj")
    assert material.source == CaseMaterial.Source.LICENCE and old.number in material.name
    assert not CaseMaterial.objects.filter(
        application=application, source=CaseMaterial.Source.UPLOAD
    ).exists()


def test_the_audit_log_shows_which_rule_decided(renewal):
    applicant, old = holder_with_certificate(renewal)
    application = decide(submit(applicant, renewal["matter"]))
    label = renewal["rule"].label
    decision = AuditEntry.objects.get(action="licences.instant.approve")
    assert decision.actor == label
    assert decision.data["rule_version"] == renewal["rule"].version == 1
    assert [p["held"] for p in decision.data["points"]] == [True, True, True, True]
    assert any(old.number in p["detail"] for p in decision.data["points"])
    actors = set(
        AuditEntry.objects.filter(
            action__in=["cases.application.accept", "cases.subcase.approve"]
        ).values_list("actor", flat=True)
    )
    assert actors == {label}
    accept = CaseEvent.objects.get(application=application, action="accept")
    assert accept.actor is None and accept.note.startswith("秒批秒办：审查要点全部满足")


def test_an_applicant_without_the_certificate_goes_to_a_human_with_the_reason(renewal):
    applicant = ApplicantFactory()
    application = decide(submit(applicant, renewal["matter"]))

    assert application.status == Application.Status.SUBMITTED
    assert not application.subcases.exists()
    note = CaseEvent.objects.get(application=application, action="instant_refer").note
    assert note.startswith("未通过秒批秒办，转人工审核")
    assert "测试残疾人证" in note and "未查到有效的电子证照" in note
    refer = AuditEntry.objects.get(action="licences.instant.refer")
    assert refer.actor == renewal["rule"].label
    assert not Licence.objects.exists()


def test_a_form_field_outside_the_rule_goes_to_a_human(renewal):
    applicant, _ = holder_with_certificate(renewal)
    application = decide(submit(applicant, renewal["matter"], reason="其他"))
    assert application.status == Application.Status.SUBMITTED
    note = CaseEvent.objects.get(application=application, action="instant_refer").note
    assert "申请表「reason」属于 有效期满、证件损毁" in note and "实际填写：其他" in note


def test_a_revoked_or_long_expired_certificate_does_not_pass(renewal):
    applicant, old = holder_with_certificate(renewal)
    licence_revoke(licence=old, reason="测试撤销")
    application = decide(submit(applicant, renewal["matter"]))
    assert application.status == Application.Status.SUBMITTED

    other, _ = holder_with_certificate(renewal, today=DAY - dt.timedelta(days=400))
    Licence.objects.filter(person=other.person).update(valid_until=DAY - dt.timedelta(days=91))
    assert decide(submit(other, renewal["matter"])).status == Application.Status.SUBMITTED

    renewing, _ = holder_with_certificate(renewal)
    Licence.objects.filter(person=renewing.person).update(valid_until=DAY - dt.timedelta(days=30))
    assert decide(submit(renewing, renewal["matter"])).status == Application.Status.COMPLETED


def test_a_material_that_must_be_uploaded_goes_to_a_human(renewal):
    MaterialFactory(matter=renewal["matter"], name="近期免冠照片", kind="photo")
    applicant, _ = holder_with_certificate(renewal)
    application = decide(submit(applicant, renewal["matter"]))
    assert application.status == Application.Status.SUBMITTED
    note = CaseEvent.objects.get(application=application, action="instant_refer").note
    assert "近期免冠照片" in note and "需申请人提交" in note


def test_deciding_twice_refers_once_and_approves_once(renewal):
    applicant = ApplicantFactory()
    application = decide(submit(applicant, renewal["matter"]))
    instant_decide(application_id=application.pk)
    assert CaseEvent.objects.filter(action="instant_refer").count() == 1

    holder, _ = holder_with_certificate(renewal)
    done = decide(submit(holder, renewal["matter"]))
    assert instant_decide(application_id=done.pk) is None
    assert Licence.objects.filter(subcase__application=done).count() == 1


def test_a_matter_without_an_enabled_rule_records_no_decision_event(renewal):
    instant_rule_save(matter=renewal["matter"], points=[], enabled=False)
    renewal["matter"].refresh_from_db()
    assert renewal["matter"].instant_approval is False
    applicant, _ = holder_with_certificate(renewal)
    application = submit(applicant, renewal["matter"])
    assert not DomainEvent.objects.filter(name="cases.application.submitted").exists()
    assert decide(application).status == Application.Status.SUBMITTED


def test_changing_a_rule_publishes_a_new_version(renewal):
    rule = instant_rule_save(
        matter=renewal["matter"], points=[{"kind": "age", "op": "ge", "value": 16}]
    )
    assert rule.version == 2
    again = instant_rule_save(
        matter=renewal["matter"], points=[{"kind": "age", "op": "ge", "value": 16}]
    )
    assert again.version == 2


@pytest.mark.parametrize(
    ("points", "field", "words"),
    [
        ([{"kind": "magic"}], "points[0].kind", "未知的审查要点类型"),
        ([{"kind": "holds_licence", "type": "NOPE"}], "points[0].type", "不存在"),
        ([{"kind": "field", "field": "x", "op": "in", "value": "a"}], "points[0].value", "列表"),
        ([{"kind": "age", "op": "ge", "value": "60"}], "points[0].value", "整数"),
        ({"kind": "age"}, "points", "必须是列表"),
    ],
)
def test_bad_review_points_are_refused_with_a_chinese_message(points, field, words):
    with pytest.raises(ValidationFailed) as caught:
        validate_points(points)
    assert caught.value.field == field and words in caught.value.message


def test_the_demo_rules_are_valid_against_the_seeded_licence_types():
    for spec in DEMO_RULES:
        assert validate_points(spec["points"]) == spec["points"]
