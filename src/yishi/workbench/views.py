"""Staff-facing pages. The landing page tells a staff member who they are in the system
(role, department, service centre) and links to the back-office tools."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yishi.cases import access as case_access
from yishi.cases import deadlines
from yishi.cases import queries as case_queries
from yishi.cases import services as cases
from yishi.cases.models import Application, CaseMaterial, Message, SubCase
from yishi.cases.services import staff_profile
from yishi.cases.timeline import timeline
from yishi.catalog.models import StaffProfile
from yishi.core import keyset, ocr
from yishi.core.crypto import mask
from yishi.core.display import mask_name, user_real_name
from yishi.core.errors import DomainError, NotFound, ValidationFailed
from yishi.core.roles import Role, has_role, role_labels, roles_of
from yishi.core.uploads import StoredFileDamaged, open_stored
from yishi.people.services import applicant_account_at_counter
from yishi.supervision import queries as supervision_queries
from yishi.themes.form import applicable_fields, field_options
from yishi.themes.models import Theme
from yishi.themes.queries import published_themes
from yishi.themes.tailoring import question_options
from yishi.workbench import queries
from yishi.workbench.forms import SupplementForm, WalkInForm

TOOLS = [
    ("admin:index", "/admin/", "管理后台", "账号、权限和全部业务数据"),
    ("admin:catalog_matter_changelist", None, "事项目录管理", "政务服务事项、申请材料与版本"),
    ("admin:core_calendarday_changelist", None, "工作日历管理", "法定节假日与调休，计算办结时限"),
    (None, "/api/docs", "接口文档", "OpenAPI 接口说明与在线调试"),
    ("workbench:security", None, "第二重身份验证", "绑定身份验证器（动态口令），管理恢复码"),
]


def _tools() -> list[dict[str, str]]:
    """The links that exist in this deployment (an admin page appears once its app registers)."""
    links = []
    for name, fallback, title, hint in TOOLS:
        url = fallback
        if name:
            try:
                url = reverse(name)
            except NoReverseMatch:
                url = fallback
        if url:
            links.append({"url": url, "title": title, "hint": hint})
    return links


@login_required
def home(request: HttpRequest) -> HttpResponse:
    profile = (
        StaffProfile.objects.select_related("department", "service_centre")
        .filter(user=request.user)
        .first()
    )
    held = roles_of(request.user)
    labels = role_labels(request.user)
    status = 200 if labels else 403
    return render(
        request,
        "workbench/home.html",
        {
            "profile": profile,
            "role": "、".join(labels),
            "roles": held,
            "tools": _tools() if labels else [],
            "counts": queries.home_counts(request.user) if labels else {},
            # In-platform messages to the clerk (a deadline moved by a calendar change …).
            "notices": list(Message.objects.filter(user=request.user)[:10]) if labels else [],
        },
        status=status,
    )


# ---------------------------------------------------------------- shared


WINDOW = (Role.WINDOW, Role.ADMINISTRATOR)
REVIEW = (Role.REVIEWER, Role.ADMINISTRATOR)
SUPERVISE = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def _profile(request: HttpRequest) -> StaffProfile | None:
    return staff_profile(request.user)


def _may(request: HttpRequest, roles: tuple[str, ...]) -> bool:
    return has_role(request.user, *roles)


def _refuse(request: HttpRequest, needed: str) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": needed}, status=403)


def _fail(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)


PAGE_SIZE = 50
PAGE_MAX = 100


def _page_size(request: HttpRequest) -> int:
    return keyset.page_size(request.GET.get("size"), default=PAGE_SIZE, maximum=PAGE_MAX)


def _keep(request: HttpRequest, *names: str) -> str:
    """The query parameters the 下一页 link carries besides the cursor (filters, page size)."""
    return urlencode([(n, request.GET[n]) for n in names if request.GET.get(n)])


def _bad_cursor(request: HttpRequest, error: keyset.BadCursor) -> HttpResponse:
    """A mangled 下一页 link: a plain 400 page in Chinese, never a 500."""
    context = {"status": 400, "title": error.title, "message": error.message}
    return render(request, "400.html", context, status=400)


def _staff_name(user) -> str:
    """A colleague by name (工作人员 when none is on record), never by login name."""
    return (user_real_name(user) or "工作人员") if user is not None else "—"


# ---------------------------------------------------------------- window


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    if not _may(request, WINDOW):
        return _refuse(request, "窗口人员或管理员")
    try:
        page = keyset.page(
            queries.window_queue(request.user),
            keys=queries.WINDOW_KEYS,
            size=_page_size(request),
            cursor=request.GET.get("cursor"),
            scope="workbench.applications",
        )
    except keyset.BadCursor as error:
        return _bad_cursor(request, error)
    rows = [
        {
            "app": app,
            "applicant": mask_name(app.person.name),
            "id_masked": mask(app.person.id_number),
            "first_owner": _staff_name(app.first_owner),
        }
        for app in page.rows
    ]
    context = {"rows": rows, "page": page, "keep": _keep(request, "size")}
    return render(request, "workbench/application_list.html", context)


def _application_page(
    request: HttpRequest, application: Application, *, status: int = 200, supplement=None
) -> HttpResponse:
    lines = queries.checklist(application)
    missing = [line.name for line in lines if line.state != "exempt"]
    context = {
        "app": application,
        "applicant": mask_name(application.person.name),
        "id_masked": mask(application.person.id_number),
        "first_owner": _staff_name(application.first_owner),
        "rows": queries.form_rows(application),
        "lines": lines,
        "subcases": application.subcases.select_related("matter", "department"),
        "colleagues": queries.window_colleagues(request.user.pk),
        "supplement": supplement or SupplementForm(lines=missing),
        "can_decide": application.status
        in (Application.Status.SUBMITTED, Application.Status.SUPPLEMENT_REQUESTED),
        "open_pause": application.pauses.filter(ended_on__isnull=True).first(),
        "events": timeline(application),
    }
    return render(request, "workbench/application_detail.html", context, status=status)


def _window_application(request: HttpRequest, number: str) -> Application:
    application = (
        case_access.applications_visible_to(request.user)
        .select_related("theme", "matter", "person", "company", "first_owner")
        .filter(number=number)
        .first()
    )
    if application is None:
        raise Http404(f"申请 {number} 不存在")
    return application


@login_required
def application_detail(request: HttpRequest, number: str) -> HttpResponse:
    if not _may(request, WINDOW):
        return _refuse(request, "窗口人员或管理员")
    return _application_page(request, _window_application(request, number))


@login_required
@require_POST
def application_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One POST per window decision; a domain error comes back on the same page with its
    status (409, 422 …) instead of a redirect."""
    if not _may(request, WINDOW):
        return _refuse(request, "窗口人员或管理员")
    application = _window_application(request, number)
    supplement = None
    try:
        if action == "accept":
            cases.application_accept(application=application, staff=request.user)
            messages.success(request, f"申请 {number} 已受理，子件已分送各承办部门。")
        elif action == "supplement":
            lines = [line.name for line in queries.checklist(application)]
            supplement = SupplementForm(request.POST, lines=lines)
            supplement.is_valid()
            cases.application_request_supplement(
                application=application,
                staff=request.user,
                items=supplement.wanted(),
                note=supplement.cleaned_data.get("note", ""),
            )
            messages.success(request, f"已通知申请人补正（申请 {number}）。")
        elif action == "refuse":
            cases.application_refuse(
                application=application, staff=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"申请 {number} 已不予受理，理由已告知申请人。")
        elif action == "supplement_received":
            cases.application_supplement_provided(application=application, user=request.user)
            messages.success(request, f"申请 {number} 的补正材料已收到。")
        elif action == "handover":
            target = (
                queries.window_colleagues(request.user.pk)
                .filter(user_id=request.POST.get("to_staff") or 0)
                .first()
            )
            if target is None:
                raise ValidationFailed("请选择移交给哪位窗口人员", field="to_staff")
            cases.application_handover(
                application=application, from_staff=request.user, to_staff=target.user
            )
            messages.success(request, f"首问负责已移交给{_staff_name(target.user)}。")
        else:
            raise Http404("没有这个操作")
    except DomainError as error:
        _fail(request, error)
        application.refresh_from_db()
        return _application_page(request, application, status=error.status, supplement=supplement)
    return redirect("workbench:application", number=number)


