"""Staff pages of 审管衔接: supervisors work their department's tasks (countdown, result);
the approving department's reviewers read the results on 监管反馈. Thin: rules live in
yishi.supervision.services and .queries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yishi.cases.services import staff_profile
from yishi.cases.timeline import timeline
from yishi.core.crypto import mask
from yishi.core.display import mask_name
from yishi.core.errors import DomainError, NotFound
from yishi.core.roles import Role, has_role
from yishi.supervision import queries, services
from yishi.supervision.models import SupervisionTask

SUPERVISE = (Role.SUPERVISOR, Role.ADMINISTRATOR)
REVIEW = (Role.REVIEWER, Role.ADMINISTRATOR)
EVENT_LABELS = {"supervision_task": "推送事中事后核查", "supervision_result": "监管核查结果"}
STATUS_CHOICES = [("", "全部")] + list(SupervisionTask.Status.choices)


def _refuse(request: HttpRequest, needed: str) -> HttpResponse:
    return render(request, "workbench/forbidden.html", {"needed": needed}, status=403)


def _rows(tasks) -> list[dict]:
    today = timezone.localdate()
    return [{"t": t, "clock": queries.countdown(t, today)} for t in tasks]


def _status_filter(request: HttpRequest, tasks):
    status = request.GET.get("status") or ""
    if status not in SupervisionTask.Status.values:
        status = ""
    return (tasks.filter(status=status) if status else tasks), status


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    profile = staff_profile(request.user)
    if (
        profile is not None
        and has_role(request.user, Role.REVIEWER)
        and not has_role(request.user, *SUPERVISE)
    ):
        # The workbench's one 审管衔接 link: reviewers read the results of their approvals.
        return redirect("supervision:feedback")
    if profile is None or not has_role(request.user, *SUPERVISE):
        return _refuse(request, "监管人员或管理员")
    tasks = queries.tasks_visible_to(request.user, side=queries.SUPERVISING)
    tasks, status = _status_filter(request, tasks)
    rows = _rows(tasks.order_by("due_on", "id")[:500])
    context = {
        "profile": profile,
        "is_admin": has_role(request.user, Role.ADMINISTRATOR),
        "rows": rows,
        "status": status,
        "statuses": STATUS_CHOICES,
        "overdue": queries.overdue_tasks(department_id=profile.department_id).count(),
    }
    return render(request, "supervision/task_list.html", context)


@login_required
def feedback_list(request: HttpRequest) -> HttpResponse:
    """监管反馈: supervision of the approvals this department issued, with the results."""
    profile = staff_profile(request.user)
    if profile is None or not has_role(request.user, *REVIEW):
        return _refuse(request, "审批人员或管理员")
    tasks = queries.tasks_visible_to(request.user, side=queries.APPROVING)
    tasks, status = _status_filter(request, tasks)
    rows = _rows(tasks.order_by("-decided_at", "due_on", "id")[:500])
    context = {"profile": profile, "rows": rows, "status": status, "statuses": STATUS_CHOICES}
    return render(request, "supervision/feedback_list.html", context)


def _task(request: HttpRequest, task_id: int) -> SupervisionTask:
    try:
        return queries.task_for(request.user, task_id)
    except NotFound as error:
        raise Http404(error.message) from None


def _task_page(
    request: HttpRequest, task: SupervisionTask, *, status: int = 200, posted=None
) -> HttpResponse:
    profile = staff_profile(request.user)
    can_decide = (
        task.is_open
        and profile is not None
        and has_role(request.user, *SUPERVISE)
        and profile.department_id == task.supervising_department_id
    )
    application = task.application
    context = {
        "t": task,
        "app": application,
        "applicant": mask_name(application.person.name),
        "id_masked": mask(application.person.id_number),
        "clock": queries.countdown(task, timezone.localdate()),
        "can_decide": can_decide,
        "posted": posted or {},
        "events": timeline(application, subcase=task.subcase, labels=EVENT_LABELS),
        "results": [
            (SupervisionTask.Status.COMPLIANT, "合规"),
            (SupervisionTask.Status.NON_COMPLIANT, "不合规"),
        ],
    }
    return render(request, "supervision/task_detail.html", context, status=status)


@login_required
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    profile = staff_profile(request.user)
    if profile is None or not has_role(request.user, *SUPERVISE, *REVIEW):
        return _refuse(request, "监管人员、审批人员或管理员")
    return _task_page(request, _task(request, task_id))


@login_required
@require_POST
def task_result(request: HttpRequest, task_id: int) -> HttpResponse:
    """One POST records the result; a domain error comes back on the same page with its
    status (409, 422 …) and the typed findings kept."""
    profile = staff_profile(request.user)
    if profile is None or not has_role(request.user, *SUPERVISE):
        return _refuse(request, "监管人员或管理员")
    task = _task(request, task_id)
    posted = {
        "result": request.POST.get("result", ""),
        "findings": request.POST.get("findings", ""),
        "commitment_false": request.POST.get("commitment_false") in ("1", "on", "true"),
    }
    try:
        services.supervision_record_result(task=task, staff=request.user, **posted)
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        task.refresh_from_db()
        return _task_page(request, task, status=error.status, posted=posted)
    messages.success(request, "核查结果已登记，并已反馈审批部门、推送监管平台。")
    return redirect("supervision:task", task_id=task.pk)
