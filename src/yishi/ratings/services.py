"""好差评 use cases: rating a target, the invitation of an unrated completed application, and
each step of a 差评's follow-up. Every write is one function and one transaction; each rating
and each follow-up step is pushed through the outbox (yishi.ratings.pushes) in the same
transaction. A comment may hold personal data: it is stored encrypted and never logged or
audited."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from yishi.assist.models import AssistRequest
from yishi.cases.models import Application
from yishi.cases.services import notify_applicant
from yishi.catalog.centres import district_centre_id
from yishi.catalog.models import Department
from yishi.core.audit import audit_append
from yishi.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDeniedError,
    ValidationFailed,
)
from yishi.core.workdays import add_working_days
from yishi.hall.models import Outlet, Ticket
from yishi.ratings import access, conf, pushes
from yishi.ratings.models import POOR_LEVELS, FollowUp, IndicatorSet, Invitation, Level, Rating

COMMENT_MAX = 500
LINK_SALT = "yishi.ratings.link"
K, S = Rating.Kind, Rating.Stage
STAGES = {K.APPLICATION: (S.ACCEPT, S.COMPLETE), K.TICKET: (S.SERVICE,), K.ASSIST: (S.SERVICE,)}
STAGES[K.PORTAL] = (S.SERVICE,)


class SignInRequired(DomainError):
    status = 401
    code = "unauthenticated"
    title = "未登录"


@dataclass
class Target:
    """What is rated, resolved and access-checked: its key, what it is, who answers for it."""

    kind: str
    key: str
    channel: str  # IndicatorSet.Channel
    department_id: int | None
    outlet_id: int | None = None
    application: Application | None = None
    ticket: Ticket | None = None
    assist_request: AssistRequest | None = None

    @property
    def ref(self) -> str:
        return self.key.partition(":")[2]


# ---------------------------------------------------------------- targets


def _centre_outlet(centre_id: int | None) -> int | None:
    if centre_id is None:
        return None
    return (
        Outlet.objects.filter(department_id=centre_id, is_active=True)
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )


def application_target(application: Application) -> Target:
    """An application's target; its department decides the matter (a theme: the centre that
    handles it), its outlet is where it was served at the counter."""
    if application.matter_id:
        department_id = application.matter.department_id
    else:
        department_id = application.service_centre_id or district_centre_id()
    ticket = application.hall_tickets.order_by("id").first()
    if ticket is not None:
        outlet_id = ticket.outlet_id
    elif application.channel == Application.Channel.COUNTER:
        outlet_id = _centre_outlet(application.service_centre_id)
    else:
        outlet_id = None
    online = application.channel == Application.Channel.ONLINE
    return Target(
        kind=K.APPLICATION,
        key=f"application:{application.number}",
        channel=IndicatorSet.Channel.ONLINE if online else IndicatorSet.Channel.OFFLINE,
        department_id=department_id,
        outlet_id=outlet_id,
        application=application,
    )


def ticket_target(ticket: Ticket) -> Target:
    return Target(
        kind=K.TICKET,
        key=f"ticket:{ticket.token}",
        channel=IndicatorSet.Channel.OFFLINE,
        department_id=ticket.outlet.department_id or district_centre_id(),
        outlet_id=ticket.outlet_id,
        ticket=ticket,
    )


def ticket_by_token(token: str) -> Ticket:
    try:
        key = uuid.UUID(str(token))
    except ValueError as exc:
        raise NotFound("排队号不存在", field="ref") from exc
    ticket = Ticket.objects.select_related("outlet", "queue").filter(token=key).first()
    if ticket is None:
        raise NotFound("排队号不存在", field="ref")
    return ticket


def _portal_department() -> int | None:
    """The portal answers to the district's data bureau (数据局) when the catalog has one,
    else to the district's service centre."""
    bureau = (
        Department.objects.filter(name__contains="数据局", region__code=settings.DISTRICT_CODE)
        .order_by("code")
        .values_list("pk", flat=True)
        .first()
    )
    return bureau or district_centre_id()