# ---------------------------------------------------------------- walk-in


def _question_rows(theme: Theme, posted: dict) -> list[dict]:
    return [
        {
            "q": q,
            "options": question_options(q),
            "value": posted.get(f"q_{q.code}", q.default),
        }
        for q in theme.questions.all()
    ]


def _field_rows(theme: Theme, posted: dict) -> list[dict]:
    return [
        {"f": f, "options": field_options(f), "value": posted.get(f"f_{f.key}", "")}
        for f in applicable_fields(theme, None)
    ]


@login_required
def walk_in(request: HttpRequest) -> HttpResponse:
    """窗口代办: the staff member enters the applicant's ID and the form and submits at the
    counter; the person is found by ID number or registered on the spot."""
    if not _may(request, WINDOW):
        return _refuse(request, "窗口人员或管理员")
    themes = published_themes("person")
    data = request.POST if request.method == "POST" else request.GET
    theme = themes.filter(code=data.get("theme") or "").first()
    form = WalkInForm(
        request.POST if request.method == "POST" else None,
        initial={"theme": theme.code if theme else ""},
        themes=[(t.code, t.name) for t in themes],
    )
    status = 200
    recognition = None
    if request.method == "POST" and request.POST.get("action") == "recognise":
        # 智能识别: the ID card's photo fills name and number for the staff member to check
        # against the original; nothing is submitted.
        data = request.POST.copy()
        photo = request.FILES.get("photo")
        try:
            if photo is None:
                raise ValidationFailed("请选择身份证人像面照片", field="photo")
            recognition = ocr.recognise_id_card(photo)
            # The clerk holds the card: the registry's values may be shown to compare.
            ocr.cross_check(recognition, reveal=True)
        except DomainError as error:
            _fail(request, error)
            status = error.status
        else:
            for key in ("name", "id_number"):
                found = recognition.fields.get(key)
                if found is not None and found.value:
                    data[key] = found.value
        form = WalkInForm(data, themes=[(t.code, t.name) for t in themes])
    elif request.method == "POST" and theme is not None and form.is_valid():
        answers = {q.code: request.POST.get(f"q_{q.code}", "") for q in theme.questions.all()}
        form_data = {
            f.key: request.POST.get(f"f_{f.key}", "")
            for f in applicable_fields(theme, None)
            if request.POST.get(f"f_{f.key}", "") != ""
        }
        try:
            account = applicant_account_at_counter(
                id_number=form.cleaned_data["id_number"],
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                staff=request.user,
            )
            application = cases.application_submit(
                user=account.user,
                theme=theme,
                answers=answers,
                form_data=form_data,
                channel=Application.Channel.COUNTER,
                staff=request.user,
            )
        except DomainError as error:
            _fail(request, error)
            status = error.status
        else:
            messages.success(request, f"已代申请人提交，申请编号 {application.number}。")
            return redirect("workbench:application", number=application.number)
    context = {
        "form": form,
        "theme": theme,
        "questions": _question_rows(theme, data) if theme else [],
        "fields": _field_rows(theme, data) if theme else [],
        "recognition": recognition,
    }
    return render(request, "workbench/walk_in.html", context, status=status)


