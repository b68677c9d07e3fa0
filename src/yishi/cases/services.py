"""Use cases of an application's life: submit, accept (one sub-case per matter, routed to its
department), 补正, refuse, hand over (首问负责), and the department decisions on sub-cases.

Every status change goes through yishi.cases.transitions. Dates default to today in
Asia/Shanghai; pass `today=` to pin them (tests, back-dated counter entries).

Outcome rule: when every sub-case is decided, the application completes if all were approved;
if one was refused the application ends refused (不予许可), its waiting dependents having been
cancelled because they can never start.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from yishi.cases import deadlines
from yishi.cases.models import Application, CaseEvent, Message, Pause, SubCase
from yishi.cases.transitions import Change, record_event, record_events, transition
from yishi.catalog.centres import centre_choice, centre_of_staff
from yishi.catalog.models import Matter, MatterVersion, StaffProfile
from yishi.core import rows
from yishi.core.audit import audit_append, audit_batch
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.events import event_record
from yishi.core.idempotency import idempotent
from yishi.core.outbox import case_key, outbox_enqueue
from yishi.core.roles import Role, has_role
from yishi.core.workdays import calendar_scope
from yishi.people.models import ApplicantAccount, Company, CompanyAgent
from yishi.people.queries import can_act_for
from yishi.themes.form import validate_form_for_answers
from yishi.themes.models import Theme, ThemeMatter
from yishi.themes.queries import theme_prepared
from yishi.themes.tailoring import prerequisites, select_applicable, validate_answers

SMS_TOPIC = "sms.case"
SUBMIT_SCOPE = "applications.submit"
WINDOW_ROLES = (Role.WINDOW, Role.ADMINISTRATOR)
REVIEW_ROLES = (Role.REVIEWER, Role.ADMINISTRATOR)
AS, SS = Application.Status, SubCase.Status
RUNNING = (SS.PENDING, SS.SUPPLEMENT_REQUESTED)


_UNSET = object()


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# ---------------------------------------------------------------- helpers


def staff_profile(user: Any) -> StaffProfile | None:
    """The user's staff profile, read once per user object (one request)."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    cached = getattr(user, "_yishi_staff_profile", _UNSET)
    if cached is _UNSET or cached[0] != user.pk:
        profile = rows.first(StaffProfile, user_id=user.pk)
        cached = (user.pk, profile)
        with contextlib.suppress(AttributeError):  # an object without attributes: no memo
            user._yishi_staff_profile = cached
    return cached[1]


def _require_window(staff: Any, application: Application | None = None) -> StaffProfile:
    """The window clerk's profile; NotFound when the application is another centre's (an
    administrator acts everywhere)."""
    profile = staff_profile(staff)
    if profile is None or not has_role(staff, *WINDOW_ROLES):
        raise PermissionDeniedError("只有窗口人员或管理员可以办理此操作", field="staff")
    if (
        application is not None
        and application.service_centre_id != centre_of_staff(profile)
        and not has_role(staff, Role.ADMINISTRATOR)
    ):
        raise NotFound("申请不存在", field="application")
    return profile


def _require_reviewer(subcase: SubCase, reviewer: Any) -> StaffProfile:
    """The reviewer's profile; NotFound (not 403) when the sub-case is not their department's,
    so that its existence is not revealed."""
    profile = staff_profile(reviewer)
    if profile is None or (
        profile.department_id != subcase.department_id
        and not has_role(reviewer, Role.ADMINISTRATOR)
    ):
        raise NotFound("子件不存在", field="subcase")
    if not has_role(reviewer, *REVIEW_ROLES):
        raise PermissionDeniedError("只有审批人员或管理员可以审批子件", field="reviewer")
    if subcase.partner_region:  # 跨域通办: the partner region decides, its answer comes signed
        raise Conflict(f"该子件由地区 {subcase.partner_region} 办理，本区不能审批", field="subcase")
    return profile


