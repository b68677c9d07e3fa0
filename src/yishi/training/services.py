"""Use cases of training and 持证上岗: generate courses and question banks from the catalog,
start and submit an exam (scored at once; a pass at a certificate level issues the
certificate), enter a certificate, the 综合窗口 sign-on check, and work guides (generated as
version 1, each edit a new version). Each write is one transaction and is audited."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yishi.catalog.models import Matter
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.roles import Role, has_role, roles_of
from yishi.training import conf, guides
from yishi.training.models import (
    Attempt,
    Certificate,
    CertificateLevel,
    Course,
    Exam,
    Question,
    WorkGuide,
    WorkGuideVersion,
)
from yishi.training.scoring import Marked, score

GENERAL_WINDOW = "general"  # hall.Window.Kind.GENERAL, compared by value: hall is below us
MAX_GUIDE_CHARS = 50_000


def _audit(action: str, actor: Any, obj: Any, **data: Any) -> None:
    audit_append(
        action=f"training.{action}",
        actor=actor or "",
        object_type=f"training.{type(obj).__name__.lower()}",
        object_id=obj.pk,
        data=data,
    )


def is_staff_member(user: Any) -> bool:
    """Anyone holding a staff role (window, review, supervision, leads, administrators)."""
    return bool(roles_of(user))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------- certificates


def valid_certificate(user: Any, day: dt.date) -> Certificate | None:
    """The user's valid certificate that runs longest on `day`, or None."""
    return (
        Certificate.objects.filter(
            user_id=user.pk, revoked=False, issued_on__lte=day, expires_on__gte=day
        )
        .select_related("level")
        .order_by("-expires_on", "-id")
        .first()
    )


def expiring_certificates(day: dt.date, *, users: Any = None) -> Any:
    """Valid certificates that expire within the warning period (YISHI_CERTIFICATE_WARN_DAYS)."""
    until = day + dt.timedelta(days=conf.expiry_warn_days())
    qs = Certificate.objects.filter(
        revoked=False, issued_on__lte=day, expires_on__gte=day, expires_on__lte=until
    )
    if users is not None:
        qs = qs.filter(user__in=users)
    return qs.select_related("level", "user").order_by("expires_on", "id")


def _certificate_number(level: CertificateLevel, day: dt.date) -> str:
    return f"ZWCK-{level.code.upper()}-{day:%Y%m%d}-{random.SystemRandom().randrange(10**6):06d}"  # noqa: S311


def certificate_issue(
    *,
    user: Any,
    level: CertificateLevel,
    issued_on: dt.date,
    expires_on: dt.date | None = None,
    number: str = "",
    attempt: Attempt | None = None,
    actor: Any = None,
) -> Certificate:
    """Issue (a pass) or enter (an administrator) a certificate."""
    expires_on = expires_on or _add_years(issued_on, conf.certificate_years())
    if expires_on < issued_on:
        raise ValidationFailed("有效期至不能早于发证日期", field="expires_on")
    source = Certificate.Source.EXAM if attempt is not None else Certificate.Source.ENTERED
    for _ in range(5):
        try:
            with transaction.atomic():
                cert = Certificate.objects.create(
                    user=user,
                    level=level,
                    number=number.strip() or _certificate_number(level, issued_on),
                    issued_on=issued_on,
                    expires_on=expires_on,
                    source=source,
                    attempt=attempt,
                )
                _audit("certificate.issue", actor or user, cert, level=level.code)
                return cert
        except IntegrityError as exc:
            if number.strip():
                raise Conflict("证书编号已存在", field="number") from exc
    raise Conflict("证书编号生成冲突，请重试", field="number")