def target_for(*, kind: str, ref: str, user: Any) -> Target:
    """Resolve and check a target named in a request. A ticket's token is its own proof;
    anything else needs a signed-in user, who must be the person served (else 404)."""
    if kind not in K.values:
        raise ValidationFailed("评价对象类别须为办件、排队号、帮办代办或平台", field="kind")
    ref = str(ref or "").strip()
    if kind == K.TICKET:
        return ticket_target(ticket_by_token(ref))
    if not getattr(user, "is_authenticated", False):
        raise SignInRequired("请先登录后再评价；凭排队号评价大厅服务无需登录。")
    if kind == K.APPLICATION:
        application = Application.objects.select_related("matter").filter(number=ref[:40]).first()
        if application is None or not access.may_rate_application(user, application):
            raise NotFound("办件不存在", field="ref")
        return application_target(application)
    if kind == K.ASSIST:
        request = None
        if ref.isdigit() and len(ref) < 18:
            request = (
                AssistRequest.objects.select_related("account")
                .filter(pk=int(ref), account__user_id=user.pk)
                .first()
            )
        if request is None:
            raise NotFound("帮办代办请求不存在", field="ref")
        return Target(
            kind=K.ASSIST,
            key=f"assist:{request.pk}",
            channel=IndicatorSet.Channel.ONLINE
            if request.channel in (AssistRequest.Channel.CHAT, AssistRequest.Channel.CALLBACK)
            else IndicatorSet.Channel.OFFLINE,
            department_id=request.department_id or district_centre_id(),
            assist_request=request,
        )
    if ref != "portal":
        raise ValidationFailed("评价平台时对象标识须为 portal", field="ref")
    return Target(
        kind=K.PORTAL,
        key=f"portal:{user.pk}",
        channel=IndicatorSet.Channel.ONLINE,
        department_id=_portal_department(),
    )


def _check_stage(target: Target, stage: str) -> None:
    """A stage exists only once the state it rates was reached (受理 after acceptance, 办结
    after completion, a ticket after its service started, help after its conclusion)."""
    if stage not in STAGES[target.kind]:
        allowed = "、".join(S(s).label for s in STAGES[target.kind])
        raise ValidationFailed(f"该对象只能在以下环节评价：{allowed}", field="stage")
    if target.application is not None:
        app = target.application
        if stage == S.ACCEPT and app.accepted_at is None:
            raise Conflict("该申请尚未受理，受理后才能评价受理环节", field="stage")
        if stage == S.COMPLETE and app.status != Application.Status.COMPLETED:
            raise Conflict("该申请尚未办结，办结后才能评价办结环节", field="stage")
    if target.ticket is not None and target.ticket.served_started_at is None:
        raise Conflict("该排队号尚未办理，办理后才能评价", field="stage")
    if target.assist_request is not None and target.assist_request.status not in (
        AssistRequest.Status.RESOLVED,
        AssistRequest.Status.UNRESOLVED,
    ):
        raise Conflict("帮办代办尚未办结，办结后才能评价", field="stage")


def current_set(channel: str) -> IndicatorSet:
    found = IndicatorSet.objects.filter(channel=channel, active=True).order_by("-version").first()
    if found is None:
        raise Conflict("评价指标体系未配置", field="indicators")
    return found


def _clean_level(level: Any) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or level not in Level.values:
        raise ValidationFailed(
            "评价等级须为 1（非常不满意）至 5（非常满意）之间的整数", field="level"
        )
    return level


def _clean_indicators(level: int, indicators: Any, indicator_set: IndicatorSet) -> list[str]:
    items = [str(i).strip() for i in (indicators or []) if str(i).strip()]
    unknown = [i for i in items if i not in indicator_set.indicators]
    if unknown:
        allowed = "、".join(indicator_set.indicators)
        raise ValidationFailed(
            f"不满意指标“{unknown[0][:20]}”不在本次评价的指标中（{allowed}）", field="indicators"
        )
    if level in POOR_LEVELS and not items:
        raise ValidationFailed(
            "差评（不满意、非常不满意）须至少选择一项不满意指标", field="indicators"
        )
    # A satisfied rating names no failed indicator: keep the data consistent.
    return list(dict.fromkeys(items)) if level in POOR_LEVELS else []