def _chosen_centre(code: str | None) -> int | None:
    centre = centre_choice(code)
    if code and centre is None:
        raise ValidationFailed(
            f"受理服务中心：没有编码为 {code} 的政务服务中心", field="service_centre"
        )
    return centre


def _clean_items(items: Any) -> list[str]:
    if not isinstance(items, list | tuple):
        raise ValidationFailed("需补正内容必须逐条列出", field="items")
    cleaned = [str(i).strip() for i in items if str(i).strip()]
    if not cleaned:
        raise ValidationFailed("请逐条写明需要补正的内容", field="items")
    return cleaned


def _required(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"请填写{label}", field=field)
    return value


def notify_applicant(
    application: Application,
    text: str,
    *,
    account: ApplicantAccount | None = None,
    topic: str = SMS_TOPIC,
    template: str = "case_status",
) -> None:
    """An in-platform message and an SMS (through the outbox) to the applicant."""
    rows.create(
        Message, keys=False, user_id=application.applicant_id, application=application, text=text
    )
    if account is None:
        account = rows.first(ApplicantAccount, user_id=application.applicant_id)
    phone = (account.phone if account else "") or application.person.phone
    if phone:
        outbox_enqueue(
            topic=topic,
            destination=settings.SMS_DESTINATION,
            payload={
                "phone": phone,
                "template": template,
                "number": application.number,
                "text": f"【{settings.SITE_NAME}】{text}",
            },
            keys=False,
            ordering_key=case_key(application.number),
        )


def _claim_first_owner(application: Application, staff: Any) -> None:
    if application.first_owner_id is None:
        application.first_owner = staff
        application.save(update_fields=["first_owner"])


def application_number(day: dt.date, pk: int) -> str:
    """YS + submission date + the row's serial: unique by construction, so concurrent
    submissions never wait for each other or collide (a per-day counter would)."""
    return f"YS{day:%Y%m%d}{pk:08d}"


# ---------------------------------------------------------------- submission


def _submit(
    *,
    user: Any,
    theme: Theme | None,
    matter: Matter | None,
    answers: Mapping[str, Any] | None,
    form_data: Any,
    company: Company | None,
    channel: str,
    staff: Any,
    today: dt.date,
    service_centre: str | None = None,
) -> Application:
    if (theme is None) == (matter is None):
        raise ValidationFailed("请选择一个一件事主题或一个事项（二者只能选一）", field="theme")
    account = rows.first(ApplicantAccount, user_id=getattr(user, "pk", None))
    if account is None:
        raise PermissionDeniedError("只有已注册的申请人可以提交申请", field="user")
    if channel not in Application.Channel.values:
        raise ValidationFailed("不支持该申请渠道", field="channel")
    if channel == Application.Channel.COUNTER:
        centre_id = centre_of_staff(_require_window(staff))
    else:
        centre_id = _chosen_centre(service_centre)
    if form_data is None:
        form_data = {}
    if not isinstance(form_data, dict):
        raise ValidationFailed("申请表内容格式不正确", field="form_data")
    if theme is not None:
        if theme.status != Theme.Status.PUBLISHED:
            raise ValidationFailed(f"主题「{theme.name}」未发布，不能申请", field="theme")
        # The shared cached structure validates; the application links the caller's row.
        prepared = theme_prepared(theme)
        # Validated once; the cleaned answers are what the checks below would compute again.
        cleaned_answers = validate_answers(prepared, answers)
        if not select_applicable(prepared.items.all(), cleaned_answers):
            raise ValidationFailed("按所选情形没有需要办理的事项", field="answers")
        cleaned_form = validate_form_for_answers(prepared, cleaned_answers, form_data)
        needs_company = theme.audience == Theme.Audience.COMPANY
    else:
        if matter.status != Matter.Status.PUBLISHED:
            raise ValidationFailed(f"事项「{matter.name}」未发布，不能申请", field="matter")
        cleaned_answers, cleaned_form = {}, dict(form_data)
        needs_company = matter.audience == Matter.Audience.COMPANY
    if company is not None and not can_act_for(user, company, CompanyAgent.Scope.APPLY):
        raise NotFound(f"企业 {company.uscc} 不存在或您未获授权代其办理", field="company")
    if needs_company and company is None:
        raise ValidationFailed("该事项面向法人，请选择申请企业", field="company")

    actor = staff or user
    # No savepoint when nested (an idempotent submission): an error here fails the caller's
    # whole transaction anyway.
    with transaction.atomic(savepoint=False), rows.deferring(), audit_batch():
        # Created submitted: a draft saved through drafts.py goes through transition("submit");
        # a direct submission has no draft state to leave.
        application = rows.create(
            Application,
            number=f"N{uuid.uuid4().hex[:19]}",  # replaced by the serial number below
            applicant=user,
            person_id=account.person_id,
            company=company,
            theme=theme,
            matter=matter,
            service_centre_id=centre_id,
            answers=cleaned_answers,
            form_data=cleaned_form,
            status=AS.SUBMITTED,
            submitted_at=timezone.now(),
            channel=channel,
            created_by=staff if channel == Application.Channel.COUNTER else None,
            first_owner=staff if channel == Application.Channel.COUNTER else None,
        )
        application.number = application_number(today, application.pk)
        rows.update(application, ["number"])
        record_event(application, None, "submit", AS.DRAFT, AS.SUBMITTED, actor=actor)
        if matter is not None and matter.instant_approval:
            # 秒批秒办: a higher app checks the matter's review points after commit.
            event_record(
                "cases.application.submitted",
                {"application_id": application.pk, "matter_id": matter.pk, "submitted_on": today},
                keys=False,
            )
        notify_applicant(
            application,
            f"您的申请「{application.title}」（{application.number}）已提交，等待受理。",
            account=account,
        )
    return application


