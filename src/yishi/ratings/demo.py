"""好差评: demo data for `make run`. Through the real services: the demo applicant's
applications are submitted, accepted and approved by machine rule (示范数据) and rated, some
poorly; tickets at the district's outlets are rated from the phone. Some 差评 are followed up,
one is backdated so that its limits have passed (逾期). The demo applicant always keeps one
completed application not yet rated. Idempotent: a second run only makes sure of that one."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from yishi.cases.models import Application
from yishi.cases.services import application_accept_auto, application_submit, subcase_approve_auto
from yishi.catalog.models import Department, Matter
from yishi.core.fields import blind_index
from yishi.core.roles import Role, has_role
from yishi.hall import services as hall
from yishi.hall.models import Outlet, Queue, Ticket
from yishi.people.models import ApplicantAccount
from yishi.ratings import services
from yishi.ratings.models import FollowUp, Rating
from yishi.themes.models import Theme, ThemeMatter

PHONE = "13800138000"
RULE = "示范数据"
DEPARTMENTS = 4
# (level, failed indicators, comment) of each demo application's 办结 rating, one per matter.
APPLICATION_LEVELS = [
    (5, [], "办理很快，窗口服务热情。"),
    (1, ["办事效率", "办事指南精确度"], "材料清单与窗口要求不一致，来回跑了两趟。"),
    (4, [], ""),
    (2, ["办事便捷度"], "网上提交后还要到现场签字。"),
]
TICKET_LEVELS = [5, 5, 4, 3, 2, 5]


def demo_matters() -> list[Matter]:
    """One published single matter for persons per department, in department code order,
    departments that published themes route to first (their reviewers and leads exist): the
    departments with demo ratings (demo_staff makes their leads)."""
    routed = set(
        ThemeMatter.objects.filter(theme__status=Theme.Status.PUBLISHED).values_list(
            "matter__department_id", flat=True
        )
    )
    matters = (
        Matter.objects.filter(status=Matter.Status.PUBLISHED, audience=Matter.Audience.PERSON)
        .exclude(department__kind=Department.Kind.SERVICE_CENTRE)
        .select_related("department")
        .order_by("department__code", "code")
    )
    ordered = sorted(matters, key=lambda m: m.department_id not in routed)  # stable
    chosen: dict[int, Matter] = {}
    for matter in ordered:
        if len(chosen) >= DEPARTMENTS:
            break
        chosen.setdefault(matter.department_id, matter)
    return list(chosen.values())


def demo_departments() -> list[Department]:
    return [m.department for m in demo_matters()]


def _account() -> ApplicantAccount | None:
    return (
        ApplicantAccount.objects.select_related("user", "person")
        .filter(phone_index=blind_index(PHONE))
        .first()
    )


def _completed(account: ApplicantAccount, matter: Matter) -> Application:
    """A completed application of the demo applicant for `matter`, through the services."""
    app = application_submit(user=account.user, matter=matter, form_data={})
    app = application_accept_auto(application=app, rule=RULE, note="示范数据自动受理")
    for subcase in app.subcases.all():
        subcase_approve_auto(
            subcase=subcase, rule=RULE, result_name=f"{matter.name}办理结果", note="示范数据"
        )
    return Application.objects.get(pk=app.pk)


def _backdate(rating: Rating, days: int) -> None:
    """Move a demo rating `days` into the past, with its follow-up's limits."""
    at = timezone.now() - dt.timedelta(days=days)
    Rating.objects.filter(pk=rating.pk).update(created_at=at)
    visit_due, due = services.followup_deadlines(timezone.localdate(at))
    FollowUp.objects.filter(rating=rating).update(created_at=at, visit_due_on=visit_due, due_on=due)


def _unrated_completed(account: ApplicantAccount) -> Application | None:
    rated = Rating.objects.filter(stage=Rating.Stage.COMPLETE).values("application_id")
    return (
        Application.objects.filter(
            applicant=account.user, status=Application.Status.COMPLETED, matter__isnull=False
        )
        .exclude(pk__in=rated)
        .first()
    )


def _tickets() -> int:
    """Phone ratings of served tickets at the district's outlets (service marked done)."""
    made = 0
    outlets = Outlet.objects.filter(is_active=True).exclude(department=None).order_by("code")[:3]
    for n, level in enumerate(TICKET_LEVELS):
        if not outlets:
            break
        outlet = outlets[n % len(outlets)]
        queue = Queue.objects.filter(outlet=outlet).order_by("letter").first()
        if queue is None:
            continue
        ticket = hall.ticket_take(outlet=outlet, queue=queue, channel=Ticket.Channel.PHONE)
        now = timezone.now()
        # Served at the demo's windows: the calling itself is the hall demo's business.
        Ticket.objects.filter(pk=ticket.pk).update(
            status=Ticket.Status.DONE, served_started_at=now, finished_at=now
        )
        ticket.refresh_from_db()
        services.rating_submit(
            target=services.ticket_target(ticket),
            stage=Rating.Stage.SERVICE,
            level=level,
            indicators=["服务效率"] if level <= 2 else [],
            source=Rating.Source.PHONE,
        )
        made += 1
    return made


def load_ratings_demo() -> dict[str, int]:
    account = _account()
    if account is None:
        return {}
    made = {"好差评": 0, "差评整改": 0, "待评价办件": 0}
    if not Rating.objects.filter(~Q(source=Rating.Source.LEGACY)).exists():
        followups = []
        for matter, (level, failed, comment) in zip(
            demo_matters(), APPLICATION_LEVELS, strict=False
        ):
            app = _completed(account, matter)
            target = services.application_target(app)
            services.rating_submit(
                target=target,
                stage=Rating.Stage.ACCEPT,
                level=5,
                user=account.user,
                source=Rating.Source.PORTAL,
            )
            rating = services.rating_submit(
                target=target,
                stage=Rating.Stage.COMPLETE,
                level=level,
                indicators=failed,
                comment=comment,
                user=account.user,
                source=Rating.Source.SMS,
            )
            made["好差评"] += 2
            if rating.poor:
                followups.append(rating)
        made["好差评"] += _tickets()
        # The first 差评 is visited and rectified; the second stays open but backdated a
        # month, so both its limits have passed (the overdue list shows it).
        if followups:
            first = followups[0].followup
            lead = next(
                (
                    p.user
                    for p in first.department.staff.select_related("user")
                    if has_role(p.user, Role.DEPARTMENT_LEAD)
                ),
                None,
            )
            if lead is not None:
                services.followup_visit(
                    followup=first, staff=lead, outcome="已电话回访，核实材料清单表述不清。"
                )
                services.followup_handle(
                    followup=first,
                    staff=lead,
                    action=FollowUp.Action.IMMEDIATE,
                    note="已修订办事指南的材料清单并培训窗口人员。",
                )
        if len(followups) > 1:
            _backdate(followups[1], 30)
        made["差评整改"] = FollowUp.objects.count()
    if _unrated_completed(account) is None:
        matters = demo_matters()
        if matters:
            _completed(account, matters[-1])
    made["待评价办件"] = 1 if _unrated_completed(account) else 0
    return made
