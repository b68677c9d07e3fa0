"""Staff pages of training (/workbench/training/): courses, exams and attempts, my
certificates (with what expires soon), my monthly assessment, a lead's view of their staff,
and the work guides with their versions. Thin: rules live in services, assessment, access."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yishi.catalog.models import StaffProfile
from yishi.core.errors import DomainError
from yishi.core.roles import Role, has_role
from yishi.training import conf, services
from yishi.training.assessment import monthly_assessment, parse_month
from yishi.training.models import Attempt, Certificate, Course, Exam, Question, WorkGuide

LEAD_ROLES = (Role.DEPARTMENT_LEAD, Role.ADMINISTRATOR)


def _refuse(request: HttpRequest, needed: str = "工作人员") -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": needed}, status=403)


def _staff_only(view: Any) -> Any:
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not services.is_staff_member(request.user):
            return _refuse(request)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _certificate_rows(certs: Any, today: Any) -> list[dict[str, Any]]:
    warn = conf.expiry_warn_days()
    rows = []
    for c in certs:
        left = (c.expires_on - today).days
        if c.revoked:
            state, label = "revoked", "已注销"
        elif c.issued_on > today:
            state, label = "future", "未生效"
        elif left < 0:
            state, label = "expired", "已过期"
        elif left <= warn:
            state, label = "expiring", f"即将到期（剩 {left} 天）"
        else:
            state, label = "valid", "有效"
        rows.append({"c": c, "state": state, "label": label})
    return rows


@_staff_only
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    courses = Course.objects.filter(published=True).order_by("order", "id")[:200]
    exams = Exam.objects.filter(is_active=True).select_related("level")
    attempts = Attempt.objects.filter(user=request.user).select_related("exam")[:20]
    return render(
        request,
        "training/home.html",
        {
            "courses": courses,
            "exams": exams,
            "attempts": attempts,
            "valid": services.valid_certificate(request.user, today),
            "expiring": services.expiring_certificates(today, users=[request.user]),
            "is_lead": has_role(request.user, *LEAD_ROLES),
            "gate": conf.certificate_gate(),
        },
    )


@_staff_only
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_id, published=True)
    exams = Exam.objects.filter(is_active=True, questions__course=course).distinct()
    return render(request, "training/course.html", {"course": course, "exams": exams})


@_staff_only
def exam_detail(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(Exam.objects.select_related("level"), pk=exam_id, is_active=True)
    if request.method == "POST":
        try:
            attempt = services.exam_start(exam=exam, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("training:exam", exam_id=exam.pk)
        return redirect("training:attempt", attempt_id=attempt.pk)
    mine = Attempt.objects.filter(exam=exam, user=request.user)[:10]
    return render(
        request,
        "training/exam.html",
        {"exam": exam, "count": exam.questions.count(), "attempts": mine},
    )


def _answers_from(request: HttpRequest, questions: list[Question]) -> dict[str, list[str]]:
    return {str(q.pk): request.POST.getlist(f"q{q.pk}") for q in questions}


@_staff_only
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(
        Attempt.objects.select_related("exam", "exam__level"), pk=attempt_id
    )
    if attempt.user_id != request.user.pk:
        raise Http404
    order = {pk: n for n, pk in enumerate(attempt.question_ids)}
    questions = sorted(
        Question.objects.filter(pk__in=attempt.question_ids), key=lambda q: order[q.pk]
    )
    if request.method == "POST":
        try:
            services.attempt_submit(
                attempt=attempt, user=request.user, answers=_answers_from(request, questions)
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("training:attempt", attempt_id=attempt.pk)
    certificate = Certificate.objects.filter(attempt=attempt).select_related("level").first()
    chosen = {k: {int(x) for x in v if str(x).isdigit()} for k, v in attempt.answers.items()}
    items = [
        {
            "q": q,
            "n": n,
            "multiple": q.kind == Question.Kind.MULTIPLE,
            "options": [
                {
                    "index": i,
                    "text": text,
                    "chosen": i in chosen.get(str(q.pk), set()),
                    "right": i in q.answer,
                }
                for i, text in enumerate(q.choices)
            ],
        }
        for n, q in enumerate(questions, 1)
    ]
    return render(
        request,
        "training/attempt.html",
        {
            "attempt": attempt,
            "items": items,
            "certificate": certificate,
            "seconds_left": max(0, int((attempt.deadline_at - timezone.now()).total_seconds())),
        },
    )


@_staff_only
def certificates(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    mine = Certificate.objects.filter(user=request.user).select_related("level")
    return render(
        request,
        "training/certificates.html",
        {
            "rows": _certificate_rows(mine, today),
            "warn_days": conf.expiry_warn_days(),
            "gate": conf.certificate_gate(),
        },
    )


@_staff_only
def assessment(request: HttpRequest) -> HttpResponse:
    try:
        month = parse_month(request.GET.get("month"))
    except DomainError as exc:
        return render(request, "training/assessment.html", {"error": exc.message}, status=422)
    return render(
        request,
        "training/assessment.html",
        {"a": monthly_assessment(request.user, month), "month": f"{month:%Y-%m}"},
    )


def _team_users(user: Any) -> Any:
    """The staff a lead sees: their department's (all staff for an administrator)."""
    profiles = StaffProfile.objects.select_related("user", "department")
    if not has_role(user, Role.ADMINISTRATOR):
        own = getattr(user, "staff_profile", None)
        if own is None:
            return profiles.none()
        profiles = profiles.filter(department_id=own.department_id)
    return profiles.order_by("department__name", "user__username")[:500]