def application_submit(
    *,
    user: Any,
    theme: Theme | None = None,
    matter: Matter | None = None,
    answers: Mapping[str, Any] | None = None,
    form_data: Any = None,
    company: Company | None = None,
    idempotency_key: str | None = None,
    channel: str = Application.Channel.ONLINE,
    staff: Any = None,
    today: dt.date | None = None,
    service_centre: str | None = None,
) -> Application:
    """Submit an application; with an Idempotency-Key a repeat returns the same one.
    `service_centre` is the code of the centre an online applicant picked (default: the
    district's); a counter application is handled at the clerk's centre."""
    day = _today(today)

    def submit() -> Application:
        return _submit(
            user=user,
            theme=theme,
            matter=matter,
            answers=answers,
            form_data=form_data,
            company=company,
            channel=channel,
            staff=staff,
            today=day,
            service_centre=service_centre,
        )

    if idempotency_key is None:  # _submit is one transaction of its own
        return submit()
    fresh: list[Application] = []

    def action() -> tuple[int, dict, int]:
        app = submit()
        fresh.append(app)
        return 201, {"number": app.number}, app.pk

    outcome = idempotent(
        key=idempotency_key,
        scope=SUBMIT_SCOPE,
        owner=f"user:{user.pk}",
        request={
            "theme": theme.code if theme else None,
            "matter": matter.code if matter else None,
            "answers": dict(answers or {}),
            "form_data": form_data if isinstance(form_data, dict) else form_data,
            "company": company.pk if company else None,
            "channel": channel,
            "service_centre": service_centre,
        },
        action=action,
    )
    if fresh and fresh[0].pk == int(outcome.resource_id):
        return fresh[0]
    return Application.objects.get(pk=int(outcome.resource_id))


# ---------------------------------------------------------------- window


