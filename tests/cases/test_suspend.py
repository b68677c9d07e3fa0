"""A promise found false stops the case: suspend (handling and issued decisions), then
revoke; timeline notes change no status."""

from __future__ import annotations

import pytest

from tests.cases.conftest import ACCEPT_DAY, reviewer_of
from yishi.cases.models import Application, CaseEvent, Message, SubCase
from yishi.cases.services import (
    application_accept,
    application_revoke,
    application_suspend,
    case_note,
    subcase_approve,
)
from yishi.core.errors import Conflict, ValidationFailed
from yishi.core.models import AuditEntry

pytestmark = pytest.mark.django_db

A, S = Application.Status, SubCase.Status


def test_suspend_stops_running_and_approved_subcases_and_tells_the_applicant(
    chain, submitted, window
):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    first = app.subcases.get(matter=chain["matters"]["a"])
    subcase_approve(
        subcase=first, reviewer=reviewer_of(chain, "a").user, result_name="证", today=ACCEPT_DAY
    )
    app = application_suspend(application=app, actor=window.user, reason="承诺材料逾期未补交")
    assert app.status == A.SUSPENDED
    assert set(app.subcases.values_list("status", flat=True)) == {S.SUSPENDED}
    assert (
        "已中止办理，原因：承诺材料逾期未补交"
        in Message.objects.filter(application=app).order_by("pk").last().text
    )
    assert AuditEntry.objects.filter(action="cases.application.suspend").exists()


def test_revoke_follows_suspension_only(chain, submitted, window):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    with pytest.raises(Conflict):
        application_revoke(application=app, actor=window.user, reason="撤销")
    app = application_suspend(application=app, actor=window.user, reason="承诺不实")
    app = application_revoke(application=app, actor=window.user, reason="承诺不实，撤销决定")
    assert app.status == A.REVOKED
    assert set(app.subcases.values_list("status", flat=True)) == {S.REVOKED}


def test_suspend_needs_a_reason(submitted, window):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    with pytest.raises(ValidationFailed):
        application_suspend(application=app, actor=window.user, reason=" ")
    assert Application.objects.get(pk=app.pk).status == A.ACCEPTED


def test_case_note_adds_a_timeline_entry_without_changing_status(chain, submitted, window):
    app = application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    sub = app.subcases.first()
    event = case_note(
        application=app, subcase=sub, actor=window.user, action="supervision_result", note="合规"
    )
    assert event.from_status == event.to_status == sub.status
    assert CaseEvent.objects.filter(subcase=sub, action="supervision_result").count() == 1
    assert Application.objects.get(pk=app.pk).status == A.ACCEPTED
