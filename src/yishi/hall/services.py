"""Use cases of the service hall: take a ticket, sign on a window, call next, recall,
no-show, transfer, serve, finish; appointments (book, cancel, check in, no-shows) and
green-channel requests. Each is one transaction, audited, and raises domain errors with
Chinese messages.

A green-channel claim made when taking a ticket gives no priority until it is verified:
against the registries for an identified person, or by a clerk who saw the documents
(`ticket_claim_confirm` / `ticket_claim_reject`). Until then the ticket is ordinary.

Calling rule (yishi.hall.policy): among the waiting tickets the window has the skill for,
the smallest `virtual_at` (arrival minus the priority bonus), then the smallest id. It is
picked and locked in one query (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL), so two
windows calling at once never get the same ticket; SQLite runs every transaction with
BEGIN IMMEDIATE, which serialises writers.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from yishi.cases.models import Application
from yishi.cases.services import staff_profile
from yishi.catalog.models import Matter
from yishi.core.audit import audit_append, audit_batch
from yishi.core.crypto import hmac_sm3_hex
from yishi.core.dates import full_years
from yishi.core.errors import (
    Conflict,
    NotFound,
    PermissionDeniedError,
    TooManyRequests,
    ValidationFailed,
)
from yishi.core.roles import Role, has_role
from yishi.hall import policy
from yishi.hall.models import (
    Appointment,
    AppointmentSlot,
    GreenChannelRequest,
    GreenReason,
    Outlet,
    Queue,
    Ticket,
    TicketCounter,
    Window,
    WindowSession,
)
from yishi.hall.policy import Priority
from yishi.hall.queries import bookable_matters, opening_hours_on
from yishi.people.models import Company, Person
from yishi.themes.models import Theme

TS = Ticket.Status
STAFF_ROLES = (Role.WINDOW, Role.ADMINISTRATOR)
ELDERLY_AGE = 60
SLOT_MINUTES = 30


def max_recalls() -> int:
    return int(getattr(settings, "YISHI_HALL_MAX_RECALLS", 3))


def no_show_limit() -> int:
    return int(getattr(settings, "YISHI_APPOINTMENT_NO_SHOW_LIMIT", 3))


def block_days() -> int:
    return int(getattr(settings, "YISHI_APPOINTMENT_BLOCK_DAYS", 30))


OPEN_TICKET_STATUSES = (
    Ticket.Status.WAITING,
    Ticket.Status.CALLED,
    Ticket.Status.SERVING,
    Ticket.Status.TRANSFERRED,
)


def client_key_for(value: str) -> str:
    """A keyed hash of a session key or an address: comparable, never reversible."""
    return hmac_sm3_hex(f"hall-client:{value}")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _audit(action: str, actor: Any, obj: Any, **data: Any) -> None:
    audit_append(
        action=f"hall.{action}",
        actor=actor or "",
        object_type=f"hall.{type(obj).__name__.lower()}",
        object_id=obj.pk,
        data=data,
    )


# ---------------------------------------------------------------- staff and windows


def require_staff(staff: Any, outlet: Outlet | None = None) -> None:
    """Window staff or administrators; staff bound to a service centre act only in the
    outlets of that centre."""
    if staff is None or getattr(staff, "pk", None) is None:
        raise PermissionDeniedError("请先以工作人员身份登录", field="staff")
    if getattr(staff, "is_superuser", False):
        return
    profile = staff_profile(staff)  # read once per user object
    if profile is None or not has_role(staff, *STAFF_ROLES):
        raise PermissionDeniedError("只有窗口人员或管理员可以办理此操作", field="staff")
    if (
        outlet is not None
        and profile.service_centre_id
        and outlet.department_id
        and outlet.department_id != profile.service_centre_id
    ):
        raise PermissionDeniedError("您不是该网点的工作人员", field="outlet")


def _is_staff_of(user: Any, outlet: Outlet) -> bool:
    try:
        require_staff(user, outlet)
    except PermissionDeniedError:
        return False
    return True


def _require_on_window(window: Window, staff: Any) -> None:
    if not WindowSession.objects.filter(
        window=window, staff_id=staff.pk, ended_at__isnull=True
    ).exists():
        raise PermissionDeniedError(f"您尚未在{window.label}上岗，请先上岗", field="window")


# Checks a higher app adds at ready() (training: 持证上岗), run before every sign-on as
# check(window=, staff=, now=): raise a DomainError to refuse, return warning texts to let on.
# Hall imports none of them; the warnings ride on the new session as `session.warnings`.
SIGN_ON_CHECKS: list[Any] = []


def register_sign_on_check(check: Any) -> None:
    if check not in SIGN_ON_CHECKS:
        SIGN_ON_CHECKS.append(check)


def window_sign_on(*, window: Window, staff: Any, now: dt.datetime | None = None) -> WindowSession:
    """Sign `staff` on at `window`, signing them off wherever else they were."""
    require_staff(staff, window.outlet)
    if not window.is_active:
        raise ValidationFailed("该窗口已停用", field="window")
    now = _now(now)
    warnings = [w for check in SIGN_ON_CHECKS for w in check(window=window, staff=staff, now=now)]
    try:
        with transaction.atomic(), audit_batch():
            WindowSession.objects.filter(staff_id=staff.pk, ended_at__isnull=True).update(
                ended_at=now
            )
            other = (
                WindowSession.objects.select_for_update(no_key=True)
                .filter(window=window, ended_at__isnull=True)
                .select_related("staff")
                .first()
            )
            if other is not None:
                raise Conflict(
                    f"{window.label}已有工作人员（{other.staff.get_username()}）上岗",
                    field="window",
                )
            session = WindowSession.objects.create(window=window, staff=staff, started_at=now)
            _audit("window.sign_on", staff, window, session=session.pk)
    except IntegrityError as exc:  # a concurrent sign-on won the race
        raise Conflict(f"{window.label}已有工作人员上岗", field="window") from exc
    session.warnings = warnings
    return session


def window_sign_off(*, window: Window, staff: Any, now: dt.datetime | None = None) -> None:
    now = _now(now)
    with transaction.atomic(), audit_batch():
        n = WindowSession.objects.filter(
            window=window, staff_id=staff.pk, ended_at__isnull=True
        ).update(ended_at=now)
        if not n:
            raise Conflict(f"您不在{window.label}上岗", field="window")
        _audit("window.sign_off", staff, window)


# ---------------------------------------------------------------- tickets


def _check_green_reason(
    reason: str, person: Person | None, company: Company | None, today: dt.date
) -> None:
    valid = {c.value for c in GreenChannelRequest.Reason}
    if reason not in valid:
        raise ValidationFailed("请选择绿色通道适用情形", field="reason")
    if (
        reason == GreenChannelRequest.Reason.ELDERLY
        and person is not None
        and full_years(person.birth_date, today) < ELDERLY_AGE
    ):
        raise ValidationFailed(
            f"按身份证号计算未满{ELDERLY_AGE}周岁，不适用老年人绿色通道", field="reason"
        )
    if (
        reason == GreenChannelRequest.Reason.DISABLED
        and person is not None
        and not person.disability_type
    ):
        raise ValidationFailed(
            "残疾人登记信息中未查到该申请人的残疾人证，请核验残疾人证原件后办理",
            field="reason",
        )
    if reason == GreenChannelRequest.Reason.KEY_PROJECT and company is None:
        raise ValidationFailed("重点项目企业绿色通道须指明企业", field="company")
    if (
        reason == GreenChannelRequest.Reason.KEY_PROJECT
        and company is not None
        and not company.key_project
    ):
        raise ValidationFailed(f"「{company.name}」未列入重点项目企业名单", field="company")


@dataclass(frozen=True)
class ClaimCheck:
    """What the registries say about a green-channel claim: a Ticket.Claim value and the
    Chinese sentence the holder reads (never the birth date or the disability itself)."""

    status: str
    message: str


def green_claim_check(
    reason: str, *, person: Person | None, company: Company | None, today: dt.date
) -> ClaimCheck:
    """Check a claim against an identified person's ID number and the registries: verified
    when they confirm it, rejected when they contradict it (age from the ID number), pending
    when only documents shown at a window can tell (no person, no registry for the reason, or
    a registry that may lag behind the certificate)."""
    C = Ticket.Claim
    if reason == GreenReason.ELDERLY:
        if person is None:
            return ClaimCheck(C.PENDING, "请到窗口出示身份证，经工作人员核验年龄后优先叫号")
        if full_years(person.birth_date, today) >= ELDERLY_AGE:
            return ClaimCheck(C.VERIFIED, f"已按身份证号核验：年满{ELDERLY_AGE}周岁")
        return ClaimCheck(C.REJECTED, f"按身份证号计算未满{ELDERLY_AGE}周岁，不适用老年人绿色通道")
    if reason == GreenReason.DISABLED:
        if person is None:
            return ClaimCheck(C.PENDING, "请到窗口出示残疾人证，经工作人员核验后优先叫号")
        if person.disability_type:
            return ClaimCheck(C.VERIFIED, "已在残疾人登记信息中核验残疾人证")
        return ClaimCheck(
            C.PENDING,
            "残疾人登记信息中未查到您的残疾人证，请到窗口出示残疾人证原件，"
            "经工作人员核验后优先叫号",
        )
    if reason == GreenReason.KEY_PROJECT and company is not None:
        if company.key_project:
            return ClaimCheck(C.VERIFIED, f"已核验：「{company.name}」列入重点项目企业名单")
        return ClaimCheck(C.REJECTED, f"「{company.name}」未列入重点项目企业名单")
    label = GreenReason(reason).label
    return ClaimCheck(C.PENDING, f"“{label}”须到窗口出示相关证明，经工作人员核验后优先叫号")


def _route_queue(
    outlet: Outlet,
    *,
    matter: Matter | None,
    theme: Theme | None,
    queue: Queue | None,
    green: bool,
) -> Queue:
    queues = Queue.objects.filter(outlet=outlet)
    found = None
    if green:
        found = queues.filter(is_green=True).first()
    if found is None and queue is not None:
        if queue.outlet_id != outlet.pk:
            raise ValidationFailed("该队列不属于本网点", field="queue")
        found = queue
    if found is None and matter is not None:
        found = queues.filter(matters=matter).first()
    if found is None and theme is not None:
        found = queues.filter(themes=theme).first()
    if found is None:
        found = queues.filter(is_general=True).first()
    if found is None:
        raise ValidationFailed("该网点尚未设置排队队列", field="outlet")
    return found


def _next_number(outlet: Outlet, day: dt.date, letter: str) -> str:
    """The next number of a queue today. The UPDATE locks the counter row until commit, so
    concurrent takers queue up on it and each reads its own value."""
    TicketCounter.objects.bulk_create(
        [TicketCounter(outlet=outlet, day=day, letter=letter)], ignore_conflicts=True
    )
    counter = TicketCounter.objects.filter(outlet=outlet, day=day, letter=letter)
    counter.update(last=F("last") + 1)
    last = counter.values_list("last", flat=True).get()
    return f"{letter}{last:03d}"


def ticket_take(
    *,
    outlet: Outlet,
    matter: Matter | None = None,
    theme: Theme | None = None,
    queue: Queue | None = None,
    priority: Priority | int = Priority.ORDINARY,
    green_reason: str = "",
    person: Person | None = None,
    company: Company | None = None,
    claim_verified_by: Any = None,
    channel: str = Ticket.Channel.KIOSK,
    actor: Any = "",
    now: dt.datetime | None = None,
    client_key: str = "",
    client_limit: int = 0,
) -> Ticket:
    """Issue a numbered ticket (A001, B002 …, unique per outlet and day). With `client_key`,
    a client already holding `client_limit` open tickets at the outlet today gets 429.

    `priority=GREEN` with `green_reason` is a claim, never a priority by itself: the ticket
    gets the green bonus only when the claim is verified — at once against the registries
    when `person` is identified (a signed-in applicant, or one the green-channel desk looked
    up), or by `claim_verified_by`, staff of the outlet who checked the documents. Otherwise
    it is ordinary and 待核验 until a clerk confirms it (`ticket_claim_confirm`), or 未通过核验
    when the registries contradict it."""
    if not outlet.is_active:
        raise ValidationFailed("该网点暂停服务", field="outlet")
    try:
        priority = Priority(int(priority))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("优先级无效", field="priority") from exc
    now = _now(now)
    today = timezone.localdate(now)
    claim = ClaimCheck("", "")
    checked_by = None
    if priority is Priority.GREEN:
        if green_reason not in GreenReason.values:
            raise ValidationFailed("请选择绿色通道适用情形", field="reason")
        if green_reason == GreenReason.KEY_PROJECT and company is None:
            raise ValidationFailed("重点项目企业绿色通道须指明企业", field="company")
        claim = green_claim_check(green_reason, person=person, company=company, today=today)
        if claim_verified_by is not None and claim.status != Ticket.Claim.REJECTED:
            require_staff(claim_verified_by, outlet)
            checked_by = claim_verified_by
            if claim.status != Ticket.Claim.VERIFIED:
                claim = ClaimCheck(Ticket.Claim.VERIFIED, "窗口工作人员已核验证明材料")
        # Only a verified claim is honoured in the calling order.
        if claim.status != Ticket.Claim.VERIFIED:
            priority = Priority.ORDINARY
    else:
        green_reason = ""
    # A claim still open goes to the green queue, where the green window can check it; one
    # the registries refused is an ordinary ticket of the business chosen.
    q = _route_queue(
        outlet,
        matter=matter,
        theme=theme,
        queue=queue,
        green=claim.status in (Ticket.Claim.PENDING, Ticket.Claim.VERIFIED),
    )
    if client_key and client_limit:
        held = Ticket.objects.filter(
            outlet=outlet, day=today, client_key=client_key, status__in=OPEN_TICKET_STATUSES
        ).count()
        if held >= client_limit:
            raise TooManyRequests(
                f"您在本网点已有 {held} 个尚未办理的排队号，请办理完成或过号后再取号",
                field="queue",
            )
    with transaction.atomic(), audit_batch():
        ticket = Ticket.objects.create(
            outlet=outlet,
            day=today,
            queue=q,
            number=_next_number(outlet, today, q.letter),
            channel=channel,
            matter=matter,
            theme=theme,
            priority=int(priority),
            green_reason=green_reason,
            claim=claim.status,
            claim_note=claim.message,
            claim_checked_by=checked_by,
            claim_checked_at=now if claim.status not in ("", Ticket.Claim.PENDING) else None,
            arrived_at=now,
            virtual_at=policy.virtual_arrival(now, priority),
            person=person,
            client_key=client_key,
        )
        _audit(
            "ticket.take",
            actor,
            ticket,
            number=ticket.number,
            outlet=outlet.code,
            priority=int(priority),
            reason=green_reason,
            claim=claim.status,
        )
    return ticket


def _claim_decide(
    ticket: Ticket, staff: Any, *, verified: bool, note: str, now: dt.datetime | None
) -> Ticket:
    require_staff(staff, ticket.outlet)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        t = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
        if not t.claim:
            raise Conflict(f"排队号 {t.number} 没有绿色通道申请", field="ticket")
        if t.claim != Ticket.Claim.PENDING:
            raise Conflict(
                f"排队号 {t.number} 的绿色通道申请当前为“{t.get_claim_display()}”，不能再次核验",
                field="ticket",
            )
        if t.status not in OPEN_TICKET_STATUSES:
            raise Conflict(
                f"排队号 {t.number} 当前状态为“{t.get_status_display()}”，不能核验",
                field="ticket",
            )
        t.claim_checked_by = staff
        t.claim_checked_at = now
        fields = ["claim", "claim_checked_by", "claim_checked_at", "claim_note"]
        if verified:
            t.claim = Ticket.Claim.VERIFIED
            t.claim_note = note or "窗口工作人员已核验证明材料"
            # From now on the calling order counts the bonus, from the real arrival.
            t.priority = int(Priority.GREEN)
            t.virtual_at = policy.virtual_arrival(t.arrived_at, Priority.GREEN)
            fields += ["priority", "virtual_at"]
        else:
            t.claim = Ticket.Claim.REJECTED
            t.claim_note = note or "经窗口工作人员核验，不符合绿色通道条件"
        t.save(update_fields=fields)
        _audit(
            "ticket.claim_confirm" if verified else "ticket.claim_reject",
            staff,
            t,
            number=t.number,
            reason=t.green_reason,
        )
    return t


def ticket_claim_confirm(
    *, ticket: Ticket, staff: Any, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """A clerk saw the documents and confirms a pending green-channel claim: the ticket gets
    the green priority and its virtual arrival is recomputed by the calling policy."""
    return _claim_decide(ticket, staff, verified=True, note=(note or "").strip()[:200], now=now)


def ticket_claim_reject(
    *, ticket: Ticket, staff: Any, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """A clerk refuses a pending green-channel claim: the ticket stays ordinary."""
    return _claim_decide(ticket, staff, verified=False, note=(note or "").strip()[:200], now=now)


def _skill_filter(window: Window) -> Q:
    """Waiting tickets this window may call, plus the tickets transferred to it. A remote
    window (远程虚拟窗口) calls only tickets taken remotely, and no counter calls those."""
    transferred = Q(status=TS.TRANSFERRED, window=window)
    remote = Q(channel=Ticket.Channel.REMOTE)
    waiting = Q(status=TS.WAITING) & (remote if window.kind == Window.Kind.REMOTE else ~remote)
    if window.serves_all:
        return waiting | transferred
    skills = Q(pk__in=[])
    queue_ids = list(window.queues.values_list("pk", flat=True))
    matter_ids = list(window.matters.values_list("pk", flat=True))
    theme_ids = list(window.themes.values_list("pk", flat=True))
    if queue_ids:
        skills |= Q(queue_id__in=queue_ids)
    if matter_ids:
        skills |= Q(matter_id__in=matter_ids)
    if theme_ids:
        skills |= Q(theme_id__in=theme_ids)
    return (waiting & skills) | transferred


def window_current(window: Window) -> Ticket | None:
    return (
        Ticket.objects.filter(window=window, status__in=[TS.CALLED, TS.SERVING])
        .order_by("-last_called_at")
        .first()
    )


def ticket_call_next(
    *, window: Window, staff: Any, finish_current: bool = False, now: dt.datetime | None = None
) -> Ticket | None:
    """Call the next ticket to `window`; None when nobody it can serve is waiting. With
    `finish_current` (办结并叫下一位) the ticket still open at the window is finished in the
    same transaction; without it an open ticket is a conflict."""
    require_staff(staff, window.outlet)
    _require_on_window(window, staff)
    now = _now(now)
    skills = _skill_filter(window)
    with transaction.atomic(), audit_batch():
        current = (
            Ticket.objects.select_for_update(no_key=True)
            .filter(window=window, status__in=[TS.CALLED, TS.SERVING])
            .first()
        )
        if current is not None:
            if not finish_current:
                raise Conflict(
                    f"当前号 {current.number} 尚未办结，请先办结、过号或转窗", field="window"
                )
            _finish(current, staff, now, None)
        ticket = (
            Ticket.objects.select_for_update(skip_locked=True, no_key=True)
            .filter(skills, outlet_id=window.outlet_id, day=timezone.localdate(now))
            .order_by("virtual_at", "id")
            .first()
        )
        if ticket is None:
            return None
        ticket.status = TS.CALLED
        ticket.window = window
        if ticket.called_at is None:
            ticket.called_at = now
        ticket.last_called_at = now
        ticket.recall_count = 0
        ticket.save(
            update_fields=["status", "window", "called_at", "last_called_at", "recall_count"]
        )
        _audit("ticket.call", staff, ticket, number=ticket.number, window=window.number)
    return ticket


def _locked_at_window(ticket: Ticket, staff: Any, allowed: set[str]) -> Ticket:
    """Re-read and lock the ticket; it must be at a window the staff member is on."""
    locked = (
        Ticket.objects.select_for_update(of=("self",), no_key=True)
        .select_related("window")
        .get(pk=ticket.pk)
    )
    if locked.window is None or locked.status not in allowed:
        raise Conflict(
            f"排队号 {locked.number} 当前状态为“{locked.get_status_display()}”，不能办理此操作",
            field="ticket",
        )
    _require_on_window(locked.window, staff)
    return locked


def ticket_recall(*, ticket: Ticket, staff: Any, now: dt.datetime | None = None) -> Ticket:
    """Call the holder again; after YISHI_HALL_MAX_RECALLS recalls the next one marks the
    ticket a no-show (过号)."""
    require_staff(staff, ticket.outlet)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        t = _locked_at_window(ticket, staff, {TS.CALLED})
        if t.recall_count >= max_recalls():
            t.status = TS.NO_SHOW
            t.finished_at = now
            t.save(update_fields=["status", "finished_at"])
            _audit("ticket.no_show", staff, t, number=t.number, recalls=t.recall_count)
        else:
            t.recall_count += 1
            t.last_called_at = now
            t.save(update_fields=["recall_count", "last_called_at"])
            _audit("ticket.recall", staff, t, number=t.number, recalls=t.recall_count)
    return t


def ticket_no_show(*, ticket: Ticket, staff: Any, now: dt.datetime | None = None) -> Ticket:
    require_staff(staff, ticket.outlet)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        t = _locked_at_window(ticket, staff, {TS.CALLED})
        t.status = TS.NO_SHOW
        t.finished_at = now
        t.save(update_fields=["status", "finished_at"])
        _audit("ticket.no_show", staff, t, number=t.number, recalls=t.recall_count)
    return t


def ticket_transfer(
    *, ticket: Ticket, to_window: Window, staff: Any, now: dt.datetime | None = None
) -> Ticket:
    """Hand the same ticket (same number, same place in line) to another window."""
    require_staff(staff, ticket.outlet)
    with transaction.atomic(), audit_batch():
        t = _locked_at_window(ticket, staff, {TS.CALLED, TS.SERVING})
        if to_window.outlet_id != t.outlet_id or not to_window.is_active:
            raise ValidationFailed("只能转到本网点启用中的窗口", field="to_window")
        if to_window.pk == t.window_id:
            raise ValidationFailed("不能转到当前窗口", field="to_window")
        from_number = t.window.number
        t.status = TS.TRANSFERRED
        t.window = to_window
        t.transfer_count += 1
        t.last_called_at = None
        t.served_started_at = None
        t.recall_count = 0
        t.save(
            update_fields=[
                "status",
                "window",
                "transfer_count",
                "last_called_at",
                "served_started_at",
                "recall_count",
            ]
        )
        _audit(
            "ticket.transfer",
            staff,
            t,
            number=t.number,
            to=to_window.number,
            **{"from": from_number},
        )
    return t


def ticket_serve_start(
    *,
    ticket: Ticket,
    staff: Any,
    person: Person | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    require_staff(staff, ticket.outlet)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        t = _locked_at_window(ticket, staff, {TS.CALLED})
        t.status = TS.SERVING
        t.served_started_at = now
        t.served_by = staff
        fields = ["status", "served_started_at", "served_by"]
        if person is not None:
            t.person = person
            fields.append("person")
        t.save(update_fields=fields)
        _audit("ticket.serve", staff, t, number=t.number)
    return t


def ticket_finish(
    *,
    ticket: Ticket,
    staff: Any,
    application: Application | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """End the service (a quick answer may finish straight from 'called'); records the
    application the counter opened or continued, if any."""
    require_staff(staff, ticket.outlet)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        t = _locked_at_window(ticket, staff, {TS.CALLED, TS.SERVING})
        _finish(t, staff, now, application)
    return t


def _finish(t: Ticket, staff: Any, now: dt.datetime, application: Application | None) -> None:
    """Finish a ticket already locked by the caller's transaction."""
    if t.served_started_at is None:
        t.served_started_at = now
        t.served_by = staff
    t.status = TS.DONE
    t.finished_at = now
    if application is not None:
        t.application = application
        if t.person_id is None:
            t.person_id = application.person_id
    t.save(
        update_fields=[
            "status",
            "finished_at",
            "served_started_at",
            "served_by",
            "application",
            "person",
        ]
    )
    _audit(
        "ticket.finish",
        staff,
        t,
        number=t.number,
        application=application.number if application else "",
    )