def _versions_at(matter_ids: set[int], at: dt.datetime | None) -> dict[int, MatterVersion]:
    """Each matter's newest version published by `at` (any version when `at` is None), in
    one query; a matter without one is absent."""
    if not matter_ids:
        return {}
    ids = sorted(matter_ids)
    where, params = f'"matter_id" IN ({", ".join(["%s"] * len(ids))})', list(ids)
    if at is not None:
        where += ' AND "published_at" <= %s'
        params.append(connection.ops.adapt_datetimefield_value(at))
    newest: dict[int, MatterVersion] = {}
    found = rows.select(MatterVersion, where, params, suffix='ORDER BY "matter_id", "number" DESC')
    for version in found:
        newest.setdefault(version.matter_id, version)
    return newest


def _limits(matter: Matter, version: MatterVersion | None) -> tuple[int, int]:
    snapshot = version.snapshot if version is not None else {}
    promised = snapshot.get("promised_limit_days", matter.promised_limit_days) or 0
    legal = snapshot.get("legal_limit_days", matter.legal_limit_days) or promised
    return int(promised), int(max(legal, promised))


def _start_subcase(
    subcase: SubCase, *, day: dt.date, actor: Any, spans: list | None = None
) -> SubCase:
    if spans is None:
        spans = deadlines.pause_spans(subcase.application.pauses.all())
    return transition(
        subcase,
        "start",
        actor=actor,
        fields={
            "started_on": day,
            "promised_due": deadlines.due(day, subcase.promised_days, spans),
            "legal_due": deadlines.due(day, subcase.legal_days, spans),
        },
    )


def _plan(application: Application) -> list[tuple[ThemeMatter | None, Matter, list[int]]]:
    """(theme item, matter, indexes of the prerequisites in this list) per applicable matter,
    in theme order; from the theme's cached structure, so no query for a fresh theme."""
    if not application.theme_id:
        return [(None, application.matter, [])]
    theme = theme_prepared(application.theme)
    items = list(theme.items.all())
    if application.answers is not None:
        items = select_applicable(items, validate_answers(theme, application.answers))
    index = {item.pk: n for n, item in enumerate(items)}
    return [
        (item, item.matter, [index[p.pk] for p in prerequisites(item, items)]) for item in items
    ]


def _create_subcases(
    application: Application, plan: list, versions: dict[int, MatterVersion], *, day: dt.date
) -> list[SubCase]:
    """One sub-case per planned matter, created in its first status: those without
    prerequisites pending with their clock started on `day`, the others waiting. A fixed
    number of queries whatever the theme's size. No pause can exist yet: pauses begin after
    acceptance."""
    created = []
    for order, (item, matter, needs) in enumerate(plan):
        version = versions.get(matter.pk)
        promised, legal = _limits(matter, version)
        subcase = SubCase(
            application=application,
            theme_item=item,
            matter=matter,
            matter_version=version,
            department=matter.department,
            promised_days=promised,
            legal_days=legal,
            order=order,
        )
        if not needs:
            subcase.status = SS.PENDING
            subcase.started_on = day
            subcase.promised_due = deadlines.due(day, promised, [])
            subcase.legal_due = deadlines.due(day, legal, [])
        created.append(subcase)
    # PostgreSQL and SQLite >= 3.35 return the new primary keys from a bulk insert.
    rows.insert(created)
    through = SubCase.depends_on.through
    rows.insert(
        [
            through(from_subcase_id=subcase.pk, to_subcase_id=created[n].pk)
            for subcase, (_, _, needs) in zip(created, plan, strict=True)
            for n in needs
        ],
        keys=False,
    )
    for subcase, (_, _, needs) in zip(created, plan, strict=True):
        subcase.prerequisite_ids = [created[n].pk for n in needs]
    return created


def application_accept(
    *, application: Application, staff: Any, today: dt.date | None = None
) -> Application:
    """Accept: the legal clock starts, one sub-case per applicable matter goes to its
    department; those without prerequisites start now, the others wait. The returned
    application carries its new sub-cases as `new_subcases` (each with `prerequisite_ids`)."""
    day = _today(today)
    _require_window(staff, application)
    with calendar_scope():
        return _accept(application, staff, day)


