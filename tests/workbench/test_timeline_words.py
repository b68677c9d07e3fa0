"""Timelines in words: every event as a Chinese sentence naming who (masked), what and when
(Asia/Shanghai), without SM3 digests, row numbers, login names or status codes."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import StaffFactory
from yishi.cases.models import CaseEvent
from yishi.cases.services import application_accept, application_handover
from yishi.cases.timeline import clean_note, timeline

DIGEST = "a3f1" * 16

pytestmark = pytest.mark.django_db


def test_a_signature_digest_and_a_row_number_are_not_shown():
    assert clean_note(f"申请人承诺以上信息真实有效并电子签名，SM3 {DIGEST}") == (
        "申请人承诺以上信息真实有效并电子签名"
    )
    assert clean_note("承诺书 #12 已全部履行，记入守信记录") == "承诺书已全部履行，记入守信记录"


def test_the_timeline_names_people_masked_and_tells_the_time_in_shanghai(client, window, submitted):
    CaseEvent.objects.filter(application=submitted, action="submit").update(
        note=f"申请人承诺以上信息真实有效并电子签名，SM3 {DIGEST}",
        at=dt.datetime(2026, 12, 7, 1, 30, tzinfo=dt.UTC),
    )
    window.user.last_name, window.user.first_name = "李", "四"
    window.user.save()
    application_accept(application=submitted, staff=window.user)
    colleague = StaffFactory(department=window.department)
    colleague.user.last_name = "赵"
    colleague.user.save()
    application_handover(application=submitted, from_staff=window.user, to_staff=colleague.user)

    entries = timeline(submitted)
    first = entries[0]
    assert first.at.tzinfo is not None and first.at.utcoffset() == dt.timedelta(hours=8)
    assert first.when == "2026-12-07 09:30"
    assert (
        first.sentence
        == f"申请人{submitted.person.name[0]}**提交：申请人承诺以上信息真实有效并电子签名"
    )
    handover = next(e for e in entries if e.action == "首问负责移交")
    assert handover.note == "移交给赵**"

    client.force_login(window.user)
    html = client.get(f"/workbench/applications/{submitted.number}/").content.decode()
    client.force_login(submitted.applicant)
    mine = client.get(f"/apply/my/{submitted.number}/").content.decode()
    for page in (html, mine):
        assert DIGEST not in page and "SM3" not in page
        assert submitted.applicant.get_username() not in page
        assert window.user.get_username() not in page
        assert colleague.user.get_username() not in page
        assert "李**" in page
        assert "2026-12-07 09:30" in page
