"""办不成事反映 and walks: every write is one function, one transaction.

A report (online, by the hall's QR code, or entered at the 办不成事 window) goes to the duty
leaders: a first answer within YISHI_REPORT_ANSWER_WORKING_DAYS, resolved within
YISHI_REPORT_RESOLVE_WORKING_DAYS (working days after the report day), the reporter told of
the answer and the resolution (in-platform message and SMS through the outbox), then closed by
the reporter's 1–5 rating. When a rule is the cause, the leader turns it into an improvement
item (catalog or process) owned by a department with a deadline; walks make such items too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from yishi.cases.models import Message
from yishi.catalog.models import Department, Matter
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.fields import blind_index
from yishi.core.outbox import outbox_enqueue
from yishi.core.roles import Role, has_role
from yishi.core.validators import validate_mobile
from yishi.core.workdays import add_working_days
from yishi.hall.models import Outlet
from yishi.people.models import ApplicantAccount
from yishi.reports import conf, policy
from yishi.reports.models import ExperienceOfficer, Improvement, Obstacle, Report, Walk

SMS_TOPIC = "sms.report"
LINK_SALT = "yishi.reports.link"
MAX_TEXT = 4000

# The report's state machine: (from, action) → to. Anything else is a 409.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Report.Status.SUBMITTED, "answer"): Report.Status.ANSWERED,
    (Report.Status.SUBMITTED, "resolve"): Report.Status.RESOLVED,
    (Report.Status.ANSWERED, "resolve"): Report.Status.RESOLVED,
    (Report.Status.RESOLVED, "rate"): Report.Status.CLOSED,
}
ACTION_NAMES = {"answer": "答复", "resolve": "办结", "rate": "评价"}

ITEM_TRANSITIONS: dict[str, set[str]] = {
    Improvement.Status.OPEN: {Improvement.Status.IN_PROGRESS, Improvement.Status.DONE},
    Improvement.Status.IN_PROGRESS: {Improvement.Status.DONE},
    Improvement.Status.DONE: set(),
}


def _next_status(report: Report, action: str) -> str:
    target = TRANSITIONS.get((report.status, action))
    if target is None:
        raise Conflict(
            f"该反映当前为“{report.get_status_display()}”，不能{ACTION_NAMES[action]}",
            field="status",
        )
    return target


def _text(value: Any, field: str, label: str, *, required: bool, limit: int = MAX_TEXT) -> str:
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        raise ValidationFailed(f"请填写{label}", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 个字", field=field)
    return text


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def matter_lookup(value: Any, field: str = "matter") -> Matter | None:
    """A catalog matter by its code or exact name; None for an empty value."""
    if isinstance(value, Matter):
        return value
    text = ("" if value is None else str(value)).strip()
    if not text:
        return None
    matter = (
        Matter.objects.select_related("department").filter(code=text).first()
        or Matter.objects.select_related("department").filter(name=text).order_by("id").first()
    )
    if matter is None:
        raise ValidationFailed(f"事项目录中没有“{text[:40]}”，请从列表中选择或留空", field=field)
    return matter


def department_lookup(value: Any, field: str = "department") -> Department | None:
    if isinstance(value, Department):
        return value
    text = ("" if value is None else str(value)).strip()
    if not text:
        return None
    department = Department.objects.filter(code=text).first()
    if department is None:
        raise ValidationFailed(f"没有编码为 {text[:30]} 的部门", field=field)
    return department


def outlet_lookup(value: Any) -> Outlet | None:
    text = ("" if value is None else str(value)).strip()
    if not text:
        return None
    return Outlet.objects.filter(code=text[:40]).first()


# ---------------------------------------------------------------- signed links


def report_link_token(report: Report) -> str:
    """The token of the reporter's signed link (what an anonymous reporter keeps)."""
    return signing.dumps({"r": report.pk}, salt=LINK_SALT)