def application_accept_auto(
    *, application: Application, rule: str, note: str, today: dt.date | None = None
) -> Application:
    """Acceptance decided by a machine rule (秒批秒办), not by window staff: `rule` names the
    deciding rule and is the audited actor; no first-inquiry owner is claimed."""
    day = _today(today)
    with calendar_scope():
        return _accept(application, None, day, actor=rule, note=note)


def _accept(
    application: Application, staff: Any, day: dt.date, *, actor: Any = None, note: str = ""
) -> Application:
    actor = actor or staff
    plan = _plan(application)
    versions = _versions_at({m.pk for _, m, _ in plan}, application.submitted_at)
    limits = [_limits(matter, versions.get(matter.pk)) for _, matter, _ in plan]
    needs = {n: wanted for n, (_, _, wanted) in enumerate(plan)}
    promised_chain = deadlines.longest_chain({n: lim[0] for n, lim in enumerate(limits)}, needs)
    legal_chain = deadlines.longest_chain({n: lim[1] for n, lim in enumerate(limits)}, needs)
    changes: list[Change] = []
    with transaction.atomic(), rows.deferring(), audit_batch():
        app = transition(
            application,
            "accept",
            actor=actor,
            note=note,
            claim_first_owner=staff,
            changes=changes,
            fields={
                "accepted_at": timezone.now(),
                "accepted_on": day,
                "supplement_items": [],
                "promised_chain_days": promised_chain,
                "legal_chain_days": legal_chain,
                "promised_due": deadlines.due(day, promised_chain, []),
                "legal_due": deadlines.due(day, legal_chain, []),
            },
        )
        subcases = _create_subcases(app, plan, versions, day=day)
        # The acceptance and the sub-cases started with it: one insert for the timeline.
        changes += [
            Change(app.pk, s.pk, "start", SS.WAITING, SS.PENDING)
            for s in subcases
            if s.status == SS.PENDING
        ]
        record_events(changes, actor=actor)
        notify_applicant(
            app,
            f"您的申请「{app.title}」（{app.number}）已受理，承诺办结日期 {app.promised_due}。",
        )
        # Higher apps act on it after commit (a signed commitment's clock starts).
        event_record(
            "cases.application.accepted",
            {"application_id": app.pk, "accepted_on": day},
            keys=False,
        )
    app.new_subcases = subcases
    return app


def application_request_supplement(
    *,
    application: Application,
    staff: Any,
    items: list[str],
    note: str = "",
    today: dt.date | None = None,
) -> Application:
    """补正: before acceptance the application waits for the applicant; after acceptance the
    clock of the whole application stops (a Pause) until the supplement comes back."""
    day = _today(today)
    _require_window(staff, application)
    wanted = _clean_items(items)
    listing = "；".join(f"{n}. {text}" for n, text in enumerate(wanted, 1))
    with transaction.atomic():
        current = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
        if current.status == AS.ACCEPTED:
            if current.pauses.filter(ended_on__isnull=True).exists():
                raise Conflict("该申请已在补正中，计时已暂停", field="status")
            app = transition(current, "pause", actor=staff, note=listing)
            Pause.objects.create(
                application=app,
                kind=Pause.Kind.SUPPLEMENT,
                items=wanted,
                started_on=day,
                reason=note,
            )
        else:
            app = transition(
                current,
                "request_supplement",
                actor=staff,
                note=listing,
                fields={"supplement_items": wanted},
            )
        _claim_first_owner(app, staff)
        notify_applicant(app, f"您的申请「{app.title}」（{app.number}）需要补正：{listing}。")
    return app


def recompute_deadlines(application: Application) -> None:
    """Every started deadline of the application again, with all closed pauses excluded."""
    spans = deadlines.pause_spans(application.pauses.all())
    for subcase in application.subcases.filter(started_on__isnull=False):
        subcase.promised_due = deadlines.due(subcase.started_on, subcase.promised_days, spans)
        subcase.legal_due = deadlines.due(subcase.started_on, subcase.legal_days, spans)
        subcase.save(update_fields=["promised_due", "legal_due"])
    if application.accepted_on is not None:
        application.promised_due = deadlines.due(
            application.accepted_on, application.promised_chain_days, spans
        )
        application.legal_due = deadlines.due(
            application.accepted_on, application.legal_chain_days, spans
        )
        application.save(update_fields=["promised_due", "legal_due"])