def sign_on_check(*, window: Any, staff: Any, now: dt.datetime) -> list[str]:
    """持证上岗 at a 综合窗口 (registered with the hall at ready()): refuse or warn by the
    gate setting; warn too when the certificate expires soon."""
    mode = conf.certificate_gate()
    if mode == "off" or window.kind != GENERAL_WINDOW:
        return []
    day = timezone.localdate(now)
    cert = valid_certificate(staff, day)
    if cert is None:
        message = (
            "综合窗口实行持证上岗：您没有有效的行政办事员（政务服务综合窗口办事员）职业技能等级证书"
        )
        if mode == "block":
            raise PermissionDeniedError(message + "，不能在综合窗口上岗", field="window")
        return [message + "，请尽快参加培训考核取得证书"]
    left = (cert.expires_on - day).days
    if left <= conf.expiry_warn_days():
        return [
            f"您的职业技能等级证书（{cert.number}）将于 {cert.expires_on:%Y-%m-%d} 到期，剩余 {left} 天，请及时复训换证"
        ]
    return []


# ---------------------------------------------------------------- exams


def exam_start(*, exam: Exam, user: Any, now: dt.datetime | None = None) -> Attempt:
    if not is_staff_member(user):
        raise PermissionDeniedError("只有工作人员可以参加考试", field="exam")
    if not exam.is_active:
        raise Conflict("该考试未开放", field="exam")
    now = now or timezone.now()
    ids = list(exam.questions.order_by("id").values_list("id", flat=True))
    if not ids:
        raise Conflict("该考试还没有试题", field="exam")
    with transaction.atomic():
        open_attempt = (
            Attempt.objects.select_for_update(no_key=True)
            .filter(exam=exam, user_id=user.pk, submitted_at__isnull=True, deadline_at__gt=now)
            .first()
        )
        if open_attempt is not None:
            return open_attempt
        attempt = Attempt.objects.create(
            exam=exam,
            user=user,
            question_ids=ids,
            started_at=now,
            deadline_at=now + dt.timedelta(minutes=exam.time_limit_minutes),
        )
        _audit("exam.start", user, attempt, exam=exam.code)
    return attempt


def attempt_submit(
    *, attempt: Attempt, user: Any, answers: dict[str, Any], now: dt.datetime | None = None
) -> Attempt:
    """Score the attempt; answers after the time limit count as not answered (a late paper
    scores 0). A pass at an exam with a level issues the certificate."""
    if attempt.user_id != user.pk:
        raise NotFound("未找到该考试记录", field="attempt")
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(no_key=True).select_related("exam").get(pk=attempt.pk)
        )
        if attempt.submitted_at is not None:
            raise Conflict("该试卷已交卷", field="attempt")
        late = now > attempt.deadline_at
        questions = Question.objects.filter(pk__in=attempt.question_ids)
        marked = [Marked(str(q.pk), frozenset(q.answer), q.points) for q in questions]
        kept = {} if late else {str(k): v for k, v in answers.items()}
        attempt.answers = kept
        attempt.score = score(marked, kept)
        attempt.passed = not late and attempt.score >= attempt.exam.pass_mark
        attempt.late = late
        attempt.submitted_at = now
        attempt.save(update_fields=["answers", "score", "passed", "late", "submitted_at"])
        _audit("exam.submit", user, attempt, score=attempt.score, passed=attempt.passed)
        if attempt.passed and attempt.exam.level_id:
            certificate_issue(
                user=user,
                level=attempt.exam.level,
                issued_on=timezone.localdate(now),
                attempt=attempt,
            )
    return attempt


# ---------------------------------------------------------------- courses and question banks

LIMIT_CHOICES = (0, 1, 3, 5, 7, 10, 15, 20, 30)


def _limit_options(right: int) -> list[int]:
    others = [d for d in LIMIT_CHOICES if d != right]
    rng = random.Random(right)  # noqa: S311 - distractors, not secrets
    return sorted([right, *rng.sample(others, 3)])


