"""The daily run: reminders before the due date, breach after it; and a false promise found
by supervision breaking the commitment through the event handler."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from tests.credit.factories import ACCEPT_DAY, item
from yishi.cases.models import Application, Message
from yishi.core.events import event_record, events_dispatch
from yishi.core.models import OutboxMessage
from yishi.credit.commitments import commitment_accept, commitment_item_fulfil, commitments_check
from yishi.credit.models import Commitment, CreditRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(chain, submitted, applicant, window):
    return commitment_accept(
        application=submitted,
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site"), item(chain, "b_proof")],
        today=ACCEPT_DAY,
    )


def reminders(applicant):
    return list(
        Message.objects.filter(user=applicant.user, text__startswith="提醒").values_list(
            "text", flat=True
        )
    )


def test_reminder_goes_out_three_working_days_before_the_due_date_once(active, applicant):
    # Due Monday 9 March; Tuesday 3 March leaves 4 working days: too early.
    assert commitments_check(today=dt.date(2026, 3, 3)) == {"reminded": 0, "broken": 0}
    assert commitments_check(today=dt.date(2026, 3, 4)) == {"reminded": 1, "broken": 0}
    assert commitments_check(today=dt.date(2026, 3, 5)) == {"reminded": 0, "broken": 0}

    [text] = reminders(applicant)
    assert "经营场所证明" in text and "2026年3月9日" in text and "3 个工作日" in text
    sms = OutboxMessage.objects.filter(topic="sms.credit").last()
    assert sms.payload["phone"] == applicant.phone and "经营场所证明" in sms.payload["text"]
    assert active.items.get(name="经营场所证明").reminded_at is not None


def test_reminder_window_follows_the_setting(active, applicant, settings):
    settings.YISHI_COMMITMENT_REMIND_DAYS = 1
    assert commitments_check(today=dt.date(2026, 3, 5))["reminded"] == 0
    assert commitments_check(today=dt.date(2026, 3, 6))["reminded"] == 1


def test_the_command_runs_the_check_for_a_given_day(active, capsys):
    call_command("check_commitments", today="2026-03-10")
    assert "认定失信 1 份承诺" in capsys.readouterr().out
    assert Commitment.objects.get(pk=active.pk).status == Commitment.Status.BROKEN


def test_a_late_material_is_refused_after_the_commitment_broke(active, window):
    commitments_check(today=dt.date(2026, 3, 10))
    from yishi.core.errors import Conflict

    with pytest.raises(Conflict):
        commitment_item_fulfil(
            item=active.items.get(name="经营场所证明"),
            actor=window.user,
            today=dt.date(2026, 3, 11),
        )


def test_proof_items_are_not_fulfilled_at_the_counter(active, window):
    from yishi.core.errors import Conflict

    with pytest.raises(Conflict):
        commitment_item_fulfil(item=active.items.get(name="无犯罪记录证明"), actor=window.user)


def test_supervision_finding_the_promise_false_breaks_the_commitment(active, submitted, applicant):
    event_record(
        "supervision.result",
        {
            "task_id": 1,
            "subcase_id": submitted.subcases.first().pk,
            "application_id": submitted.pk,
            "result": "non_compliant",
            "findings": "现场核查无犯罪记录证明与承诺不符",
            "commitment_false": True,
        },
    )
    events_dispatch()
    events_dispatch()  # a second dispatch does nothing more

    commitment = Commitment.objects.get(pk=active.pk)
    assert commitment.status == Commitment.Status.BROKEN
    assert "承诺内容不实" in commitment.broken_reason and "现场核查" in commitment.broken_reason
    assert Application.objects.get(pk=submitted.pk).status == Application.Status.SUSPENDED
    assert (
        CreditRecord.objects.filter(person=applicant.person, kind=CreditRecord.Kind.BROKEN).count()
        == 1
    )
    assert OutboxMessage.objects.filter(topic="credit.commitment.broken").count() == 1


def test_a_compliant_result_leaves_an_open_commitment_running(active, submitted):
    event_record(
        "supervision.result",
        {
            "task_id": 2,
            "subcase_id": submitted.subcases.first().pk,
            "application_id": submitted.pk,
            "result": "compliant",
            "findings": "",
            "commitment_false": False,
        },
    )
    events_dispatch()
    # The deferred material is still missing: nothing is kept yet.
    assert Commitment.objects.get(pk=active.pk).status == Commitment.Status.ACTIVE