def application_supplement_provided(
    *, application: Application, user: Any, today: dt.date | None = None
) -> Application:
    """The applicant (or window staff for them) brings the supplement back: the clock runs
    again and every deadline moves by the paused working days."""
    day = _today(today)
    profile = staff_profile(user)
    is_window = profile is not None and has_role(user, *WINDOW_ROLES)
    if not is_window and application.applicant_id != getattr(user, "pk", None):
        raise NotFound("申请不存在", field="application")
    with transaction.atomic():
        current = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
        if current.status != AS.ACCEPTED:
            return transition(
                current, "provide_supplement", actor=user, fields={"supplement_items": []}
            )
        open_pauses = list(current.pauses.filter(ended_on__isnull=True))
        if not open_pauses:
            raise Conflict("该申请当前没有待补正的内容", field="status")
        for pause in open_pauses:
            if day < pause.started_on:
                raise ValidationFailed("补正日期早于暂停开始日期", field="today")
            pause.ended_on = day
            pause.save(update_fields=["ended_on"])
        app = transition(current, "resume", actor=user)
        for subcase in app.subcases.filter(status=SS.SUPPLEMENT_REQUESTED):
            transition(subcase, "provide_supplement", actor=user)
        recompute_deadlines(app)
        notify_applicant(app, f"您的申请「{app.title}」（{app.number}）补正已收到，恢复计时。")
    return app


def application_refuse(
    *, application: Application, staff: Any, reason: str, today: dt.date | None = None
) -> Application:
    _require_window(staff, application)
    reason = _required(reason, "reason", "不予受理的理由")
    with transaction.atomic():
        app = transition(application, "refuse", actor=staff, note=reason, fields={"reason": reason})
        _claim_first_owner(app, staff)
        notify_applicant(app, f"您的申请「{app.title}」（{app.number}）不予受理，理由：{reason}。")
    return app


def application_handover(
    *, application: Application, from_staff: Any, to_staff: Any
) -> Application:
    """首问负责 handed to another window staff member, on the record."""
    _require_window(from_staff, application)
    target = staff_profile(to_staff)
    if target is None or not has_role(to_staff, *WINDOW_ROLES):
        raise ValidationFailed("首问负责只能移交给窗口人员或管理员", field="to_staff")
    is_admin = has_role(from_staff, Role.ADMINISTRATOR)
    with transaction.atomic():
        current = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
        if current.first_owner_id not in (None, from_staff.pk) and not is_admin:
            raise PermissionDeniedError("只有首问负责人本人或管理员可以移交", field="from_staff")
        return transition(
            current,
            "handover",
            actor=from_staff,
            note=f"{from_staff.get_username()} → {to_staff.get_username()}",
            fields={"first_owner": to_staff},
        )


def application_suspend(
    *, application: Application, actor: Any, reason: str, today: dt.date | None = None
) -> Application:
    """A promise found false (告知承诺 broken, or supervision found it untrue): handling stops,
    and decisions already issued are suspended until the department revokes them. Called by
    the credit app; the applicant is told why."""
    reason = _required(reason, "reason", "中止的理由")
    with transaction.atomic():
        app = transition(
            application, "suspend", actor=actor, note=reason, fields={"reason": reason}
        )
        for subcase in app.subcases.filter(
            status__in=[SS.WAITING, SS.PENDING, SS.SUPPLEMENT_REQUESTED, SS.APPROVED]
        ):
            transition(subcase, "suspend", actor=actor, note=reason)
        notify_applicant(
            app, f"您的申请「{app.title}」（{app.number}）已中止办理，原因：{reason}。"
        )
    return app


