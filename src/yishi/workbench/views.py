"""Staff-facing pages. The landing page tells a staff member who they are in the system
(role, department, service centre) and links to the back-office tools."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from yishi.catalog.models import StaffProfile

TOOLS = [
    ("admin:index", "/admin/", "管理后台", "账号、权限和全部业务数据"),
    ("admin:catalog_matter_changelist", None, "事项目录管理", "政务服务事项、申请材料与版本"),
    ("admin:core_calendarday_changelist", None, "工作日历管理", "法定节假日与调休，计算办结时限"),
    (None, "/api/docs", "接口文档", "OpenAPI 接口说明与在线调试"),
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
    if profile is not None:
        role = profile.get_role_display()
    elif request.user.is_superuser:
        role = StaffProfile.Role.ADMINISTRATOR.label
    else:
        role = ""
    status = 200 if role else 403
    return render(
        request,
        "workbench/home.html",
        {"profile": profile, "role": role, "tools": _tools() if role else []},
        status=status,
    )
