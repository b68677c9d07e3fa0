"""The user admin names an applicant account by masked name (王**（申请人）) where Django would
use the login name ("m-…", a blind index): the page title, the heading under it, the
breadcrumb and the changelist's row checkbox. Staff accounts keep their login name."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.cases.factories import ApplicantFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client):
    root = get_user_model().objects.create_superuser("root-admin", password="x-密码-42")
    client.force_login(root)
    return client


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def _breadcrumbs(html: str) -> str:
    return re.search(r'<div class="breadcrumbs">(.*?)</div>', html, re.S).group(1)


def _subtitle(html: str) -> str:
    match = re.search(r"<h2>([^<]*)</h2>", html)
    return match.group(1) if match else ""


def test_an_applicants_change_page_is_titled_by_masked_name_not_login_name(root_client):
    account = ApplicantFactory(person__name="王小明")
    login = account.user.get_username()

    html = root_client.get(reverse("admin:auth_user_change", args=[account.user.pk]))
    html = html.content.decode()

    assert _title(html).startswith("王**（申请人） | ")
    assert _subtitle(html) == "王**（申请人）"
    crumbs = _breadcrumbs(html)
    assert crumbs.rstrip().endswith("&rsaquo; 王**（申请人）")
    for shown in (_title(html), _subtitle(html), crumbs):
        assert login not in shown
        assert "王小明" not in shown


def test_an_applicants_password_history_and_delete_pages_name_them_masked(root_client):
    account = ApplicantFactory(person__name="王小明")
    login = account.user.get_username()
    titles = {
        "admin:auth_user_password_change": "修改密码：王**（申请人） | ",
        "admin:auth_user_history": "变更历史： 王**（申请人） | ",
        "admin:auth_user_delete": "删除 | ",
    }
    for name, title in titles.items():
        html = root_client.get(reverse(name, args=[account.user.pk])).content.decode()
        change_url = reverse("admin:auth_user_change", args=[account.user.pk])
        assert f'<a href="{change_url}">王**（申请人）</a>' in _breadcrumbs(html), name
        assert login not in _breadcrumbs(html), name
        assert _title(html).startswith(title), name


def test_the_changelist_checkbox_of_an_applicant_is_labelled_by_masked_name(root_client):
    account = ApplicantFactory(person__name="王小明")
    staff = StaffFactory()

    html = root_client.get(reverse("admin:auth_user_changelist")).content.decode()

    labels = re.findall(r'<input type="checkbox" name="_selected_action" [^>]*>', html)
    by_pk = {re.search(r'value="(\d+)"', tag).group(1): tag for tag in labels}
    assert 'aria-label="选择此对象执行操作 - 王**（申请人）"' in by_pk[str(account.user.pk)]
    assert account.user.get_username() not in by_pk[str(account.user.pk)]
    label = f'aria-label="选择此对象执行操作 - {staff.user.get_username()}"'
    assert label in by_pk[str(staff.user.pk)]


def test_a_staff_accounts_change_page_keeps_the_login_name(root_client):
    staff = StaffFactory()

    html = root_client.get(reverse("admin:auth_user_change", args=[staff.user.pk]))
    html = html.content.decode()

    assert _subtitle(html) == staff.user.get_username()
    assert _breadcrumbs(html).rstrip().endswith(f"&rsaquo; {staff.user.get_username()}")
