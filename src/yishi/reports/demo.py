"""办不成事反映与体验走流程: demo data for `make run`. Reports across departments in every state
(one overdue), a leader's service day and an experience officer's walk with improvement items
(one done, one open and overdue). Idempotent: a second run finds the demo reports and stops.

Reports go to whoever holds the duty-leader role; when nobody does, a demo duty leader
("demo-duty-leader", password from YISHI_DEMO_PASSWORD, else unusable) is made here."""

from __future__ import annotations

import datetime as dt
import os

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from yishi.catalog.models import Department, Matter, StaffProfile
from yishi.core.fields import blind_index
from yishi.core.roles import Role, grant_roles, holders_q
from yishi.core.workdays import add_working_days
from yishi.people.models import ApplicantAccount
from yishi.reports import services
from yishi.reports.models import Improvement, Obstacle, Report, Walk

DUTY_LEADER = "demo-duty-leader"
APPLICANT_PHONE = "13800138000"
PHONES = ["13900139001", "13900139002", "13900139003"]
PASSWORD_ENV = "YISHI_DEMO_PASSWORD"  # noqa: S105 - the name of a variable


def _duty_leader():
    User = get_user_model()
    found = User.objects.filter(holders_q(Role.DUTY_LEADER), is_active=True).order_by("id").first()
    if found is not None:
        return found
    user = User.objects.filter(username=DUTY_LEADER).first()
    if user is None:
        user = User.objects.create_user(username=DUTY_LEADER, is_staff=True)
        password = os.environ.get(PASSWORD_ENV)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.first_name = "值班领导"
        user.save()
    if not StaffProfile.objects.filter(user=user).exists():
        department = (
            Department.objects.filter(code="LZH-ZWZX").first()
            or Department.objects.order_by("id").first()
        )
        StaffProfile.objects.create(user=user, department=department)
    grant_roles(user, Role.DUTY_LEADER)
    return user


def _matters() -> list[Matter]:
    """One published matter from each of a few departments."""
    chosen: dict[int, Matter] = {}
    for matter in (
        Matter.objects.filter(status=Matter.Status.PUBLISHED)
        .select_related("department")
        .order_by("department__code", "code")
    ):
        chosen.setdefault(matter.department_id, matter)
        if len(chosen) == 5:
            break
    return list(chosen.values())


def load_reports_demo() -> dict[str, int]:
    indices = [blind_index(p) for p in PHONES]
    if Report.objects.filter(phone_index__in=indices).exists():
        return {}
    matters = _matters()
    if not matters or not Department.objects.exists():
        return {}
    leader = _duty_leader()
    applicant = ApplicantAccount.objects.filter(phone_index=blind_index(APPLICANT_PHONE)).first()
    resident = applicant.user if applicant is not None else None
    today = timezone.localdate()

    def matter(n: int) -> Matter:
        return matters[n % len(matters)]

    with transaction.atomic():
        # Overdue: filed two weeks ago, never answered.
        services.report_create(
            actor=None,
            channel=Report.Channel.ONLINE,
            obstacle=Obstacle.MATERIALS,
            matter=matter(0),
            tried="办理营业执照变更",
            description="网上说要带的材料和窗口要的不一样，已经跑了两趟还是缺材料。",
            name="张先生",
            phone=PHONES[0],
            today=today - dt.timedelta(days=14),
        )
        # New, by the hall's QR code.
        services.report_create(
            actor=None,
            channel=Report.Channel.QR,
            obstacle=Obstacle.WHERE,
            matter=matter(1),
            description="不知道这个事情该去区里办还是镇上办，问了两个窗口说法不一。",
            name="李女士",
            phone=PHONES[1],
            today=today,
        )
        # Answered, entered at the window.
        answered = services.report_create(
            actor=leader,
            channel=Report.Channel.WINDOW,
            obstacle=Obstacle.SYSTEM,
            matter=matter(2),
            description="网上申报提交时一直提示系统错误，无法提交。",
            name="王大爷",
            phone=PHONES[2],
            today=today,
        )
        services.report_answer(
            report=answered,
            staff=leader,
            answer="已联系系统运维排查，明天上午前给您回电。",
        )
        # Resolved, waiting for the demo applicant's rating.
        if resident is not None:
            resolved = services.report_create(
                actor=resident,
                channel=Report.Channel.ONLINE,
                obstacle=Obstacle.TRIPS,
                matter=matter(3),
                description="残疾人证换领要求本人到场两次，行动不便。",
                today=today - dt.timedelta(days=3),
            )
            services.report_resolve(
                report=resolved,
                staff=leader,
                resolution="已安排上门办理，工作人员于明日上门采集信息。",
            )
        # Closed with a rating, and turned into a catalog fix.
        closed = services.report_create(
            actor=None,
            channel=Report.Channel.QR,
            obstacle=Obstacle.POLICY,
            matter=matter(4),
            description="按规定必须提供户籍所在地证明，但我常住本区，户籍在外省。",
            phone=PHONES[0],
            today=today - dt.timedelta(days=6),
        )
        services.report_answer(report=closed, staff=leader, answer="已收到，正在核实政策依据。")
        services.report_resolve(
            report=closed, staff=leader, resolution="经核实可用居住证替代，已为您受理。"
        )
        services.report_rate(report=closed, satisfaction=4, via_link=True)
        services.report_to_improvement(
            report=closed,
            staff=leader,
            kind=Improvement.Kind.CATALOG,
            change="办事指南补充：常住人口可用居住证替代户籍证明。",
            department=matter(4).department,
        )
        # A leader's service day: two problems, one done.
        walk = services.walk_record(
            walker=leader,
            kind=Walk.Kind.DIRECTOR_DAY,
            walked_on=today - dt.timedelta(days=7),
            matter=matter(0),
            steps="以群众身份网上预约、取号、窗口提交材料，全程陪同记录。",
            minutes=95,
            problems=[
                {
                    "problem": "取号机不能识别老年人身份证，需要人工取号。",
                    "department": "LZH-ZWZX"
                    if Department.objects.filter(code="LZH-ZWZX").exists()
                    else matter(0).department,
                },
                {"problem": "申请表要求重复填写住址。", "department": matter(0).department},
            ],
            today=today - dt.timedelta(days=7),
        )
        first = walk.improvements.order_by("id").first()
        services.improvement_progress(
            item=first,
            actor=leader,
            status=Improvement.Status.DONE,
            action_taken="取号机已升级读卡模块，老年人刷身份证即可取号。",
        )
        # An experience officer (the demo applicant) walks a matter; the item is overdue.
        if applicant is not None:
            services.officer_enrol(staff=leader, phone=APPLICANT_PHONE)
            officer_walk = services.walk_record(
                walker=resident,
                kind=Walk.Kind.EXPERIENCE,
                walked_on=today - dt.timedelta(days=20),
                matter=matter(1),
                steps="用手机自行办理，从搜索事项到提交共用时 40 分钟。",
                minutes=40,
                problems=[
                    {
                        "problem": "手机端上传材料后看不到是否成功。",
                        "department": matter(1).department,
                    }
                ],
                today=today - dt.timedelta(days=20),
            )
            officer_walk.improvements.update(
                due_on=add_working_days(today - dt.timedelta(days=20), 5)
            )
    return {
        "办不成事反映": Report.objects.count(),
        "走流程记录": Walk.objects.count(),
        "整改事项": Improvement.objects.count(),
    }