def _matter_questions(matter: Matter, course: Course) -> list[Question]:
    made = []
    options = _limit_options(matter.promised_limit_days)
    spec = [
        (
            f"m{matter.pk}-promised",
            Question.Kind.SINGLE,
            f"「{matter.name}」的承诺办结时限是多少个工作日？",
            [f"{d} 个工作日" for d in options],
            [options.index(matter.promised_limit_days)],
        ),
        (
            f"m{matter.pk}-fee",
            Question.Kind.TRUE_FALSE,
            f"办理「{matter.name}」需要收费。",
            ["对", "错"],
            [0 if matter.fee_required else 1],
        ),
    ]
    materials = list(matter.materials.order_by("order", "id")[:6])
    if len(materials) >= 2:
        spec.append(
            (
                f"m{matter.pk}-required",
                Question.Kind.MULTIPLE,
                f"办理「{matter.name}」时，以下哪些是必需材料？",
                [m.name for m in materials],
                [n for n, m in enumerate(materials) if m.required],
            )
        )
    for code, kind, text, choices, answer in spec:
        q, _ = Question.objects.update_or_create(
            code=code,
            defaults={
                "course": course,
                "kind": kind,
                "text": text,
                "choices": choices,
                "answer": answer,
                "explanation": f"见《{matter.name}》办事指南与工作指引。",
            },
        )
        made.append(q)
    return made


def courses_generate(*, matters: Any = None, actor: Any = None) -> list[Course]:
    """One course per work guide (its text) and per published matter (with its question
    bank), one per active policy; idempotent (keyed by code), free courses are untouched."""
    from yishi.policies.models import Policy

    courses = []
    with transaction.atomic():
        for g in WorkGuide.objects.select_related("matter", "theme"):
            current = g.current
            c, _ = Course.objects.update_or_create(
                code=f"guide-{g.pk}",
                defaults={
                    "title": g.title,
                    "kind": Course.Kind.GUIDE,
                    "body": current.body if current else "",
                    "matter": g.matter,
                    "theme": g.theme,
                    "order": 10,
                },
            )
            courses.append(c)
        qs = matters if matters is not None else Matter.objects.filter(status="published")
        for m in qs.select_related("department"):
            body = (
                f"事项：{m.name}（{m.code}）\n实施主体：{m.department.name}\n"
                f"受理条件：{m.conditions}\n办理流程：{m.process}\n"
                f"办结时限：法定 {m.legal_limit_days if m.legal_limit_days is not None else '未规定'}"
                f"，承诺 {m.promised_limit_days} 个工作日"
            )
            c, _ = Course.objects.update_or_create(
                code=f"matter-{m.pk}",
                defaults={"title": f"事项要素：{m.name}", "kind": Course.Kind.MATTER, "body": body,
                          "matter": m, "order": 20},
            )  # fmt: skip
            _matter_questions(m, c)
            courses.append(c)
        for p in Policy.objects.filter(active=True):
            c, _ = Course.objects.update_or_create(
                code=f"policy-{p.pk}",
                defaults={"title": f"政策：{p.name}", "kind": Course.Kind.POLICY,
                          "body": "\n".join(x for x in (p.description, p.basis) if x) or p.name,
                          "policy": p, "order": 30},
            )  # fmt: skip
            courses.append(c)
        audit_append(action="training.courses.generate", actor=actor or "system",
                     data={"courses": len(courses)})  # fmt: skip
    return courses


def exam_generate(
    *,
    code: str,
    title: str,
    level: CertificateLevel | None,
    questions: Any,
    time_limit_minutes: int = 30,
    pass_mark: int = 60,
) -> Exam:
    if not 0 < pass_mark <= 100:
        raise ValidationFailed("合格分数应在 1 到 100 之间", field="pass_mark")
    with transaction.atomic():
        exam, _ = Exam.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "level": level,
                "time_limit_minutes": time_limit_minutes,
                "pass_mark": pass_mark,
            },
        )
        exam.questions.set(questions)
    return exam


# ---------------------------------------------------------------- work guides