def application_revoke(
    *, application: Application, actor: Any, reason: str, today: dt.date | None = None
) -> Application:
    """The department revokes the suspended decisions (撤销行政决定)."""
    reason = _required(reason, "reason", "撤销的理由")
    with transaction.atomic():
        app = transition(application, "revoke", actor=actor, note=reason, fields={"reason": reason})
        for subcase in app.subcases.filter(status=SS.SUSPENDED):
            transition(subcase, "revoke", actor=actor, note=reason)
        notify_applicant(
            app, f"您的申请「{app.title}」（{app.number}）的审批决定已撤销，原因：{reason}。"
        )
    return app


def case_note(
    *,
    application: Application,
    subcase: SubCase | None = None,
    actor: Any,
    action: str,
    note: str,
) -> CaseEvent:
    """A timeline entry that changes no status (a commitment signed, a supervision result
    flowing back to the approving department), audited like a transition."""
    note = _required(note, "note", "说明")
    if subcase is not None and subcase.application_id != application.pk:
        raise ValidationFailed("该子件不属于这件申请", field="subcase")
    user = actor if getattr(actor, "pk", None) is not None else None
    with transaction.atomic():
        event = CaseEvent.objects.create(
            application_id=application.pk,
            subcase_id=subcase.pk if subcase is not None else None,
            actor=user,
            action=action,
            from_status=(subcase or application).status,
            to_status=(subcase or application).status,
            note=note,
        )
        audit_append(
            action=f"cases.note.{action}",
            actor=actor or "",
            object_type="cases.application",
            object_id=application.pk,
            data={"subcase": event.subcase_id, "note": note},
        )
    return event


# ---------------------------------------------------------------- departments


def _advance(application: Application, *, day: dt.date, actor: Any) -> Application:
    """Start waiting sub-cases whose prerequisites are all approved, cancel those that can
    never start, and close the application when every sub-case is decided."""
    changed = True
    while changed:
        changed = False
        for subcase in application.subcases.filter(status=SS.WAITING).prefetch_related(
            "depends_on"
        ):
            statuses = {p.status for p in subcase.depends_on.all()}
            if SS.REFUSED in statuses:
                transition(subcase, "cancel", actor=actor, note="前置事项未获批准")
                changed = True
            elif statuses <= {SS.APPROVED}:
                _start_subcase(subcase, day=day, actor=actor)
                changed = True
    statuses = set(application.subcases.values_list("status", flat=True))
    if statuses and statuses <= {SS.APPROVED, SS.REFUSED}:
        now = timezone.now()
        if SS.REFUSED in statuses:
            application = transition(
                application, "conclude_refused", actor=actor, fields={"completed_at": now}
            )
            notify_applicant(
                application,
                f"您的申请「{application.title}」（{application.number}）已办结：部分事项不予许可。",
            )
        else:
            application = transition(
                application, "complete", actor=actor, fields={"completed_at": now}
            )
            notify_applicant(
                application,
                f"您的申请「{application.title}」（{application.number}）已全部办结。",
            )
    return application


def subcase_approve(
    *, subcase: SubCase, reviewer: Any, result_name: str, today: dt.date | None = None
) -> SubCase:
    day = _today(today)
    _require_reviewer(subcase, reviewer)
    return _approve(subcase, reviewer, day, result_name=result_name, actor=reviewer)


def subcase_approve_auto(
    *, subcase: SubCase, rule: str, result_name: str, note: str, today: dt.date | None = None
) -> SubCase:
    """Approval decided by a machine rule (秒批秒办): `rule` is the audited actor and the
    timeline note says which review points held; no reviewer is recorded."""
    return _approve(subcase, None, _today(today), result_name=result_name, actor=rule, note=note)


