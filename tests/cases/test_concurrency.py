"""Two window staff accepting the same application at the same moment, on PostgreSQL with
two real connections: the row lock lets exactly one through."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from yishi.cases.models import Application, SubCase
from yishi.cases.services import application_accept, application_submit
from yishi.core.errors import Conflict

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_staff_accepting_at_the_same_moment_exactly_one_succeeds():
    chain = make_chain_theme()
    applicant = ApplicantFactory()
    app = application_submit(
        user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    staff = [StaffFactory().user, StaffFactory().user]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(user):
        try:
            barrier.wait(timeout=10)
            application_accept(application=app, staff=user)
            result = "ok"
        except Conflict as exc:
            result = f"conflict:{exc.status}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept, args=(u,)) for u in staff]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict:409", "ok"]
    app.refresh_from_db()
    assert app.status == Application.Status.ACCEPTED
    assert app.first_owner_id in {u.pk for u in staff}
    assert SubCase.objects.filter(application=app).count() == 4


def test_concurrent_submissions_with_one_key_create_one_application():
    chain = make_chain_theme()
    applicant = ApplicantFactory()
    barrier = threading.Barrier(2)
    numbers: list[str] = []
    lock = threading.Lock()

    def submit():
        try:
            barrier.wait(timeout=10)
            app = application_submit(
                user=applicant.user,
                theme=chain["theme"],
                answers={},
                form_data={"name": "张三"},
                idempotency_key="same-key",
            )
            with lock:
                numbers.append(app.number)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(numbers) == 2
    assert numbers[0] == numbers[1]
    assert Application.objects.count() == 1


def test_many_applicants_submitting_at_the_same_moment_all_succeed_with_distinct_numbers():
    chain = make_chain_theme()
    applicants = [ApplicantFactory() for _ in range(6)]
    barrier = threading.Barrier(len(applicants))
    numbers: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def submit(applicant):
        try:
            barrier.wait(timeout=10)
            app = application_submit(
                user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
            )
            with lock:
                numbers.append(app.number)
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            with lock:
                failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(a,)) for a in applicants]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert failures == []
    assert len(set(numbers)) == len(applicants)


def test_a_row_referring_to_a_locked_application_commits_without_waiting():
    """A status change locks its row FOR NO KEY UPDATE: a transaction that writes a row
    referring to the application (an event, a licence) commits meanwhile. Under FOR UPDATE
    its foreign-key check waited for the lock, and with the audit chain's lock held the
    other way round the two deadlocked (seen under the soak bench)."""
    from yishi.cases.models import CaseEvent
    from yishi.cases.transitions import transition

    chain = make_chain_theme()
    applicant = ApplicantFactory()
    app = application_submit(
        user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    staff = StaffFactory().user
    locked, written = threading.Event(), threading.Event()
    seconds: list[float] = []

    def hold_the_lock():
        try:
            with transaction.atomic():
                transition(app, "accept", actor=staff)
                locked.set()
                written.wait(timeout=10)
                transaction.set_rollback(True)
        finally:
            connection.close()

    def refer_to_it():
        try:
            locked.wait(timeout=10)
            started = time.monotonic()
            with transaction.atomic():
                CaseEvent.objects.create(application_id=app.pk, action="note", actor=staff)
            seconds.append(time.monotonic() - started)
        finally:
            written.set()
            connection.close()

    threads = [threading.Thread(target=hold_the_lock), threading.Thread(target=refer_to_it)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert seconds and seconds[0] < 5
