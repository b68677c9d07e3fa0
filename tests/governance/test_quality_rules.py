"""Planted errors (a wrong check digit, a dead person with an active grant, a stale record, a
missing required field) are found by the scheduled check and each walks 检查 → 校核 → 确认 →
更正, the record corrected through its own service and audited; scores move with it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.governance.support import BAD_USCC, governance_world, rule
from yishi.core.audit import audit_verify
from yishi.core.errors import Conflict, ValidationFailed
from yishi.core.models import AuditEntry
from yishi.core.validators import validate_uscc
from yishi.governance import services
from yishi.governance.models import Finding, QualityScore
from yishi.governance.tasks import run_quality_checks
from yishi.people.models import Company
from yishi.policies.models import Grant

pytestmark = pytest.mark.django_db


def _walk(finding: Finding, staff, **correction) -> Finding:
    services.finding_verify(finding=finding, staff=staff)
    services.finding_confirm(finding=finding, staff=staff)
    return services.finding_correct(finding=finding, staff=staff, **correction)


def test_the_scheduled_command_finds_every_planted_error_and_nothing_else():
    w = governance_world()
    call_command("governance_check")

    found = {(f.rule.code, f.record_id) for f in Finding.objects.all()}
    assert found == {
        ("company-uscc", str(w.bad_uscc.pk)),
        ("company-required", str(w.no_address.pk)),
        ("grant-deceased", str(w.grant.pk)),
        ("matter-fresh", str(w.stale.pk)),
    }
    uscc = Finding.objects.get(rule__code="company-uscc")
    assert uscc.status == "checked"
    assert uscc.owner == w.officer  # the dataset's department's data officer
    assert uscc.due_on > uscc.created_at.date()
    assert uscc.detail["value"] == BAD_USCC  # personal values: in the encrypted field
    assert Finding.objects.get(rule__code="grant-deceased").owner == w.mz_officer


def test_a_second_run_opens_no_duplicate_finding():
    governance_world()
    run_quality_checks.call()
    run_quality_checks.call()
    assert Finding.objects.count() == 4
    assert QualityScore.objects.count() == 2 * 3  # three datasets with rules, two runs


def test_each_planted_error_walks_to_corrected_with_the_record_corrected_and_audited():
    w = governance_world()
    services.governance_check()
    good = validate_uscc(w.good_companies[0].uscc).code
    Company.objects.filter(pk=w.good_companies[0].pk).update(uscc="91420702000000000A")
    fixed_uscc = good  # move a valid code over to the bad record
    uscc = Finding.objects.get(rule__code="company-uscc")
    _walk(uscc, w.officer, value=fixed_uscc)
    address = Finding.objects.get(rule__code="company-required")
    _walk(address, w.officer, value="湖北省鄂州市梁子湖区太和镇新街2号")
    grant = Finding.objects.get(rule__code="grant-deceased")
    _walk(grant, w.mz_officer, note="公安部门死亡登记，停发")
    stale = Finding.objects.get(rule__code="matter-fresh")
    _walk(stale, w.zwzx_officer)

    w.bad_uscc.refresh_from_db()
    w.no_address.refresh_from_db()
    w.grant.refresh_from_db()
    assert w.bad_uscc.uscc == fixed_uscc
    assert w.no_address.address == "湖北省鄂州市梁子湖区太和镇新街2号"
    assert w.grant.status == Grant.Status.ENDED
    assert w.stale.versions.count() == 1
    assert set(Finding.objects.values_list("status", flat=True)) == {"corrected"}
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    for action in ("verify", "confirm", "correct"):
        assert actions.count(f"governance.finding_{action}") == 4
    assert actions.count("people.registry.change") == 2  # through the registry's service
    assert actions.count("policies.grant_end") == 1
    assert actions.count("matter.publish") == 1
    assert audit_verify().ok
    # nothing personal in the audit log
    assert not AuditEntry.objects.filter(data__icontains=BAD_USCC).exists()

    services.governance_check()
    open_now = Finding.objects.filter(status__in=Finding.OPEN)
    assert {f.rule.code for f in open_now} == {"company-uscc"}  # the record we broke above
    assert open_now.get().record_id == str(w.good_companies[0].pk)


def test_the_quality_score_of_a_dataset_rises_as_findings_are_corrected():
    w = governance_world()
    services.governance_check()
    before = QualityScore.objects.filter(dataset=w.companies).latest("id")
    assert (before.records, before.passing, before.open_findings) == (5, 3, 2)
    assert before.score == 60.0

    address = Finding.objects.get(rule__code="company-required")
    _walk(address, w.officer, value="湖北省鄂州市梁子湖区太和镇新街2号")
    services.governance_check()
    after = QualityScore.objects.filter(dataset=w.companies).latest("id")
    assert (after.passing, after.open_findings, after.score) == (4, 1, 80.0)
    assert after.avg_days_to_correct is not None


def test_a_wrong_correction_value_is_refused_and_nothing_changes():
    w = governance_world()
    services.governance_check()
    uscc = Finding.objects.get(rule__code="company-uscc")
    services.finding_verify(finding=uscc, staff=w.officer)
    services.finding_confirm(finding=uscc, staff=w.officer)
    with pytest.raises(ValidationFailed):
        services.finding_correct(finding=uscc, staff=w.officer, value=BAD_USCC)
    uscc.refresh_from_db()
    assert uscc.status == "confirmed"
    assert Company.objects.get(pk=w.bad_uscc.pk).uscc == BAD_USCC


def test_a_finding_may_be_rejected_with_a_reason_but_not_skip_a_step():
    w = governance_world()
    services.governance_check()
    f = Finding.objects.get(rule__code="company-required")
    with pytest.raises(Conflict):
        services.finding_confirm(finding=f, staff=w.officer)
    with pytest.raises(ValidationFailed):
        services.finding_reject(finding=f, staff=w.officer, reason=" ")
    services.finding_reject(finding=f, staff=w.officer, reason="该主体住所在外地登记")
    f.refresh_from_db()
    assert (f.status, f.reason) == ("rejected", "该主体住所在外地登记")
    with pytest.raises(Conflict):
        services.finding_verify(finding=f, staff=w.officer)


@pytest.mark.parametrize(
    ("kind", "definition", "message"),
    [
        ("completeness", {"fields": ["nonexistent"]}, "不在该数据资源的来源表中"),
        ("validity", {"field": "uscc", "check": "luhn"}, "校验方式"),
        ("consistency", {"check": "deceased_active_grant"}, "只适用于待遇数据"),
        ("timeliness", {"fields": ["created_at"], "days": 0}, "正整数"),
        ("completeness", [], "JSON 对象"),
    ],
)
def test_a_rule_definition_is_validated_on_save(kind, definition, message):
    w = governance_world(planted=False)
    with pytest.raises(ValidationFailed) as caught:
        rule("bad", w.companies, kind, definition)
    assert message in caught.value.message


def test_personal_values_of_a_finding_are_encrypted_at_rest():
    governance_world()
    services.governance_check()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT detail FROM governance_finding")
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert BAD_USCC not in stored
    assert Finding.objects.get(rule__code="company-uscc").detail["value"] == BAD_USCC


def test_an_unknown_region_code_and_a_wrong_id_check_digit_are_found():
    from tests.people.factories import CompanyFactory, PersonFactory
    from yishi.people.models import Person

    w = governance_world(planted=False)
    rule("company-region", w.companies, "consistency", {"check": "region_exists"})
    rule("person-ric", w.persons, "validity", {"field": "id_number", "check": "ric"})
    nowhere = CompanyFactory(region_code="429999")
    person = PersonFactory()
    good = person.id_number
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    Person.objects.filter(pk=person.pk).update(id_number=bad)  # encrypted by the field
    services.governance_check()
    found = {(f.rule.code, f.record_id): f for f in Finding.objects.all()}
    assert set(found) == {("company-region", str(nowhere.pk)), ("person-ric", str(person.pk))}
    assert "429999" in found[("company-region", str(nowhere.pk))].summary
    ric = found[("person-ric", str(person.pk))]
    assert "校验位" in ric.summary and bad not in ric.summary