def _clean_comment(comment: Any) -> str:
    text = str(comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(f"评价意见不能超过 {COMMENT_MAX} 字", field="comment")
    return text


def local_day(at: dt.datetime) -> dt.date:
    return timezone.localdate(at)


# ---------------------------------------------------------------- rating


def rating_submit(
    *,
    target: Target,
    stage: str,
    level: Any,
    indicators: Any = (),
    comment: Any = "",
    user: Any = None,
    source: str = Rating.Source.API,
) -> Rating:
    """Record one rating of `target` at `stage`; a 差评 opens its follow-up. The same target
    and stage again is a Conflict, also when two submissions race (the unique constraint)."""
    level = _clean_level(level)
    _check_stage(target, stage)
    indicator_set = current_set(target.channel)
    failed = _clean_indicators(level, indicators, indicator_set)
    text = _clean_comment(comment)
    duplicate = Conflict("该事项在此环节已评价过，每个环节只能评价一次", field="stage")
    rater = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        if Rating.objects.filter(target_key=target.key, stage=stage).exists():
            raise duplicate
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    kind=target.kind,
                    target_key=target.key,
                    stage=stage,
                    level=level,
                    indicator_set=indicator_set,
                    failed_indicators=failed,
                    comment=text,
                    source=source,
                    application=target.application,
                    ticket=target.ticket,
                    assist_request=target.assist_request,
                    user=rater,
                    department_id=target.department_id,
                    outlet_id=target.outlet_id,
                )
        except IntegrityError as exc:
            raise duplicate from exc
        audit_append(
            action="rating.create",
            actor=rater or "排队号持有人",
            object_type="rating",
            object_id=rating.pk,
            data={
                "kind": rating.kind,
                "stage": stage,
                "level": level,
                "indicators": failed,
                "has_comment": bool(text),
            },
        )
        pushes.push_rating(rating)
        if rating.poor:
            followup = _open_followup(rating)
            pushes.push_followup(followup, "opened")
    return rating


def followup_deadlines(rated_on: dt.date) -> tuple[dt.date, dt.date]:
    """(回访 due, 整改 due): working days counted from the day after the rating."""
    return add_working_days(rated_on, conf.visit_days()), add_working_days(
        rated_on, conf.rectify_days()
    )


def _open_followup(rating: Rating) -> FollowUp:
    visit_due, due = followup_deadlines(local_day(rating.created_at))
    return FollowUp.objects.create(
        rating=rating,
        department_id=rating.department_id,
        visit_due_on=visit_due,
        due_on=due,
        created_at=rating.created_at,
    )


# ---------------------------------------------------------------- follow-up


def _locked(followup: FollowUp) -> FollowUp:
    return (
        FollowUp.objects.select_for_update(no_key=True).select_related("rating").get(pk=followup.pk)
    )


def _require_handler(staff: Any, followup: FollowUp) -> None:
    if not access.may_handle(staff, followup):
        raise PermissionDeniedError("只有责任部门负责人可以办理该差评", field="followup")