def ticket_link_application(*, ticket: Ticket, staff: Any, number: str) -> Ticket:
    """Record which application (办件) the ticket served, by its number."""
    require_staff(staff, ticket.outlet)
    application = Application.objects.filter(number=(number or "").strip()).first()
    if application is None:
        raise ValidationFailed("申请编号不存在", field="application")
    with transaction.atomic(), audit_batch():
        t = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
        t.application = application
        if t.person_id is None:
            t.person_id = application.person_id
        t.save(update_fields=["application", "person"])
        _audit("ticket.link", staff, t, number=t.number, application=application.number)
    return t


# ---------------------------------------------------------------- appointments


def appointment_slots_open(
    *, outlet: Outlet, matter: Matter, day: dt.date, capacity: int = 2
) -> list[AppointmentSlot]:
    """Create the half-hour slots of `day` within the outlet's opening hours (idempotent;
    none on a public holiday, see queries.opening_hours_on)."""
    if capacity < 1:
        raise ValidationFailed("每个时段至少可约1人", field="capacity")
    tz = timezone.get_current_timezone()
    slots = []
    for start, end in opening_hours_on(outlet, day):
        t = dt.datetime.combine(day, start, tzinfo=tz)
        stop = dt.datetime.combine(day, end, tzinfo=tz)
        while t + dt.timedelta(minutes=SLOT_MINUTES) <= stop:
            slots.append(
                AppointmentSlot(outlet=outlet, matter=matter, starts_at=t, capacity=capacity)
            )
            t += dt.timedelta(minutes=SLOT_MINUTES)
    with transaction.atomic():
        AppointmentSlot.objects.bulk_create(slots, ignore_conflicts=True)
    return list(
        AppointmentSlot.objects.filter(
            outlet=outlet, matter=matter, starts_at__in=[s.starts_at for s in slots]
        )
    )


