"""Two staff members start the same month's run at once on PostgreSQL (real connections):
one run is made, and every beneficiary is granted and paid once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from tests.policies.factories import PersonFactory, born_aged, seed_demo_policies
from yishi.core.models import OutboxMessage
from yishi.policies.models import Grant, Run, RunChange
from yishi.policies.services import PAYMENT_TOPIC, policy_run

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_runs_of_one_period_pay_nobody_twice():
    policy = seed_demo_policies()["elderly-allowance"]
    people = [PersonFactory(birth=born_aged(age, dt.date(2026, 10, 1))) for age in (81, 92, 101)]
    barrier = threading.Barrier(3)
    runs: list[object] = []
    lock = threading.Lock()

    def start():
        try:
            barrier.wait(timeout=10)
            result = policy_run(policy=policy, period="2026-10", actor="staff").pk
        except Exception as exc:  # reported in the outcome, so the test shows it
            result = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            runs.append(result)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert Run.objects.count() == 1
    assert runs == [Run.objects.get().pk] * 3
    assert sorted(Grant.objects.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    assert RunChange.objects.count() == 3
    assert OutboxMessage.objects.filter(topic=PAYMENT_TOPIC).count() == 1