# ---------------------------------------------------------------- reviewers


def _badge(due: dt.date | None, status: str) -> dict[str, str]:
    if status not in queries.RUNNING:
        return {}
    state = deadlines.deadline_state(due, timezone.localdate())
    return {"state": state, "label": BADGE_LABELS[state]}


BADGE_LABELS = {deadlines.OK: "正常", deadlines.WARNING: "临近", deadlines.OVERDUE: "超期"}


@login_required
def subcase_list(request: HttpRequest) -> HttpResponse:
    profile = _profile(request)
    if profile is None or not _may(request, REVIEW):
        return _refuse(request, "审批人员或管理员")
    try:
        page = keyset.segmented_page(
            queries.department_segments(profile.department_id),
            size=_page_size(request),
            cursor=request.GET.get("cursor"),
            scope=f"workbench.subcases.{profile.department_id}",
        )
    except keyset.BadCursor as error:
        return _bad_cursor(request, error)
    rows = [
        {
            "s": s,
            "applicant": mask_name(s.application.person.name),
            "badge": _badge(s.promised_due, s.status),
        }
        for s in page.rows
    ]
    return render(
        request,
        "workbench/subcase_list.html",
        {"rows": rows, "profile": profile, "page": page, "keep": _keep(request, "size")},
    )


def _subcase_page(request: HttpRequest, subcase: SubCase, *, status: int = 200) -> HttpResponse:
    application = subcase.application
    context = {
        "s": subcase,
        "app": application,
        "applicant": mask_name(application.person.name),
        "id_masked": mask(application.person.id_number),
        "rows": queries.form_rows(application),
        "lines": queries.checklist(application),
        "prerequisites": subcase.depends_on.select_related("matter", "department"),
        "badge": _badge(subcase.promised_due, subcase.status),
        "can_decide": subcase.status in queries.RUNNING,
        "can_supplement": subcase.status == SubCase.Status.PENDING,
    }
    return render(request, "workbench/subcase_detail.html", context, status=status)


