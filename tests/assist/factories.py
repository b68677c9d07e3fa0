"""帮办代办 factories: a resident with a theme draft (one form field 申请人姓名), clerks,
and requests made through the services with their times set afterwards."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.utils import timezone

from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from yishi.assist import services
from yishi.assist.models import AssistRequest
from yishi.cases import drafts
from yishi.core.roles import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2 March 2026 (a working day), local time.
MONDAY = dt.date(2026, 3, 2)
# Hours used by the tests: 08:30–12:00 and 14:30–17:30 Monday to Friday (the hall default).
HOURS = {str(d): [["08:30", "12:00"], ["14:30", "17:30"]] for d in range(1, 6)}


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=SHANGHAI)


def make_world() -> SimpleNamespace:
    """A resident with a draft of the chain theme, a stranger, a window clerk (sees all),
    a reviewer of department a (sees department a's), and a reviewer elsewhere."""
    chain = make_chain_theme()
    resident = ApplicantFactory()
    stranger = ApplicantFactory()
    draft = drafts.draft_save(user=resident.user, theme=chain["theme"], answers={})
    clerk = StaffFactory()
    clerk.user.first_name = "李帮办"
    clerk.user.save(update_fields=["first_name"])
    dept_a = chain["departments"]["a"]
    reviewer = StaffFactory(reviewer=True, department=dept_a)
    other_reviewer = StaffFactory(reviewer=True)
    lead = StaffFactory(role=Role.DEPARTMENT_LEAD, department=dept_a)
    return SimpleNamespace(
        chain=chain,
        theme=chain["theme"],
        resident=resident,
        stranger=stranger,
        draft=draft,
        clerk=clerk,
        reviewer=reviewer,
        other_reviewer=other_reviewer,
        lead=lead,
        dept_a=dept_a,
    )


def request_at(
    *,
    channel: str = AssistRequest.Channel.CHAT,
    created: dt.datetime,
    first: dt.datetime | None = None,
    concluded: dt.datetime | None = None,
    status: str = AssistRequest.Status.OPEN,
    department=None,
    clerk=None,
) -> AssistRequest:
    """A request with the given times (set directly: the services stamp `now`)."""
    request = AssistRequest.objects.create(
        channel=channel, status=status, department=department, clerk=clerk, question="问题"
    )
    AssistRequest.objects.filter(pk=request.pk).update(
        created_at=created, first_response_at=first, concluded_at=concluded
    )
    request.refresh_from_db()
    return request


def chat_about_draft(w: SimpleNamespace, *, consent: bool = True) -> AssistRequest:
    return services.chat_open(
        user=w.resident.user,
        question="申请表怎么填？",
        draft=w.draft,
        consent=consent,
        department=w.dept_a,
    )


def now() -> dt.datetime:
    return timezone.now()