def _text(value: Any, field: str, label: str, limit: int = 1000) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(f"请填写{label}", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 字", field=field)
    return text


def _audit(event: str, staff: Any, followup: FollowUp, **data: Any) -> None:
    audit_append(
        action=event,
        actor=staff,
        object_type="rating_followup",
        object_id=followup.pk,
        data={"status": followup.status, **data},
    )


def followup_visit(*, followup: FollowUp, staff: Any, outcome: str) -> FollowUp:
    """回访核实: the call back to the person and what it found."""
    _require_handler(staff, followup)
    outcome = _text(outcome, "outcome", "回访核实情况")
    with transaction.atomic():
        f = _locked(followup)
        if f.status != FollowUp.Status.OPEN:
            raise Conflict(
                f"该差评当前为“{f.get_status_display()}”，不能再登记回访", field="status"
            )
        f.status = FollowUp.Status.VISITED
        f.visited_at = timezone.now()
        f.visited_by = staff
        f.visit_outcome = outcome
        f.save(update_fields=["status", "visited_at", "visited_by", "visit_outcome"])
        _audit("rating.followup.visit", staff, f)
        pushes.push_followup(f, "visited")
    return f


def followup_handle(*, followup: FollowUp, staff: Any, action: str, note: str) -> FollowUp:
    """立行立改 / 限期整改 (what was done) or 情况说明 (where the law leaves no room), after
    the visit."""
    _require_handler(staff, followup)
    if action not in FollowUp.Action.values:
        raise ValidationFailed("处理方式须为立行立改、限期整改或情况说明", field="action")
    label = "情况说明" if action == FollowUp.Action.EXPLAINED else "整改措施"
    note = _text(note, "note", label)
    with transaction.atomic():
        f = _locked(followup)
        if f.status == FollowUp.Status.OPEN:
            raise Conflict("请先完成回访核实，再登记整改或情况说明", field="status")
        if f.status != FollowUp.Status.VISITED:
            raise Conflict(f"该差评当前为“{f.get_status_display()}”，不能登记整改", field="status")
        now = timezone.now()
        f.status = (
            FollowUp.Status.EXPLAINED
            if action == FollowUp.Action.EXPLAINED
            else FollowUp.Status.RECTIFIED
        )
        f.action = action
        f.action_note = note
        f.handled_at = now
        f.handled_on = timezone.localdate(now)
        f.handled_by = staff
        f.save(
            update_fields=[
                "status",
                "action",
                "action_note",
                "handled_at",
                "handled_on",
                "handled_by",
            ]
        )
        _audit("rating.followup.handle", staff, f, action=action)
        pushes.push_followup(f, f.status)
    return f


def followup_appeal(*, followup: FollowUp, staff: Any, reason: str) -> FollowUp:
    """申诉复核: the department holds the rating unfounded or malicious; a supervisor decides."""
    _require_handler(staff, followup)
    reason = _text(reason, "reason", "申诉理由")
    with transaction.atomic():
        f = _locked(followup)
        if f.status not in (FollowUp.Status.OPEN, FollowUp.Status.VISITED):
            raise Conflict(f"该差评当前为“{f.get_status_display()}”，不能申诉", field="status")
        f.status_before_appeal = f.status
        f.status = FollowUp.Status.APPEALED
        f.appeal_reason = reason
        f.appealed_at = timezone.now()
        f.save(update_fields=["status", "status_before_appeal", "appeal_reason", "appealed_at"])
        _audit("rating.followup.appeal", staff, f)
        pushes.push_followup(f, "appealed")
    return f


def followup_decide(*, followup: FollowUp, staff: Any, upheld: bool, note: str = "") -> FollowUp:
    """A supervisor's decision on an appeal: upheld removes the rating from every figure and
    closes the follow-up; rejected puts the follow-up back where it was."""
    if not access.may_decide_appeal(staff):
        raise PermissionDeniedError("申诉复核由监管人员决定", field="followup")
    note = str(note or "").strip()[:1000]
    with transaction.atomic():
        f = _locked(followup)
        if f.status != FollowUp.Status.APPEALED:
            raise Conflict("该差评没有待复核的申诉", field="status")
        f.appeal_upheld = bool(upheld)
        f.appeal_note = note
        f.appeal_decided_at = timezone.now()
        f.appeal_decided_by = staff
        f.status = FollowUp.Status.CLOSED if upheld else f.status_before_appeal
        f.save(
            update_fields=[
                "appeal_upheld",
                "appeal_note",
                "appeal_decided_at",
                "appeal_decided_by",
                "status",
            ]
        )
        if upheld:
            Rating.objects.filter(pk=f.rating_id).update(excluded=True)
            f.rating.excluded = True
        _audit("rating.followup.decide", staff, f, upheld=bool(upheld))
        pushes.push_followup(f, "appeal_upheld" if upheld else "appeal_rejected")
    return f


# ---------------------------------------------------------------- links and invitations


def link_token(application: Application, stage: str = S.COMPLETE) -> str:
    """A signed link that lets the applicant rate `application` at `stage` without signing
    in; it names the application by its id only and expires (conf.link_days)."""
    return signing.dumps({"a": application.pk, "s": stage}, salt=LINK_SALT, compress=True)


def link_read(token: str) -> tuple[Application, str]:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=conf.link_days() * 86400)
    except signing.SignatureExpired as exc:
        raise NotFound("评价链接已过期，请登录后在“我的申请”中评价", field="token") from exc
    except signing.BadSignature as exc:
        raise NotFound("评价链接无效", field="token") from exc
    application = Application.objects.select_related("matter").filter(pk=data.get("a")).first()
    if application is None or data.get("s") not in (S.ACCEPT, S.COMPLETE):
        raise NotFound("评价链接无效", field="token")
    return application, data["s"]


def link_url(application: Application, stage: str = S.COMPLETE) -> str:
    path = reverse("ratings:signed", kwargs={"token": link_token(application, stage)})
    return f"{getattr(settings, 'YISHI_PUBLIC_URL', '').rstrip('/')}{path}"


def invitations_send(*, now: dt.datetime | None = None) -> int:
    """Invite each application completed at least conf.invite_days() ago, unrated at 办结 and
    never invited, with one message and one SMS; returns how many were sent."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=conf.invite_days())
    rated = Rating.objects.filter(kind=K.APPLICATION, stage=S.COMPLETE).values("application_id")
    due = (
        Application.objects.filter(status=Application.Status.COMPLETED, completed_at__lte=cutoff)
        .exclude(pk__in=rated)
        .exclude(rating_invitation__isnull=False)
        .order_by("id")
    )
    sent = 0
    for application in due.iterator():
        with transaction.atomic():
            try:
                with transaction.atomic():
                    Invitation.objects.create(application=application, sent_at=now)
            except IntegrityError:
                continue  # another run invited it meanwhile
            notify_applicant(
                application,
                f"您的申请 {application.number}（{application.title}）已办结，"
                f"欢迎对本次服务作出评价：{link_url(application)}",
                template="rating_invite",
            )
            audit_append(
                action="rating.invite",
                object_type="application",
                object_id=application.number,
            )
        sent += 1
    return sent
