"""A deferred material's due date (容缺后补) moves when an administrator enters a calendar row
inside its count, and the applicant and the accepting clerk are told, once."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.credit.factories import item
from yishi.cases.models import Message
from yishi.core.events import events_dispatch
from yishi.credit.calendar_changes import deferred_dues_follow_calendar
from yishi.credit.commitments import commitment_accept

pytestmark = pytest.mark.django_db

D = dt.date


def test_a_row_in_the_count_moves_the_deferred_due_date_and_tells_both(
    admin_client, chain, submitted, applicant, window
):
    commitment = commitment_accept(
        application=submitted,
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=D(2026, 12, 28),
    )
    [only] = commitment.items.all()
    assert only.due == D(2027, 1, 5)  # 12/29, 12/30, 12/31, (元旦), 1/4, 1/5

    response = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2027-01-04", "kind": "holiday", "name": "补假"}
    )
    assert response.status_code == 302
    events_dispatch()

    only.refresh_from_db()
    assert only.due == D(2027, 1, 6)
    moved = "「经营场所证明」补交截止日期由 2027年1月5日 调整为 2027年1月6日"
    told = list(Message.objects.filter(user=applicant.user).values_list("text", flat=True))
    assert [t for t in told if moved in t] == [
        f"您的办件「链路测试一件事」（{submitted.number}）因节假日安排调整，{moved}。"
    ]
    # The clerk also hears of the application's own deadlines (yishi.cases.calendar_changes).
    clerk = list(Message.objects.filter(user=window.user).values_list("text", flat=True))
    assert [t for t in clerk if moved in t] == [
        f"办件 {submitted.number}「链路测试一件事」因节假日安排调整：{moved}。"
    ]
    assert deferred_dues_follow_calendar([D(2027, 1, 4)]) == []
