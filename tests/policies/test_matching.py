"""Precise matching: the policies a subject qualifies for now, those it nearly qualifies for
with the missing conditions named, and a push once when a registry change makes it eligible."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.policies.factories import CompanyFactory, PersonFactory, born_aged
from yishi.core.models import OutboxMessage
from yishi.people.models import Person
from yishi.policies.models import Match, Notice
from yishi.policies.queries import matches_for
from yishi.policies.services import SMS_TOPIC, matching_push, matching_refresh

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)


def codes(rows) -> list[str]:
    return sorted(r.policy.code for r in rows)


def test_a_disabled_person_in_a_low_income_household_matches_the_living_subsidy(demo_policies):
    person = PersonFactory(
        disability_type="physical", disability_grade=3, low_income_household=True
    )
    result = matches_for(person, TODAY)
    assert codes(result.eligible) == ["disability-living-subsidy"]
    held = {c.text: c.held for c in result.eligible[0].conditions}
    assert all(held.values())
    assert len(held) == 4


def test_the_near_miss_names_the_missing_conditions(demo_policies):
    # Grade 2 but no 长期照护 need → 护理补贴 misses one condition; not 低保 → 生活补贴 one.
    person = PersonFactory(disability_type="physical", disability_grade=2)
    result = matches_for(person, TODAY)
    assert result.eligible == []
    near = {r.policy.code: r.missing for r in result.near}
    assert set(near) == {"severe-disability-care-subsidy", "disability-living-subsidy"}
    assert len(near["severe-disability-care-subsidy"]) == 1
    assert "需长期照护" in near["severe-disability-care-subsidy"][0]
    assert len(near["disability-living-subsidy"]) == 1
    assert "低保家庭成员" in near["disability-living-subsidy"][0]


def test_three_missing_conditions_is_not_nearly_eligible(demo_policies):
    person = PersonFactory(unemployment_insured_months=24)  # misses 3 of 失业保险金's conditions
    assert "unemployment-benefit" not in codes(matches_for(person, TODAY).near)


def test_a_company_matches_and_nearly_matches(demo_policies):
    company = CompanyFactory(
        size_class="micro",
        employees=2,
        tax_credit_grade="B",
        registration_date=dt.date(2025, 3, 1),
    )
    result = matches_for(company, TODAY)
    assert codes(result.eligible) == ["job-stabilisation-refund", "key-groups-tax-relief"]
    near = {r.policy.code: r.missing for r in result.near}
    assert list(near) == ["micro-startup-subsidy"]
    assert len(near["micro-startup-subsidy"]) == 1
    assert "从业人数" in near["micro-startup-subsidy"][0]


def test_a_registry_change_that_makes_a_person_eligible_is_pushed_once(demo_policies):
    person = PersonFactory(disability_type="visual", disability_grade=1)
    assert matching_refresh(person=person, on=TODAY) == []

    Person.objects.filter(pk=person.pk).update(needs_long_term_care=True)
    person.refresh_from_db()
    newly = matching_refresh(person=person, on=TODAY)

    assert [p.code for p in newly] == ["severe-disability-care-subsidy"]
    assert Notice.objects.get(person=person).text.startswith(
        "根据登记信息，您符合「重度残疾人护理补贴」"
    )
    assert OutboxMessage.objects.filter(topic=SMS_TOPIC).count() == 1
    assert matching_refresh(person=person, on=TODAY) == []  # told once
    assert OutboxMessage.objects.filter(topic=SMS_TOPIC).count() == 1


def test_a_new_policy_is_pushed_to_everyone_it_makes_eligible(demo_policies):
    old = [PersonFactory(birth=born_aged(age, TODAY)) for age in (81, 95)]
    PersonFactory(birth=born_aged(70, TODAY))
    policy = demo_policies["elderly-allowance"]

    assert matching_push(policy=policy, on=TODAY) == 2
    assert set(Match.objects.filter(policy=policy).values_list("person_id", flat=True)) == {
        p.pk for p in old
    }
    assert matching_push(policy=policy, on=TODAY) == 0


def test_the_registry_changed_event_pushes_a_newly_eligible_policy(demo_policies):
    from django.db import transaction

    from yishi.core.events import event_record, events_dispatch

    person = PersonFactory(disability_type="hearing", disability_grade=4)
    with transaction.atomic():
        Person.objects.filter(pk=person.pk).update(low_income_household=True)
        event_record("people.registry_changed", {"person_id": person.pk})
    events_dispatch()
    events_dispatch()  # at least once: a second dispatch tells nobody twice

    assert list(Match.objects.filter(person=person).values_list("policy__code", flat=True)) == [
        "disability-living-subsidy"
    ]
    assert Notice.objects.filter(person=person).count() == 1