def appointment_slots_open_bookable(
    *, outlet: Outlet, first_day: dt.date, days: int, capacity: int = 2
) -> int:
    """Open the half-hour slots of `days` days from `first_day` for every matter bookable at
    the outlet (queries.bookable_matters: handled at one of its windows). Idempotent;
    returns how many slots the days hold for those matters."""
    tz = timezone.get_current_timezone()
    slots = []
    matters = list(bookable_matters(outlet))
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        for start, end in opening_hours_on(outlet, day):
            t = dt.datetime.combine(day, start, tzinfo=tz)
            stop = dt.datetime.combine(day, end, tzinfo=tz)
            while t + dt.timedelta(minutes=SLOT_MINUTES) <= stop:
                slots.extend(
                    AppointmentSlot(outlet=outlet, matter=m, starts_at=t, capacity=capacity)
                    for m in matters
                )
                t += dt.timedelta(minutes=SLOT_MINUTES)
    with transaction.atomic():
        AppointmentSlot.objects.bulk_create(slots, ignore_conflicts=True, batch_size=2000)
    return len(slots)


def appointment_blocked_until(user: Any, now: dt.datetime) -> dt.date | None:
    """The day booking opens again for a user with too many recent no-shows, else None."""
    since = now - dt.timedelta(days=block_days())
    starts = list(
        Appointment.objects.filter(
            user_id=user.pk, status=Appointment.Status.NO_SHOW, slot__starts_at__gte=since
        )
        .order_by("-slot__starts_at")
        .values_list("slot__starts_at", flat=True)
    )
    if len(starts) < no_show_limit():
        return None
    # Blocked until the limit-th most recent no-show leaves the window.
    return timezone.localdate(starts[no_show_limit() - 1] + dt.timedelta(days=block_days()))


