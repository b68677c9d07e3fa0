"""A policy never holds a rule the evaluators cannot run: an unknown field or a date compared
with a number is refused on save with a Chinese message naming the field (service, model,
admin form and the /rules/validate API); a changed rule becomes a new rule version."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.catalog.factories import DepartmentFactory
from tests.policies.factories import PolicyFactory
from yishi.core.errors import ValidationFailed
from yishi.core.models import AuditEntry
from yishi.policies.models import Policy, RuleVersion
from yishi.policies.services import policy_save

pytestmark = pytest.mark.django_db

UNKNOWN_FIELD = {"all": [{"field": "shoe_size", "op": "ge", "value": 40}]}
DATE_VS_NUMBER = {"field": "birth_date", "op": "lt", "value": 1950}


def new_policy(rule) -> Policy:
    return Policy(
        code="p1",
        name="测试政策",
        subject="person",
        department=DepartmentFactory(),
        rule=rule,
        amount_bands=[{"label": "统一", "amount": "10"}],
        starts_on=dt.date(2026, 1, 1),
    )


@pytest.mark.parametrize("rule", [UNKNOWN_FIELD, DATE_VS_NUMBER], ids=["unknown", "date-number"])
def test_the_service_refuses_a_bad_rule_with_a_chinese_message_and_writes_nothing(rule):
    with pytest.raises(ValidationFailed) as exc:
        policy_save(policy=new_policy(rule), actor="admin")
    assert exc.value.field.startswith("rule")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    assert not Policy.objects.exists()
    assert not RuleVersion.objects.exists()
    assert not AuditEntry.objects.exists()


def test_unknown_field_message_names_the_field_path():
    with pytest.raises(ValidationFailed) as exc:
        policy_save(policy=new_policy(UNKNOWN_FIELD))
    assert exc.value.field == "rule.all[0].field"
    assert "shoe_size" in exc.value.message


def test_model_save_refuses_a_bad_rule_too():
    with pytest.raises(ValidationFailed):
        new_policy(DATE_VS_NUMBER).save()
    assert not Policy.objects.exists()


def test_model_clean_puts_the_message_on_the_rule_field_for_the_admin_form():
    with pytest.raises(ValidationError) as exc:
        new_policy(DATE_VS_NUMBER).clean()
    assert list(exc.value.message_dict) == ["rule"]


def test_a_band_rule_is_validated_as_well():
    policy = new_policy({"field": "age", "op": "ge", "value": 80})
    policy.amount_bands = [{"label": "甲", "amount": "10", "rule": UNKNOWN_FIELD}]
    with pytest.raises(ValidationFailed) as exc:
        policy_save(policy=policy)
    assert exc.value.field == "amount_bands[0].rule.all[0].field"


def test_a_negative_amount_is_refused():
    policy = new_policy({"field": "age", "op": "ge", "value": 80})
    policy.amount_bands = [{"label": "甲", "amount": "-5"}]
    with pytest.raises(ValidationFailed, match="金额") as exc:
        policy_save(policy=policy)
    assert exc.value.field == "amount_bands[0].amount"


def test_changing_the_rule_makes_a_new_version_and_keeps_the_old_one():
    policy = policy_save(policy=new_policy({"field": "age", "op": "ge", "value": 80}))
    assert policy.rule_version == 1
    policy_save(policy=policy, changes={"name": "改名不改规则"})
    assert policy.rule_version == 1
    policy_save(policy=policy, changes={"rule": {"field": "age", "op": "ge", "value": 85}})
    policy.refresh_from_db()
    assert policy.rule_version == 2
    assert list(policy.rule_versions.order_by("version").values_list("version", "rule")) == [
        (1, {"field": "age", "op": "ge", "value": 80}),
        (2, {"field": "age", "op": "ge", "value": 85}),
    ]
    assert [e.data["rule_changed"] for e in AuditEntry.objects.order_by("id")] == [
        True,
        False,
        True,
    ]


def test_the_admin_form_shows_the_chinese_error_beside_the_rule(admin_client):
    dept = DepartmentFactory()
    response = admin_client.post(
        "/admin/policies/policy/add/",
        {
            "code": "bad",
            "name": "坏规则",
            "subject": "person",
            "department": dept.pk,
            "active": "on",
            "proactive": "on",
            "rule": '{"field": "birth_date", "op": "lt", "value": 1950}',
            "amount_bands": '[{"label": "统一", "amount": "10"}]',
            "amount_note": "示例金额，由管理员设定",
            "period": "monthly",
            "starts_on": "2026-01-01",
            "RuleVersion_set-TOTAL_FORMS": "0",
            "RuleVersion_set-INITIAL_FORMS": "0",
            "rule_versions-TOTAL_FORMS": "0",
            "rule_versions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["rule"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors["rule"][0])
    assert not Policy.objects.exists()


def test_the_admin_saves_a_good_rule_as_a_new_version(admin_client):
    policy = PolicyFactory()
    response = admin_client.post(
        f"/admin/policies/policy/{policy.pk}/change/",
        {
            "code": policy.code,
            "name": policy.name,
            "subject": "person",
            "department": policy.department_id,
            "active": "on",
            "proactive": "on",  # 免申即享 (unticked it is 即申即享 and needs its matter)
            "rule": '{"field": "age", "op": "ge", "value": 90}',
            "amount_bands": '[{"label": "统一", "amount": "10"}]',
            "amount_note": "示例金额，由管理员设定",
            "period": "monthly",
            "starts_on": "2026-01-01",
            "rule_versions-TOTAL_FORMS": "0",
            "rule_versions-INITIAL_FORMS": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert policy.rule_version == 2


def test_the_admin_pages_of_policies_runs_and_grants_open(admin_client, demo_policies):
    from tests.policies.factories import PersonFactory, born_aged
    from yishi.policies.models import Grant, Run
    from yishi.policies.services import policy_run

    PersonFactory(birth=born_aged(85, dt.date(2026, 10, 1)))
    policy_run(policy=demo_policies["elderly-allowance"], period="2026-10")
    policy = demo_policies["elderly-allowance"]
    for url in [
        "/admin/policies/policy/",
        f"/admin/policies/policy/{policy.pk}/change/",
        "/admin/policies/run/",
        f"/admin/policies/run/{Run.objects.get().pk}/change/",
        "/admin/policies/grant/",
        f"/admin/policies/grant/{Grant.objects.get().pk}/change/",
        "/admin/policies/runchange/",
        "/admin/policies/objection/",
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_an_application_policy_needs_a_published_matter_for_its_subjects(admin_client):
    from tests.catalog.factories import MatterFactory
    from yishi.catalog.models import Matter
    from yishi.core.errors import ValidationFailed
    from yishi.policies.services import policy_save

    policy = PolicyFactory()
    with pytest.raises(ValidationFailed, match="须指定申报事项") as caught:
        policy_save(policy=policy, changes={"mode": "application"})
    assert caught.value.field == "matter"
    person_matter = MatterFactory(audience=Matter.Audience.COMPANY)
    with pytest.raises(ValidationFailed, match="服务对象"):
        policy_save(policy=policy, changes={"mode": "application", "matter": person_matter})
    matter = MatterFactory(audience=Matter.Audience.PERSON)
    with pytest.raises(ValidationFailed, match="兑现方式"):
        policy_save(policy=policy, changes={"mode": "monthly"})
    with pytest.raises(ValidationFailed) as bad_field:
        policy_save(
            policy=policy,
            changes={
                "mode": "application",
                "matter": matter,
                "application_fields": [{"key": "Name", "label": "姓名"}],
            },
        )
    assert bad_field.value.field == "application_fields[0].key"
    saved = policy_save(
        policy=policy,
        changes={
            "mode": "application",
            "matter": matter,
            "application_fields": [{"key": "name", "label": "姓名", "prefill": "person.name"}],
            "faq": [{"q": "怎么申请？", "a": "在线申请。"}],
        },
    )
    assert saved.mode == "application" and saved.application_fields[0]["kind"] == "text"
    from yishi.core.errors import Conflict
    from yishi.policies.services import policy_run

    with pytest.raises(Conflict, match="即申即享"):
        policy_run(policy=saved, period="2026-04")
