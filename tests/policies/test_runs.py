"""The monthly 免申即享 run of 高龄津贴 over a small registry: exactly the residents of each
age band are granted (checked against a plain query on birth dates), a second run of the same
period changes nothing, and a death recorded before the next run ends that grant."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from tests.policies.factories import PersonFactory, born_aged
from yishi.cases.models import Message
from yishi.core.models import AuditEntry, OutboxMessage
from yishi.people.models import Person
from yishi.policies.models import Grant, Run, RunChange
from yishi.policies.services import PAYMENT_TOPIC, SMS_TOPIC, policy_run

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)


def years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)


def residents_aged(lo: int, hi: int | None, on: dt.date) -> set[int]:
    """Independent of the rule compiler: living residents born in the band's date range."""
    query = Person.objects.filter(
        region_code__startswith="420702",
        deceased_on__isnull=True,
        birth_date__lte=years_before(on, lo),
    )
    if hi is not None:
        query = query.filter(birth_date__gt=years_before(on, hi + 1))
    return set(query.values_list("pk", flat=True))


@pytest.fixture
def registry():
    """60 people aged 60–104 on 1 October 2026, a few non-residents and one already dead."""
    rng = random.Random(6)
    for n in range(60):
        birth = dt.date(1922, 1, 1) + dt.timedelta(days=rng.randrange(0, 45 * 365))
        PersonFactory(birth=birth, region="420702" if n % 7 else "420703")
    # The edges: the 80th and 90th birthdays on the reference day itself, and the day after.
    PersonFactory(birth=years_before(OCTOBER, 80))
    PersonFactory(birth=years_before(OCTOBER, 90) + dt.timedelta(days=1))
    PersonFactory(birth=years_before(OCTOBER, 100))
    dead = PersonFactory(birth=born_aged(91, OCTOBER))
    Person.objects.filter(pk=dead.pk).update(deceased_on=dt.date(2026, 5, 1))


def test_run_over_the_generated_demo_registry_grants_exactly_each_band(demo_policies):
    from yishi.people.registry import generate_registry

    generate_registry(persons=1500, companies=0, seed=6, today=dt.date(2026, 9, 30))
    policy = demo_policies["elderly-allowance"]
    run = policy_run(policy=policy, period="2026-10")

    # Deaths in the generated registry lie in the past: alive on 1 October = no death date.
    total = 0
    for label, (lo, hi) in {
        "80–89 周岁": (80, 89),
        "90–99 周岁": (90, 99),
        "100 周岁及以上": (100, None),
    }.items():
        expected = residents_aged(lo, hi, OCTOBER)
        assert granted(policy, label) == expected, label
        total += len(expected)
    assert total > 50
    assert run.new_count == total
    assert policy_run(policy=policy, period="2026-10").pk == run.pk
    assert Grant.objects.filter(policy=policy).count() == total


def granted(policy, band: str) -> set[int]:
    return set(
        Grant.objects.filter(policy=policy, band=band, status=Grant.Status.ACTIVE).values_list(
            "person_id", flat=True
        )
    )


def test_run_grants_the_elderly_allowance_to_exactly_the_residents_of_each_band(
    demo_policies, registry
):
    policy = demo_policies["elderly-allowance"]
    run = policy_run(policy=policy, period="2026-10", actor="tester")

    bands = {"80–89 周岁": (80, 89), "90–99 周岁": (90, 99), "100 周岁及以上": (100, None)}
    expected_total = 0
    for label, (lo, hi) in bands.items():
        expected = residents_aged(lo, hi, OCTOBER)
        assert expected, label  # the registry covers every band
        assert granted(policy, label) == expected, label
        expected_total += len(expected)
    assert run.new_count == expected_total == Grant.objects.filter(policy=policy).count()
    assert (run.continuing_count, run.ended_count) == (0, 0)
    assert run.rule_version.version == policy.rule_version == 1
    amounts = dict(Grant.objects.filter(policy=policy).values_list("band", "amount").distinct())
    assert amounts == {
        "80–89 周岁": Decimal("50.00"),
        "90–99 周岁": Decimal("100.00"),
        "100 周岁及以上": Decimal("300.00"),
    }
    assert run.total_amount == sum(
        Grant.objects.filter(policy=policy).values_list("amount", flat=True)
    )
    assert RunChange.objects.filter(run=run, change="added").count() == expected_total


def test_run_notifies_each_new_beneficiary_and_pushes_the_payment_list(demo_policies):
    person = PersonFactory(birth=born_aged(85, OCTOBER))
    policy = demo_policies["elderly-allowance"]
    run = policy_run(policy=policy, period="2026-10", actor="tester")

    sms = OutboxMessage.objects.get(topic=SMS_TOPIC)
    assert sms.payload["phone"] == person.phone
    assert "您已获得「高龄津贴」" in sms.payload["text"]
    assert "无需申请" in sms.payload["text"]
    assert person.policy_notices.get().text.startswith("您已获得「高龄津贴」（80–89 周岁")
    push = OutboxMessage.objects.get(topic=PAYMENT_TOPIC)
    assert push.destination == "log"
    assert push.payload["period"] == "2026-10"
    assert push.payload["rule_version"] == 1
    assert push.payload["lines"] == [
        {
            "grant": Grant.objects.get(person=person).pk,
            "change": "added",
            "band": "80–89 周岁",
            "amount": "50.00",
            "kind": "person",
            "name": person.name,
            "id_number": person.id_number,
        }
    ]
    entry = AuditEntry.objects.get(action="policies.run")
    assert entry.object_id == str(run.pk)
    assert entry.data["added"] == [person.pk]
    assert entry.data["rule_version"] == 1