def appointment_book(
    *,
    user: Any,
    slot: AppointmentSlot,
    person: Person | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    now = _now(now)
    if user is None or getattr(user, "pk", None) is None:
        raise PermissionDeniedError("请先登录再预约", field="user")
    if slot.starts_at <= now:
        raise ValidationFailed("该时段已开始或已过，不能预约", field="slot")
    until = appointment_blocked_until(user, now)
    if until is not None:
        raise Conflict(
            f"您近{block_days()}天内预约未到已达{no_show_limit()}次，"
            f"{until:%Y年%m月%d日}前不能在线预约",
            field="user",
            code="appointment_blocked",
        )
    with transaction.atomic(), audit_batch():
        if Appointment.objects.filter(
            slot=slot, user_id=user.pk, status=Appointment.Status.BOOKED
        ).exists():
            raise Conflict("您已预约该时段", field="slot")
        # A conditional increment: concurrent bookings never exceed the capacity.
        if not AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
            booked=F("booked") + 1
        ):
            raise Conflict("该时段已约满，请选择其他时段", field="slot")
        appointment = Appointment.objects.create(
            slot=slot,
            user=user,
            person=person,
            code=secrets.token_hex(4).upper(),
            booked_at=now,
        )
        _audit("appointment.book", user, appointment, slot=slot.pk)
    return appointment