def may_edit_guide(user: Any, guide: WorkGuide) -> bool:
    """The lead department's 部门负责人 (the theme's 牵头部门, the matter's 实施主体), or an
    administrator."""
    if has_role(user, Role.ADMINISTRATOR):
        return True
    if not has_role(user, Role.DEPARTMENT_LEAD):
        return False
    profile = getattr(user, "staff_profile", None)
    return profile is not None and profile.department_id == guide.department_id


def guide_generate(*, theme: Any = None, matter: Any = None, actor: Any = None) -> WorkGuide:
    """The guide of a theme or a matter, written as version 1 when it does not exist yet;
    an existing guide is returned unchanged (its versions belong to the lead department)."""
    if (theme is None) == (matter is None):
        raise ValidationFailed("请指定一件事主题或事项之一", field="theme")
    with transaction.atomic():
        if theme is not None:
            guide, created = WorkGuide.objects.get_or_create(
                theme=theme,
                defaults={"department_id": theme.lead_department_id,
                          "title": f"“{theme.name}”一件事工作指引与操作规程"},
            )  # fmt: skip
            body = guides.theme_guide_text(theme) if created else ""
        else:
            guide, created = WorkGuide.objects.get_or_create(
                matter=matter,
                defaults={"department_id": matter.department_id,
                          "title": f"《{matter.name}》工作指引与操作规程"},
            )  # fmt: skip
            body = guides.matter_guide_text(matter) if created else ""
        if created:
            WorkGuideVersion.objects.create(
                guide=guide, number=1, body=body, generated=True, note="根据事项与主题数据生成"
            )
            WorkGuide.objects.filter(pk=guide.pk).update(version=1)
            guide.version = 1
            _audit("guide.generate", actor or "system", guide)
    return guide


def guides_generate_all(*, actor: Any = None) -> int:
    from yishi.themes.models import Theme

    n = 0
    for theme in Theme.objects.filter(status="published").select_related("lead_department"):
        guide_generate(theme=theme, actor=actor)
        n += 1
    for matter in Matter.objects.filter(status="published").select_related("department"):
        guide_generate(matter=matter, actor=actor)
        n += 1
    return n


def guide_edit(*, guide: WorkGuide, user: Any, body: str, note: str = "") -> WorkGuideVersion:
    """A new version of the guide by its lead department; unchanged text makes no version."""
    if not may_edit_guide(user, guide):
        raise PermissionDeniedError(
            "只有牵头部门的部门负责人或管理员可以修订工作指引", field="body"
        )
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationFailed("请填写工作指引正文", field="body")
    if len(body) > MAX_GUIDE_CHARS:
        raise ValidationFailed(f"正文不能超过 {MAX_GUIDE_CHARS} 字", field="body")
    with transaction.atomic():
        locked = WorkGuide.objects.select_for_update(no_key=True).get(pk=guide.pk)
        current = locked.versions.filter(number=locked.version).first()
        if current is not None and current.body == body:
            raise Conflict("正文没有变化，未生成新版本", field="body")
        version = WorkGuideVersion.objects.create(
            guide=locked, number=locked.version + 1, body=body, note=note.strip()[:200], author=user
        )
        locked.version = version.number
        locked.save(update_fields=["version", "updated_at"])
        _audit("guide.edit", user, locked, version=version.number)
    guide.version = version.number
    return version


def guide_for_case(*, application: Any, subcase: Any = None) -> WorkGuide | None:
    """The guide to show beside a case: the sub-case's matter, else the application's theme,
    else its matter."""
    q = Q()
    if subcase:
        q = Q(matter_id=subcase.matter_id)
    elif getattr(application, "theme_id", None):
        q = Q(theme_id=application.theme_id)
    elif getattr(application, "matter_id", None):
        q = Q(matter_id=application.matter_id)
    else:
        return None
    return WorkGuide.objects.filter(q).first()