def test_account_holders_get_an_in_platform_message(demo_policies):
    from tests.cases.factories import ApplicantFactory

    account = ApplicantFactory(person=PersonFactory(birth=born_aged(92, OCTOBER)))
    policy_run(policy=demo_policies["elderly-allowance"], period="2026-10")
    assert "您已获得「高龄津贴」（90–99 周岁" in Message.objects.get(user=account.user).text


def test_second_run_for_the_same_period_changes_nothing(demo_policies, registry):
    policy = demo_policies["elderly-allowance"]
    first = policy_run(policy=policy, period="2026-10", actor="tester")
    counts = (
        Grant.objects.count(),
        RunChange.objects.count(),
        OutboxMessage.objects.count(),
        AuditEntry.objects.count(),
    )
    PersonFactory(birth=born_aged(88, OCTOBER))  # a newcomer does not sneak into a done period

    again = policy_run(policy=policy, period="2026-10", actor="tester")

    assert again.pk == first.pk
    assert (
        Grant.objects.count(),
        RunChange.objects.count(),
        OutboxMessage.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    assert Run.objects.filter(policy=policy).count() == 1


def test_a_death_recorded_before_the_next_run_ends_the_grant_the_month_after(demo_policies):
    policy = demo_policies["elderly-allowance"]
    alive = PersonFactory(birth=born_aged(84, OCTOBER))
    dying = PersonFactory(birth=born_aged(93, OCTOBER))
    policy_run(policy=policy, period="2026-10")

    Person.objects.filter(pk=dying.pk).update(deceased_on=dt.date(2026, 10, 17))
    november = policy_run(policy=policy, period="2026-11")

    grant = Grant.objects.get(person=dying)
    assert grant.status == Grant.Status.ENDED
    assert grant.ended_period == "2026-11"
    assert grant.ended_run == november
    assert (november.new_count, november.continuing_count, november.ended_count) == (0, 1, 1)
    paid = set(
        november.changes.filter(change__in=["added", "continued"]).values_list(
            "grant__person_id", flat=True
        )
    )
    assert paid == {alive.pk}
    ended = november.changes.get(change="ended")
    assert ended.grant == grant
    assert "不再符合条件（规则第 1 版" in ended.reason
    assert AuditEntry.objects.get(action="policies.run", object_id=str(november.pk)).data[
        "ended_subjects"
    ] == [dying.pk]


def test_a_continuing_grant_moves_to_the_next_band_on_a_birthday(demo_policies):
    policy = demo_policies["elderly-allowance"]
    person = PersonFactory(birth=dt.date(1936, 10, 15))  # 89 on 1 Oct, 90 on 1 Nov 2026
    policy_run(policy=policy, period="2026-10")
    november = policy_run(policy=policy, period="2026-11")

    grant = Grant.objects.get(person=person)
    assert (grant.band, grant.amount, grant.paid_months) == ("90–99 周岁", Decimal("100.00"), 2)
    line = november.changes.get()
    assert (line.change, line.amount) == ("continued", Decimal("100.00"))
    assert line.reason == "档次调整：80–89 周岁 → 90–99 周岁"


def test_unemployment_benefit_ends_after_the_duration_its_contributions_give(demo_policies):
    policy = demo_policies["unemployment-benefit"]
    person = PersonFactory(
        unemployment_insured_months=30,
        left_job_involuntarily=True,
        unemployment_registered=True,
        employment_status="unemployed",
    )
    periods = [f"2026-{m:02d}" for m in range(1, 13)] + ["2027-01", "2027-02"]
    runs = [policy_run(policy=policy, period=p) for p in periods]

    grant = Grant.objects.get(person=person)
    assert grant.max_months == 12
    assert grant.status == Grant.Status.COMPLETED
    assert grant.ended_period == "2027-01"
    assert [r.paid_count for r in runs] == [1] * 12 + [0, 0]
    assert Grant.objects.filter(person=person).count() == 1  # not granted again while unemployed


def test_a_run_for_an_earlier_period_than_the_last_is_refused(demo_policies):
    from yishi.core.errors import Conflict, ValidationFailed

    policy = demo_policies["elderly-allowance"]
    policy_run(policy=policy, period="2026-10")
    with pytest.raises(Conflict) as exc:
        policy_run(policy=policy, period="2026-09")
    assert exc.value.field == "period"
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        policy_run(policy=policy, period="2026-13")
