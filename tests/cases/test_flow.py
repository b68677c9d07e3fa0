from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.conftest import ACCEPT_DAY, reviewer_of
from yishi.cases.models import Application, CaseEvent, Message, SubCase
from yishi.cases.services import (
    SMS_TOPIC,
    application_accept,
    application_handover,
    application_refuse,
    subcase_approve,
    subcase_refuse,
)
from yishi.core.errors import PermissionDeniedError
from yishi.core.models import AuditEntry, OutboxMessage

from .factories import StaffFactory

pytestmark = pytest.mark.django_db

S = SubCase.Status


def by_matter(application):
    return {s.matter.name[-1].lower(): s for s in application.subcases.all()}


def test_submission_gets_a_public_number_and_is_submitted(submitted):
    assert submitted.status == Application.Status.SUBMITTED
    assert submitted.number.startswith("YS")
    assert len(submitted.number) == 2 + 8 + 8
    assert submitted.number[10:] == f"{submitted.pk:08d}"  # the row's serial: never collides
    assert submitted.form_data == {"name": "张三"}


def test_accept_routes_independent_matters_in_parallel_and_dependent_ones_later(submitted, window):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    subs = by_matter(app)
    assert {k: s.status for k, s in subs.items()} == {
        "a": S.PENDING,
        "b": S.WAITING,
        "c": S.WAITING,
        "d": S.PENDING,
    }
    assert {k: s.department.name[-1] for k, s in subs.items()} == {
        "a": "a",
        "b": "b",
        "c": "c",
        "d": "d",
    }
    assert list(subs["b"].depends_on.all()) == [subs["a"]]
    assert list(subs["c"].depends_on.all()) == [subs["b"]]
    assert subs["a"].started_on == ACCEPT_DAY
    assert subs["a"].promised_due == dt.date(2026, 3, 9)
    assert subs["a"].legal_due == dt.date(2026, 3, 16)
    assert subs["d"].promised_due == dt.date(2026, 3, 6)
    assert subs["b"].started_on is None
    assert subs["b"].promised_due is None
    # The longest chain A → B → C: 5 + 3 + 2 promised, 10 + 6 + 4 legal working days.
    assert app.promised_chain_days == 10
    assert app.promised_due == dt.date(2026, 3, 16)
    assert app.legal_due == dt.date(2026, 3, 30)
    assert app.accepted_on == ACCEPT_DAY


def test_approving_in_dependency_order_completes_the_application(chain, submitted, window):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    subs = by_matter(app)
    subcase_approve(
        subcase=subs["a"],
        reviewer=reviewer_of(chain, "a").user,
        result_name="出生医学证明",
        today=dt.date(2026, 3, 4),
    )
    b = SubCase.objects.get(pk=subs["b"].pk)
    assert b.status == S.PENDING
    assert b.started_on == dt.date(2026, 3, 4)
    assert b.promised_due == dt.date(2026, 3, 9)
    assert SubCase.objects.get(pk=subs["c"].pk).status == S.WAITING
    subcase_approve(subcase=b, reviewer=reviewer_of(chain, "b").user, result_name="户口簿")
    subcase_approve(subcase=subs["d"], reviewer=reviewer_of(chain, "d").user, result_name="社保卡")
    assert Application.objects.get(pk=app.pk).status == Application.Status.ACCEPTED
    c = SubCase.objects.get(pk=subs["c"].pk)
    subcase_approve(subcase=c, reviewer=reviewer_of(chain, "c").user, result_name="参保凭证")
    app.refresh_from_db()
    assert app.status == Application.Status.COMPLETED
    assert app.completed_at is not None
    assert Message.objects.filter(application=app, text__contains="已全部办结").count() == 1


def test_a_refused_prerequisite_cancels_its_dependents_and_refuses_the_application(
    chain, submitted, window
):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    subs = by_matter(app)
    subcase_refuse(subcase=subs["a"], reviewer=reviewer_of(chain, "a").user, reason="材料不实")
    assert {s.matter.name[-1]: s.status for s in app.subcases.all()} == {
        "A": S.REFUSED,
        "B": S.REFUSED,
        "C": S.REFUSED,
        "D": S.PENDING,
    }
    subcase_approve(subcase=subs["d"], reviewer=reviewer_of(chain, "d").user, result_name="社保卡")
    app.refresh_from_db()
    assert app.status == Application.Status.REFUSED


def test_first_staff_action_records_the_first_inquiry_owner_until_handover(submitted, window):
    other = StaffFactory()
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    assert app.first_owner == window.user
    app = application_handover(application=app, from_staff=window.user, to_staff=other.user)
    assert Application.objects.get(pk=app.pk).first_owner == other.user
    event = CaseEvent.objects.get(application=app, action="handover")
    assert event.actor == window.user


def test_refusal_is_recorded_with_its_reason_and_first_owner(submitted, window):
    app = application_refuse(application=submitted, staff=window.user, reason="不属于本区管辖")
    assert app.status == Application.Status.REFUSED
    assert app.reason == "不属于本区管辖"
    assert app.first_owner == window.user


def test_only_window_staff_may_accept(chain, submitted, applicant):
    with pytest.raises(PermissionDeniedError) as caught:
        application_accept(application=submitted, staff=reviewer_of(chain, "a").user)
    assert caught.value.field == "staff"
    with pytest.raises(PermissionDeniedError):
        application_accept(application=submitted, staff=applicant.user)
    assert Application.objects.get(pk=submitted.pk).status == Application.Status.SUBMITTED


def test_each_step_writes_a_message_an_sms_an_event_and_an_audit_entry(submitted, window):
    application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    texts = list(
        Message.objects.filter(application=submitted).order_by("id").values_list("text", flat=True)
    )
    assert len(texts) == 2
    assert "已提交" in texts[0]
    assert "已受理，承诺办结日期 2026-03-16" in texts[1]
    sms = OutboxMessage.objects.filter(topic=SMS_TOPIC).order_by("id")
    assert sms.count() == 2
    assert sms[1].payload["phone"] == submitted.person.phone
    assert sms[1].payload["number"] == submitted.number
    assert list(
        CaseEvent.objects.filter(application=submitted, subcase=None)
        .order_by("id")
        .values_list("action", "from_status", "to_status")
    ) == [("submit", "draft", "submitted"), ("accept", "submitted", "accepted")]
    assert AuditEntry.objects.filter(action="cases.application.accept").count() == 1
    assert AuditEntry.objects.filter(action="cases.subcase.start").count() == 2


def test_only_the_first_owner_may_hand_over(submitted, window):
    application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    stranger, target = StaffFactory(), StaffFactory()
    with pytest.raises(PermissionDeniedError) as caught:
        application_handover(application=submitted, from_staff=stranger.user, to_staff=target.user)
    assert caught.value.field == "from_staff"
    assert Application.objects.get(pk=submitted.pk).first_owner == window.user