def _review_subcase(request: HttpRequest, subcase_id: int) -> SubCase:
    try:
        subcase = case_queries.subcase_for(request.user, subcase_id)
    except NotFound as error:
        raise Http404(error.message) from None
    return subcase


@login_required
def subcase_detail(request: HttpRequest, subcase_id: int) -> HttpResponse:
    profile = _profile(request)
    if profile is None or not _may(request, REVIEW):
        return _refuse(request, "审批人员或管理员")
    return _subcase_page(request, _review_subcase(request, subcase_id))


@login_required
@require_POST
def subcase_action(request: HttpRequest, subcase_id: int, action: str) -> HttpResponse:
    profile = _profile(request)
    if profile is None or not _may(request, REVIEW):
        return _refuse(request, "审批人员或管理员")
    subcase = _review_subcase(request, subcase_id)
    try:
        if action == "approve":
            cases.subcase_approve(
                subcase=subcase,
                reviewer=request.user,
                result_name=request.POST.get("result_name", ""),
            )
            messages.success(request, f"「{subcase.matter.name}」已准予。")
        elif action == "refuse":
            cases.subcase_refuse(
                subcase=subcase, reviewer=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"「{subcase.matter.name}」不予许可，理由已告知申请人。")
        elif action == "supplement":
            text = request.POST.get("items", "").replace("；", "\n")
            cases.subcase_request_supplement(
                subcase=subcase,
                reviewer=request.user,
                items=[line for line in text.splitlines() if line.strip()],
                note=request.POST.get("note", ""),
            )
            messages.success(request, "已通知申请人补正，计时暂停。")
        else:
            raise Http404("没有这个操作")
    except DomainError as error:
        _fail(request, error)
        subcase.refresh_from_db()
        return _subcase_page(request, subcase, status=error.status)
    return redirect("workbench:subcase", subcase_id=subcase.pk)


# ---------------------------------------------------------------- supervisors


@login_required
def deadline_list(request: HttpRequest) -> HttpResponse:
    if not _may(request, SUPERVISE):
        return _refuse(request, "监管人员或管理员")
    departments = queries.departments_with_subcases()
    chosen = request.GET.get("department") or ""
    department = departments.filter(pk=chosen).first() if chosen.isdigit() else None
    scope = department.pk if department else None
    day = timezone.localdate()
    try:
        with keyset.serial_plans():
            page = keyset.segmented_page(
                queries.deadline_segments(department_id=scope, day=day),
                size=_page_size(request),
                cursor=request.GET.get("cursor"),
                scope=f"workbench.deadlines.{scope or 'all'}.{day.isoformat()}",
            )
            counts = queries.deadline_counts(department_id=scope, day=day)
    except keyset.BadCursor as error:
        return _bad_cursor(request, error)
    context = {
        "rows": [queries.deadline_row(obj, day) for obj in page.rows],
        "page": page,
        "keep": _keep(request, "department", "size"),
        "departments": departments,
        "department": department,
        "labels": BADGE_LABELS,
        "overdue": counts[deadlines.OVERDUE],
        "warning": counts[deadlines.WARNING],
    }
    return render(request, "workbench/deadlines.html", context)


# ---------------------------------------------------------------- files


@login_required
def material_file(request: HttpRequest, material_id: int) -> HttpResponse:
    """A stored material file: it follows the rule of its application (cases.access), and a
    supervisor reaches it through a supervision task (supervision.queries); a draft's files
    are its owner's alone. Applicants download their files from their own pages."""
    if _profile(request) is None and not _may(request, (Role.ADMINISTRATOR,)):
        raise Http404("文件不存在")
    material = (
        case_access.materials_visible_to(request.user)
        .select_related("stored_file")
        .filter(pk=material_id)
        .first()
    )
    if material is None and _profile(request) is not None:
        material = (
            CaseMaterial.objects.select_related("stored_file")
            .filter(
                pk=material_id,
                stored_file__isnull=False,
                application__in=supervision_queries.tasks_visible_to(
                    request.user, side=supervision_queries.SUPERVISING
                ).values("application_id"),
            )
            .exclude(application__status=Application.Status.DRAFT)
            .first()
        )
    if material is None:
        raise Http404("文件不存在")
    stored = material.stored_file
    try:
        handle = open_stored(stored)
    except StoredFileDamaged as error:
        context = {"status": error.status, "title": error.title, "message": error.message}
        return render(request, "400.html", context, status=error.status)
    return FileResponse(
        handle,
        content_type=stored.content_type,
        filename=stored.original_name or material.name,
    )
