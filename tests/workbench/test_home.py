"""The staff workbench landing page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.catalog.factories import DepartmentFactory
from yishi.catalog.models import Department, StaffProfile
from yishi.core.roles import Role, grant_roles

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/workbench/"


def test_window_staff_sees_role_department_and_centre(client):
    user = get_user_model().objects.create_user("clerk", password="pw-123456")
    centre = DepartmentFactory(
        code="LZH-ZWFW", name="梁子湖区政务服务中心", kind=Department.Kind.SERVICE_CENTRE
    )
    grant_roles(user, Role.WINDOW)
    StaffProfile.objects.create(
        user=user,
        department=DepartmentFactory(code="LZH-SCJ", name="梁子湖区市场监督管理局"),
        service_centre=centre,
    )
    client.force_login(user)
    response = client.get("/workbench/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong data-role>窗口人员</strong>" in html
    assert "梁子湖区市场监督管理局" in html
    assert "梁子湖区政务服务中心" in html
    assert 'href="/api/docs"' in html
    assert 'href="/admin/"' in html


def test_superuser_without_profile_is_administrator(client):
    admin = get_user_model().objects.create_superuser("root", password="pw-123456")
    client.force_login(admin)
    html = client.get("/workbench/").content.decode()
    assert "<strong data-role>管理员</strong>" in html
    assert "全部部门（超级管理员）" in html


def test_account_without_staff_role_is_refused_with_explanation(client):
    user = get_user_model().objects.create_user("someone", password="pw-123456")
    client.force_login(user)
    response = client.get("/workbench/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "尚未配置工作人员角色" in html
    assert 'href="/api/docs"' not in html