def report_from_token(token: str) -> Report:
    try:
        data = signing.loads(token, salt=LINK_SALT)
        report_id = int(data["r"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("链接无效或已失效", field="token") from None
    report = Report.objects.select_related("matter", "department", "outlet").filter(pk=report_id)
    found = report.first()
    if found is None:
        raise NotFound("链接无效或已失效", field="token")
    return found


# ---------------------------------------------------------------- notifications


def _notify_reporter(report: Report, text: str, *, template: str) -> None:
    """An in-platform message to the reporter's account and an SMS to the contact phone."""
    if report.reporter_id:
        Message.objects.create(user_id=report.reporter_id, text=text)
    if report.phone:
        outbox_enqueue(
            topic=SMS_TOPIC,
            destination=conf.sms_destination(),
            payload={
                "phone": report.phone,
                "template": template,
                "number": report.number,
                "text": f"【{settings.SITE_NAME}】{text}",
            },
        )


# ---------------------------------------------------------------- reports


def report_create(
    *,
    actor: Any,
    channel: str,
    obstacle: str,
    description: str,
    tried: str = "",
    matter: Any = None,
    name: str = "",
    phone: str = "",
    outlet: Any = None,
    today: dt.date | None = None,
) -> Report:
    """File a report. Online and by QR code: signed in, or anonymous with a phone for the
    answer. At the window: a clerk enters it for the person (phone required)."""
    signed_in = getattr(actor, "pk", None) is not None
    if channel not in Report.Channel.values:
        raise ValidationFailed("不支持该反映渠道", field="channel")
    if channel == Report.Channel.WINDOW and not (signed_in and policy.can_enter_reports(actor)):
        raise PermissionDeniedError("只有窗口人员可以代为登记反映", field="channel")
    if obstacle not in Obstacle.values:
        raise ValidationFailed("请选择卡在哪里", field="obstacle")
    description = _text(description, "description", "情况说明", required=True)
    tried = _text(tried, "tried", "想办的事", required=False, limit=500)
    name = _text(name, "name", "姓名", required=False, limit=50)
    matter_row = matter_lookup(matter)
    if not tried and matter_row is None:
        raise ValidationFailed("请写明想办的事，或从事项目录中选择", field="tried")
    phone = (phone or "").strip()
    reporter = None
    if channel != Report.Channel.WINDOW and signed_in:
        account = ApplicantAccount.objects.filter(user_id=actor.pk).first()
        reporter = actor
        if not phone and account is not None:
            phone = account.phone
    if phone:
        phone = validate_mobile(phone, "phone").number
    elif reporter is None:
        raise ValidationFailed("请留下手机号码，以便答复您", field="phone")
    if channel == Report.Channel.WINDOW and phone:
        # The person's own account, when they have one, sees it under 我的反映.
        account = ApplicantAccount.objects.filter(phone_index=blind_index(phone)).first()
        reporter = account.user if account is not None else None
    outlet_row = outlet if isinstance(outlet, Outlet) else outlet_lookup(outlet)
    day = _today(today)
    with transaction.atomic():
        report = Report.objects.create(
            channel=channel,
            outlet=outlet_row,
            reporter=reporter,
            entered_by=actor if channel == Report.Channel.WINDOW else None,
            name=name,
            phone=phone,
            phone_index=blind_index(phone) if phone else "",
            matter=matter_row,
            tried=tried,
            obstacle=obstacle,
            description=description,
            department=matter_row.department if matter_row else None,
            submitted_on=day,
            answer_due_on=add_working_days(day, conf.answer_days()),
            resolve_due_on=add_working_days(day, conf.resolve_days()),
        )
        report.number = f"BCS{day:%Y%m%d}{report.pk:06d}"
        report.save(update_fields=["number"])
        audit_append(
            action="reports.create",
            actor=actor if signed_in else "匿名",
            object_type="reports.report",
            object_id=report.pk,
            data={
                "number": report.number,
                "channel": channel,
                "obstacle": obstacle,
                "matter": matter_row.code if matter_row else "",
                "answer_due_on": report.answer_due_on,
                "resolve_due_on": report.resolve_due_on,
            },
        )
    return report


def _require_worker(staff: Any) -> None:
    if not policy.can_work_reports(staff):
        raise PermissionDeniedError("只有值班领导或管理员可以办理反映", field="staff")


def _locked(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",), no_key=True)
        .select_related("matter", "department")
        .get(pk=report.pk)
    )


def report_answer(*, report: Report, staff: Any, answer: str, department: Any = None) -> Report:
    """The duty leader's first answer to the reporter (and, optionally, the department that
    must act)."""
    _require_worker(staff)
    answer = _text(answer, "answer", "答复内容", required=True)
    department_row = department_lookup(department)
    with transaction.atomic():
        current = _locked(report)
        current.status = _next_status(current, "answer")
        current.answer = answer
        current.answered_at = timezone.now()
        current.answered_by = staff
        fields = ["status", "answer", "answered_at", "answered_by"]
        if department_row is not None:
            current.department = department_row
            fields.append("department")
        current.save(update_fields=fields)
        _notify_reporter(
            current,
            f"您反映的办不成事（{current.number}）已答复：{answer}",
            template="report_answer",
        )
        audit_append(
            action="reports.answer",
            actor=staff,
            object_type="reports.report",
            object_id=current.pk,
            data={
                "number": current.number,
                "on_time": timezone.localdate(current.answered_at) <= current.answer_due_on,
            },
        )
    return current


def report_resolve(*, report: Report, staff: Any, resolution: str) -> Report:
    """Record how the matter was resolved; the reporter is asked to rate it. Resolving an
    unanswered report counts as its first answer too."""
    _require_worker(staff)
    resolution = _text(resolution, "resolution", "办理结果", required=True)
    with transaction.atomic():
        current = _locked(report)
        current.status = _next_status(current, "resolve")
        now = timezone.now()
        fields = ["status", "resolution", "resolved_at", "resolved_by"]
        if current.answered_at is None:
            current.answer, current.answered_at, current.answered_by = resolution, now, staff
            fields += ["answer", "answered_at", "answered_by"]
        current.resolution = resolution
        current.resolved_at = now
        current.resolved_by = staff
        current.save(update_fields=fields)
        _notify_reporter(
            current,
            f"您反映的办不成事（{current.number}）已办结：{resolution}。请对办理结果进行评价。",
            template="report_resolved",
        )
        audit_append(
            action="reports.resolve",
            actor=staff,
            object_type="reports.report",
            object_id=current.pk,
            data={
                "number": current.number,
                "on_time": timezone.localdate(now) <= current.resolve_due_on,
            },
        )
    return current


def report_rate(
    *,
    report: Report,
    satisfaction: Any,
    comment: str = "",
    user: Any = None,
    via_link: bool = False,
) -> Report:
    """The reporter's 1–5 satisfaction closes a resolved report. Only the reporter (signed
    in) or the holder of the report's signed link may rate."""
    if not via_link and not policy.is_reporter(user, report):
        raise NotFound("反映不存在", field="id")
    try:
        level = int(satisfaction)
    except (TypeError, ValueError):
        raise ValidationFailed("满意度须为 1 至 5 的整数", field="satisfaction") from None
    if not 1 <= level <= 5:
        raise ValidationFailed("满意度须为 1 至 5 的整数", field="satisfaction")
    comment = _text(comment, "comment", "评价意见", required=False, limit=1000)
    with transaction.atomic():
        current = _locked(report)
        if current.status == Report.Status.CLOSED:
            raise Conflict("该反映已评价，不能重复评价", field="status")
        current.status = _next_status(current, "rate")
        current.satisfaction = level
        current.rating_comment = comment
        current.rated_at = timezone.now()
        current.save(update_fields=["status", "satisfaction", "rating_comment", "rated_at"])
        audit_append(
            action="reports.rate",
            actor=user if getattr(user, "pk", None) else "反映人(凭链接)",
            object_type="reports.report",
            object_id=current.pk,
            data={"number": current.number, "satisfaction": level},
        )
    return current


# ---------------------------------------------------------------- improvement items


def _due(value: Any, day: dt.date, field: str = "due_on") -> dt.date:
    if value in (None, ""):
        return add_working_days(day, conf.improvement_days())
    if isinstance(value, dt.date):
        due = value
    else:
        try:
            due = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationFailed("整改期限格式应为 年-月-日", field=field) from None
    if due < day:
        raise ValidationFailed("整改期限不能早于今天", field=field)
    return due


def _improvement(
    *,
    actor: Any,
    report: Report | None,
    walk: Walk | None,
    kind: str,
    problem: str,
    change: str,
    department: Any,
    due_on: Any,
    matter: Any,
    day: dt.date,
    prefix: str = "",
) -> Improvement:
    if kind not in Improvement.Kind.values:
        raise ValidationFailed("整改类别只能是事项清单整改或办事流程整改", field=f"{prefix}kind")
    problem = _text(problem, f"{prefix}problem", "问题", required=True)
    change = _text(change, f"{prefix}change", "整改要求", required=report is not None)
    department_row = department_lookup(department, f"{prefix}department")
    if department_row is None:
        raise ValidationFailed("请选择责任部门", field=f"{prefix}department")
    return Improvement.objects.create(
        report=report,
        walk=walk,
        kind=kind,
        matter=matter_lookup(matter, f"{prefix}matter"),
        problem=problem,
        change=change,
        department=department_row,
        due_on=_due(due_on, day, f"{prefix}due_on"),
        created_by=actor,
    )


def report_to_improvement(
    *,
    report: Report,
    staff: Any,
    kind: str,
    change: str,
    department: Any,
    due_on: Any = None,
    matter: Any = None,
    problem: str = "",
    today: dt.date | None = None,
) -> Improvement:
    """A rule behind the report must change: a catalog or process fix item, owned by a
    department, with a deadline (default YISHI_REPORT_IMPROVEMENT_WORKING_DAYS)."""
    _require_worker(staff)
    day = _today(today)
    with transaction.atomic():
        current = _locked(report)
        item = _improvement(
            actor=staff,
            report=current,
            walk=None,
            kind=kind,
            problem=problem or f"办不成事反映 {current.number}：{current.get_obstacle_display()}",
            change=change,
            department=department,
            due_on=due_on,
            matter=matter if matter not in (None, "") else current.matter,
            day=day,
        )
        audit_append(
            action="reports.improvement_create",
            actor=staff,
            object_type="reports.improvement",
            object_id=item.pk,
            data={
                "report": current.number,
                "department": item.department.code,
                "due_on": item.due_on,
            },
        )
    return item


def improvement_progress(
    *, item: Improvement, actor: Any, status: str, action_taken: str = ""
) -> Improvement:
    """Move an item on (待整改 → 整改中 → 已完成); done needs what was done."""
    if not policy.can_progress(actor, item):
        raise PermissionDeniedError(
            "只有责任部门负责人、值班领导或管理员可以登记整改", field="staff"
        )
    if status not in Improvement.Status.values:
        raise ValidationFailed("整改状态只能是整改中或已完成", field="status")
    action_taken = _text(
        action_taken, "action_taken", "整改情况", required=status == Improvement.Status.DONE
    )
    with transaction.atomic():
        current = Improvement.objects.select_for_update(of=("self",), no_key=True).get(pk=item.pk)
        if status not in ITEM_TRANSITIONS[current.status]:
            raise Conflict(
                f"该整改事项当前为“{current.get_status_display()}”，不能改为"
                f"“{Improvement.Status(status).label}”",
                field="status",
            )
        current.status = status
        fields = ["status"]
        if action_taken:
            current.action_taken = action_taken
            fields.append("action_taken")
        if status == Improvement.Status.DONE:
            current.done_at = timezone.now()
            fields.append("done_at")
        current.save(update_fields=fields)
        audit_append(
            action="reports.improvement_progress",
            actor=actor,
            object_type="reports.improvement",
            object_id=current.pk,
            data={"status": status},
        )
    return current


# ---------------------------------------------------------------- walks


LEADER_KINDS = (Walk.Kind.DIRECTOR_DAY, Walk.Kind.ACCOMPANY)


def walk_record(
    *,
    walker: Any,
    kind: str,
    walked_on: Any,
    steps: str,
    minutes: Any,
    matter: Any = None,
    matter_text: str = "",
    problems: list[dict[str, Any]] | None = None,
    today: dt.date | None = None,
) -> Walk:
    """Record a walk through a matter; each problem found (with an owner department and a
    deadline) becomes an improvement item."""
    if not policy.can_walk(walker):
        raise PermissionDeniedError("只有领导干部或政务服务体验员可以登记走流程", field="walker")
    if kind not in Walk.Kind.values:
        raise ValidationFailed("请选择走流程方式", field="kind")
    as_leader = policy.can_walk_as_leader(walker)
    if (
        kind == Walk.Kind.EXPERIENCE
        and not policy.is_officer(walker)
        and not has_role(walker, Role.ADMINISTRATOR)
    ):
        raise ValidationFailed("只有政务服务体验员可以登记体验走流程", field="kind")
    if kind in LEADER_KINDS and not as_leader:
        raise ValidationFailed("局长服务日和我陪群众走流程由领导干部登记", field="kind")
    day = _today(today)
    if isinstance(walked_on, dt.date):
        walk_day = walked_on
    else:
        try:
            walk_day = dt.date.fromisoformat(str(walked_on or "").strip())
        except ValueError:
            raise ValidationFailed("走流程日期格式应为 年-月-日", field="walked_on") from None
    if walk_day > day:
        raise ValidationFailed("走流程日期不能晚于今天", field="walked_on")
    steps = _text(steps, "steps", "办理经过", required=True)
    try:
        spent = int(minutes)
    except (TypeError, ValueError):
        raise ValidationFailed("用时须为分钟数", field="minutes") from None
    if not 1 <= spent <= 24 * 60 * 30:
        raise ValidationFailed("用时须在 1 分钟到 30 天之间", field="minutes")
    matter_row = matter_lookup(matter)
    matter_text = _text(matter_text, "matter_text", "事项说明", required=False, limit=200)
    if matter_row is None and not matter_text:
        raise ValidationFailed("请选择走流程的事项，或写明事项", field="matter")
    problems = [p for p in (problems or []) if str(p.get("problem") or "").strip()]
    if not isinstance(problems, list):
        raise ValidationFailed("发现的问题格式不正确", field="problems")
    from yishi.cases.services import staff_profile

    profile = staff_profile(walker)
    with transaction.atomic():
        walk = Walk.objects.create(
            kind=kind,
            walker=walker,
            department=profile.department if profile is not None else None,
            walked_on=walk_day,
            matter=matter_row,
            matter_text=matter_text,
            steps=steps,
            minutes=spent,
            problems="\n".join(str(p["problem"]).strip() for p in problems),
        )
        for n, found in enumerate(problems):
            _improvement(
                actor=walker,
                report=None,
                walk=walk,
                kind=found.get("kind") or Improvement.Kind.PROCESS,
                problem=found.get("problem", ""),
                change=found.get("change", ""),
                department=found.get("department")
                or (matter_row.department if matter_row else None),
                due_on=found.get("due_on"),
                matter=matter_row,
                day=day,
                prefix=f"problems.{n}.",
            )
        audit_append(
            action="reports.walk_record",
            actor=walker,
            object_type="reports.walk",
            object_id=walk.pk,
            data={"kind": kind, "items": len(problems), "minutes": spent},
        )
    return walk


def officer_enrol(*, staff: Any, phone: str) -> ExperienceOfficer:
    """Enrol the resident with this phone's applicant account as 政务服务体验员 (again, if
    they had stepped down)."""
    if not policy.can_enrol(staff):
        raise PermissionDeniedError("只有值班领导或管理员可以聘任体验员", field="staff")
    number = validate_mobile(phone, "phone").number
    account = ApplicantAccount.objects.filter(phone_index=blind_index(number)).first()
    if account is None:
        raise ValidationFailed("该手机号尚未注册申请人账号，请先注册", field="phone")
    with transaction.atomic():
        officer, created = ExperienceOfficer.objects.get_or_create(
            user=account.user, defaults={"enrolled_by": staff}
        )
        if not created and not officer.active:
            officer.active = True
            officer.enrolled_by = staff
            officer.save(update_fields=["active", "enrolled_by"])
        Message.objects.create(
            user=account.user,
            text="您已受聘为政务服务体验员，可在“我的反映”页面登记体验走流程。",
        )
        audit_append(
            action="reports.officer_enrol",
            actor=staff,
            object_type="reports.officer",
            object_id=officer.pk,
            data={"created": created},
        )
    return officer
