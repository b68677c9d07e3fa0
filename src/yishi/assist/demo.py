"""帮办代办: demo data for `make run`: requests over the last weeks across departments and
channels (chats with their messages, call-backs, on-site helpers), most answered in time,
some late, most resolved, a few still open, so the console, the staff figures and
`GET /api/v1/assist/stats` show something. Loaded once: a database that already holds
requests is left as it is."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yishi.assist.models import AssistMessage, AssistRequest
from yishi.catalog.models import StaffProfile
from yishi.core.fields import blind_index
from yishi.core.roles import Role
from yishi.core.workdays import is_workday
from yishi.people.models import ApplicantAccount

C, S = AssistRequest.Channel, AssistRequest.Status
DEMO_PHONE = "13800138000"
QUESTIONS = [
    (
        "新生儿出生一件事需要准备哪些材料？",
        "请准备出生医学证明、父母双方身份证和户口簿，网上可一次提交。",
    ),
    (
        "个体工商户登记可以全程网办吗？",
        "可以，在“法人办事”中选择个体工商户设立登记，按提示上传材料即可。",
    ),
    ("退休一件事的表格里“参保地”怎么填？", "填写您最后参保的县区，一般为“鄂州市梁子湖区”。"),
    ("不动产登记需要本人到场吗？", "网上申请后需本人到大厅核验身份，可先预约时段。"),
    ("残疾人证换领在哪里办理？", "在区政务服务中心综合窗口或所在镇便民服务中心均可办理。"),
    ("医保报销的银行卡填错了怎么改？", "在申请详情中点击补正即可修改，或由我们帮您代填。"),
]
# (days ago, channel, minutes to first response or None, outcome status, question index)
PLAN = [
    (1, C.CHAT, 3, S.RESOLVED, 0),
    (1, C.CALLBACK, 40, S.RESOLVED, 3),
    (2, C.CHAT, 25, S.RESOLVED, 1),
    (2, C.ONSITE, 0, S.RESOLVED, 4),
    (3, C.CHAT, 6, S.UNRESOLVED, 2),
    (4, C.CALLBACK, 95, S.RESOLVED, 5),
    (5, C.CHAT, 2, S.RESOLVED, 3),
    (6, C.CHAT, 8, S.RESOLVED, 0),
    (7, C.ONSITE, 0, S.RESOLVED, 1),
    (8, C.CHAT, 14, S.RESOLVED, 2),
    (9, C.CALLBACK, 20, S.UNRESOLVED, 4),
    (10, C.CHAT, 4, S.RESOLVED, 5),
    (12, C.CHAT, 9, S.RESOLVED, 1),
    (14, C.CHAT, 31, S.RESOLVED, 3),
    (16, C.CALLBACK, 55, S.RESOLVED, 0),
    (18, C.CHAT, 5, S.RESOLVED, 2),
    (0, C.CHAT, None, S.OPEN, 4),
    (0, C.CALLBACK, None, S.OPEN, 5),
    (0, C.CHAT, 1, S.ACTIVE, 0),
]


def _working_day(days_ago: int, today: dt.date) -> dt.date:
    day = today - dt.timedelta(days=days_ago)
    while not is_workday(day):
        day -= dt.timedelta(days=1)
    return day


def load_assist_demo() -> dict[str, int]:
    if AssistRequest.objects.exists():
        return {"帮办代办请求": 0}
    staff = list(
        StaffProfile.objects.filter(user__groups__permissions__codename=f"role_{Role.REVIEWER}")
        .select_related("user", "department")
        .order_by("department__code")[:6]
    )
    windows = list(
        StaffProfile.objects.filter(user__groups__permissions__codename=f"role_{Role.WINDOW}")
        .select_related("user", "department")
        .order_by("pk")[:2]
    )
    helpers = staff or windows
    if not helpers:
        return {"帮办代办请求": 0}
    account = ApplicantAccount.objects.filter(phone_index=blind_index(DEMO_PHONE)).first()
    tz = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localdate()
    made = 0
    for i, (days_ago, channel, minutes, status, q) in enumerate(PLAN):
        profile = helpers[i % len(helpers)]
        clerk = (windows[i % len(windows)] if windows and channel == C.ONSITE else profile).user
        day = _working_day(days_ago, today)
        at = dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz) + dt.timedelta(minutes=37 * (i % 7))
        if at > now:
            at = now - dt.timedelta(minutes=5 + i)
        question, answer = QUESTIONS[q]
        first = at + dt.timedelta(minutes=minutes) if minutes is not None else None
        concluded = (
            (first or at) + dt.timedelta(minutes=12 + 3 * i)
            if status in (S.RESOLVED, S.UNRESOLVED)
            else None
        )
        request = AssistRequest.objects.create(
            channel=channel,
            status=status,
            account=account if i % 3 == 0 else None,
            department=profile.department,
            clerk=clerk if first else None,
            question=question,
            phone=DEMO_PHONE if channel == C.CALLBACK else "",
            phone_index=blind_index(DEMO_PHONE) if channel == C.CALLBACK else "",
            outcome=(answer if status == S.RESOLVED else "需到窗口补充材料，已预约")
            if concluded
            else "",
        )
        AssistRequest.objects.filter(pk=request.pk).update(
            created_at=at, first_response_at=first, concluded_at=concluded
        )
        if channel == C.CHAT:
            lines = [(AssistMessage.Sender.PERSON, None, question, at)]
            if first:
                lines.append((AssistMessage.Sender.CLERK, clerk, answer, first))
            for sender, author, body, when in lines:
                m = AssistMessage.objects.create(
                    request=request, sender=sender, author=author, body=body
                )
                AssistMessage.objects.filter(pk=m.pk).update(created_at=when)
        made += 1
    return {"帮办代办请求": made}