def appointment_cancel(
    *, appointment: Appointment, user: Any, now: dt.datetime | None = None
) -> Appointment:
    now = _now(now)
    with transaction.atomic(), audit_batch():
        a = (
            Appointment.objects.select_for_update(no_key=True)
            .select_related("slot")
            .get(pk=appointment.pk)
        )
        if a.user_id != getattr(user, "pk", None):
            raise NotFound("预约不存在", field="appointment")
        if a.status != Appointment.Status.BOOKED:
            raise Conflict(f"预约当前为“{a.get_status_display()}”，不能取消", field="appointment")
        if a.slot.starts_at <= now:
            raise Conflict("预约时段已开始，不能取消", field="appointment")
        a.status = Appointment.Status.CANCELLED
        a.cancelled_at = now
        a.save(update_fields=["status", "cancelled_at"])
        AppointmentSlot.objects.filter(pk=a.slot_id).update(booked=F("booked") - 1)
        _audit("appointment.cancel", user, a)
    return a


def appointment_check_in(
    *, appointment: Appointment, actor: Any = "", now: dt.datetime | None = None
) -> Ticket:
    """Turn a booking into a ticket on arrival: on time (by the policy's grace) it gets
    appointment priority; late it becomes an ordinary ticket."""
    now = _now(now)
    with transaction.atomic(), audit_batch():
        a = (
            Appointment.objects.select_for_update(of=("self",), no_key=True)
            .select_related("slot__outlet", "slot__matter", "person")
            .get(pk=appointment.pk)
        )
        if a.status != Appointment.Status.BOOKED:
            raise Conflict(f"预约当前为“{a.get_status_display()}”，不能签到", field="appointment")
        if timezone.localdate(a.slot.starts_at) != timezone.localdate(now):
            raise ValidationFailed("只能在预约当天签到", field="appointment")
        on_time = policy.appointment_on_time(a.slot.starts_at, now)
        ticket = ticket_take(
            outlet=a.slot.outlet,
            matter=a.slot.matter,
            priority=Priority.APPOINTMENT if on_time else Priority.ORDINARY,
            person=a.person,
            channel=Ticket.Channel.APPOINTMENT,
            actor=actor,
            now=now,
        )
        a.status = Appointment.Status.CHECKED_IN if on_time else Appointment.Status.LATE
        a.checked_in_at = now
        a.ticket = ticket
        a.save(update_fields=["status", "checked_in_at", "ticket"])
        _audit("appointment.check_in", actor, a, on_time=on_time, ticket=ticket.number)
    return ticket