def _approve(
    subcase: SubCase,
    reviewer: Any,
    day: dt.date,
    *,
    result_name: str,
    actor: Any,
    note: str = "",
) -> SubCase:
    result_name = _required(result_name, "result_name", "办理结果名称")
    with transaction.atomic():
        app = Application.objects.select_for_update(no_key=True).get(pk=subcase.application_id)
        done = transition(
            subcase,
            "approve",
            actor=actor,
            note=note,
            fields={
                "decided_by": reviewer,
                "decided_at": timezone.now(),
                "result_name": result_name,
            },
        )
        notify_applicant(app, f"您申请的「{done.matter.name}」已办结，结果：{result_name}。")
        # Higher apps act on it after commit (supervision tasks, licences).
        event_record(
            "cases.subcase.approved",
            {
                "subcase_id": done.pk,
                "application_id": app.pk,
                "matter_id": done.matter_id,
                "department_id": done.department_id,
                "approved_on": day,
            },
        )
        _advance(app, day=day, actor=actor)
    return done


def subcase_refuse(
    *, subcase: SubCase, reviewer: Any, reason: str, today: dt.date | None = None
) -> SubCase:
    day = _today(today)
    _require_reviewer(subcase, reviewer)
    reason = _required(reason, "reason", "不予许可的理由")
    with transaction.atomic():
        app = Application.objects.select_for_update(no_key=True).get(pk=subcase.application_id)
        done = transition(
            subcase,
            "refuse",
            actor=reviewer,
            note=reason,
            fields={"decided_by": reviewer, "decided_at": timezone.now(), "reason": reason},
        )
        notify_applicant(app, f"您申请的「{done.matter.name}」不予许可，理由：{reason}。")
        # Higher apps act on it after commit (跨域通办 sends the decision to the partner).
        event_record(
            "cases.subcase.refused",
            {
                "subcase_id": done.pk,
                "application_id": app.pk,
                "matter_id": done.matter_id,
                "department_id": done.department_id,
                "refused_on": day,
            },
        )
        _advance(app, day=day, actor=reviewer)
    return done


def subcase_request_supplement(
    *,
    subcase: SubCase,
    reviewer: Any,
    items: list[str],
    note: str = "",
    today: dt.date | None = None,
) -> SubCase:
    """A department asks for 补正: the sub-case waits and the application's clock stops."""
    day = _today(today)
    _require_reviewer(subcase, reviewer)
    wanted = _clean_items(items)
    listing = "；".join(f"{n}. {text}" for n, text in enumerate(wanted, 1))
    with transaction.atomic():
        app = Application.objects.select_for_update(no_key=True).get(pk=subcase.application_id)
        if app.status == AS.ACCEPTED and app.pauses.filter(ended_on__isnull=True).exists():
            raise Conflict("该申请已在补正中，计时已暂停", field="status")
        done = transition(subcase, "request_supplement", actor=reviewer, note=listing)
        app = transition(app, "pause", actor=reviewer, note=listing)
        Pause.objects.create(
            application=app,
            subcase=done,
            kind=Pause.Kind.SUPPLEMENT,
            items=wanted,
            started_on=day,
            reason=note,
        )
        notify_applicant(app, f"您申请的「{done.matter.name}」需要补正：{listing}。")
    return done


def subcase_decide_by_partner(
    *,
    subcase: SubCase,
    partner_region: str,
    approved: bool,
    result_name: str = "",
    reason: str = "",
    today: dt.date | None = None,
) -> SubCase:
    """跨域通办: the region that decides the sub-case sent its decision through the signed
    exchange; the decision is recorded here with the region as the audited actor."""
    day = _today(today)
    actor = f"exchange:{partner_region}"
    if approved:
        return _approve(subcase, None, day, result_name=result_name, actor=actor)
    reason = _required(reason, "reason", "不予许可的理由")
    with transaction.atomic():
        app = Application.objects.select_for_update(no_key=True).get(pk=subcase.application_id)
        done = transition(
            subcase,
            "refuse",
            actor=actor,
            note=reason,
            fields={"decided_at": timezone.now(), "reason": reason},
        )
        notify_applicant(app, f"您申请的「{done.matter.name}」不予许可，理由：{reason}。")
        _advance(app, day=day, actor=actor)
    return done