@login_required
def team(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, *LEAD_ROLES):
        return _refuse(request, "部门负责人或管理员")
    try:
        month = parse_month(request.GET.get("month"))
    except DomainError as exc:
        return render(request, "training/team.html", {"error": exc.message}, status=422)
    today = timezone.localdate()
    rows = []
    for p in _team_users(request.user):
        cert = services.valid_certificate(p.user, today)
        left = (cert.expires_on - today).days if cert else None
        rows.append(
            {
                "p": p,
                "cert": cert,
                "expiring": left is not None and left <= conf.expiry_warn_days(),
                "a": monthly_assessment(p.user, month),
            }
        )
    return render(request, "training/team.html", {"rows": rows, "month": f"{month:%Y-%m}"})


# ---------------------------------------------------------------- work guides


@_staff_only
def guide_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    guides = WorkGuide.objects.select_related("department")
    if q:
        guides = guides.filter(title__icontains=q)
    return render(
        request,
        "training/guide_list.html",
        {"guides": guides[:300], "q": q, "is_admin": has_role(request.user, Role.ADMINISTRATOR)},
    )


@_staff_only
def guide_detail(request: HttpRequest, guide_id: int) -> HttpResponse:
    guide = get_object_or_404(WorkGuide.objects.select_related("department"), pk=guide_id)
    versions = list(guide.versions.select_related("author").order_by("-number"))
    wanted = request.GET.get("version", "")
    shown = next((v for v in versions if str(v.number) == wanted), None) or next(
        (v for v in versions if v.number == guide.version), None
    )
    return render(
        request,
        "training/guide.html",
        {
            "guide": guide,
            "shown": shown,
            "versions": versions,
            "may_edit": services.may_edit_guide(request.user, guide),
        },
    )


@login_required
def guide_edit(request: HttpRequest, guide_id: int) -> HttpResponse:
    guide = get_object_or_404(WorkGuide.objects.select_related("department"), pk=guide_id)
    if not services.may_edit_guide(request.user, guide):
        return _refuse(request, f"{guide.department.name}的部门负责人或管理员")
    current = guide.current
    body = current.body if current else ""
    error = ""
    status = 200
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            v = services.guide_edit(
                guide=guide, user=request.user, body=body, note=request.POST.get("note", "")
            )
            messages.success(request, f"已保存为第 {v.number} 版")
            return redirect(reverse("training:guide", args=[guide.pk]))
        except DomainError as exc:
            error, status = exc.message, exc.status
    return render(
        request, "training/guide_edit.html", {"guide": guide, "body": body, "error": error},
        status=status,
    )  # fmt: skip


@require_POST
@login_required
def guides_generate(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.ADMINISTRATOR):
        return _refuse(request, "管理员")
    n = services.guides_generate_all(actor=request.user)
    courses = services.courses_generate(actor=request.user)
    messages.success(request, f"已核对 {n} 份工作指引，生成或更新 {len(courses)} 门课程")
    return redirect("training:guides")