def appointment_mark_no_shows(*, now: dt.datetime | None = None) -> int:
    """Bookings whose slot ended without a check-in become no-shows (run by a periodic task)."""
    now = _now(now)
    cutoff = now - dt.timedelta(minutes=SLOT_MINUTES)
    with transaction.atomic(), audit_batch():
        ids = list(
            Appointment.objects.select_for_update(no_key=True)
            .filter(status=Appointment.Status.BOOKED, slot__starts_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        Appointment.objects.filter(pk__in=ids).update(status=Appointment.Status.NO_SHOW)
        if ids:
            audit_append(
                action="hall.appointment.no_show",
                object_type="hall.appointment",
                data={"ids": ids},
            )
    return len(ids)


# ---------------------------------------------------------------- green channel


def green_request_create(
    *,
    outlet: Outlet,
    service: str,
    reason: str,
    person: Person | None = None,
    company: Company | None = None,
    contact_name: str = "",
    address: str = "",
    note: str = "",
    matter: Matter | None = None,
    issue_ticket: bool = False,
    actor: Any = "",
    now: dt.datetime | None = None,
) -> GreenChannelRequest:
    """Request 陪同办/代理办/优先办/上门办 for an eligible person or company; with
    `issue_ticket` a green-channel ticket is taken at once (for 优先办 at the hall)."""
    now = _now(now)
    if service not in {c.value for c in GreenChannelRequest.Service}:
        raise ValidationFailed("请选择服务方式（陪同办/代理办/优先办/上门办）", field="service")
    if reason == GreenChannelRequest.Reason.ELDERLY and person is None:
        raise ValidationFailed("老年人绿色通道须登记身份证号以核验年龄", field="person")
    _check_green_reason(reason, person, company, timezone.localdate(now))
    if person is None and company is None and not contact_name.strip():
        raise ValidationFailed("请填写服务对象或联系人", field="contact_name")
    if service == GreenChannelRequest.Service.HOME and not address.strip():
        raise ValidationFailed("上门办须填写上门地址", field="address")
    with transaction.atomic(), audit_batch():
        ticket = None
        if issue_ticket:
            # Staff registering at the desk have checked the documents: their ticket is
            # verified by them; anyone else's waits for a clerk like any other claim.
            ticket = ticket_take(
                outlet=outlet,
                matter=matter,
                priority=Priority.GREEN,
                green_reason=reason,
                person=person,
                company=company,
                claim_verified_by=actor if _is_staff_of(actor, outlet) else None,
                channel=Ticket.Channel.STAFF,
                actor=actor,
                now=now,
            )
        request = GreenChannelRequest.objects.create(
            outlet=outlet,
            service=service,
            reason=reason,
            person=person,
            company=company,
            contact_name=contact_name.strip(),
            address=address.strip(),
            note=note.strip(),
            matter=matter,
            ticket=ticket,
            requested_at=now,
        )
        _audit("green.request", actor, request, service=service, reason=reason)
    return request


def green_request_assign(
    *, request: GreenChannelRequest, staff: Any, assignee: Any, now: dt.datetime | None = None
) -> GreenChannelRequest:
    require_staff(staff, request.outlet)
    require_staff(assignee, request.outlet)
    now = _now(now)
    with transaction.atomic(), audit_batch():
        r = GreenChannelRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        if r.status not in {
            GreenChannelRequest.Status.REQUESTED,
            GreenChannelRequest.Status.ASSIGNED,
        }:
            raise Conflict(f"该服务当前为“{r.get_status_display()}”，不能指派", field="request")
        r.status = GreenChannelRequest.Status.ASSIGNED
        r.assigned_to = assignee
        r.assigned_at = now
        r.save(update_fields=["status", "assigned_to", "assigned_at"])
        _audit("green.assign", staff, r, assignee=assignee.get_username())
    return r


def green_request_complete(
    *, request: GreenChannelRequest, staff: Any, result: str, now: dt.datetime | None = None
) -> GreenChannelRequest:
    require_staff(staff, request.outlet)
    if not (result or "").strip():
        raise ValidationFailed("请填写办理结果", field="result")
    now = _now(now)
    with transaction.atomic(), audit_batch():
        r = GreenChannelRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
        if r.status != GreenChannelRequest.Status.ASSIGNED:
            raise Conflict("须先指派责任人，再办结", field="request")
        if r.assigned_to_id != staff.pk and not getattr(staff, "is_superuser", False):
            raise PermissionDeniedError("只有责任人可以办结该服务", field="staff")
        r.status = GreenChannelRequest.Status.DONE
        r.completed_at = now
        r.result = result.strip()
        r.save(update_fields=["status", "completed_at", "result"])
        _audit("green.complete", staff, r)
    return r
