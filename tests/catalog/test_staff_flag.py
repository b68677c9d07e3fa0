"""An account's is_staff follows its staff profile, so staff made in the admin can sign in
at /admin/login/ without anyone remembering to tick 职员状态."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.catalog.factories import DepartmentFactory
from tests.people.accounts_support import PASSWORD
from yishi.catalog.models import StaffProfile

pytestmark = pytest.mark.django_db


def _user(username: str, **flags):
    return get_user_model().objects.create_user(username, password=PASSWORD, **flags)


def _flag(user) -> bool:
    return get_user_model().objects.values_list("is_staff", flat=True).get(pk=user.pk)


def test_a_new_staff_profile_makes_the_account_staff():
    user = _user("clerk")
    assert _flag(user) is False

    StaffProfile.objects.create(user=user, department=DepartmentFactory())

    assert _flag(user) is True


def test_an_account_given_a_profile_can_sign_in_at_the_admin_login():
    StaffProfile.objects.create(user=_user("clerk"), department=DepartmentFactory())

    response = Client().post(
        "/admin/login/?next=/admin/",
        {"username": "clerk", "password": PASSWORD, "next": "/admin/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_staff_made_in_the_admin_with_a_profile_inline_can_sign_in(admin_client):
    user = _user("newclerk")
    department = DepartmentFactory()
    page = admin_client.get(f"/admin/auth/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if key in form.fields and value is not None and key not in {"password", "groups"}
    }
    data.update(
        {
            "username": "newclerk",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "is_active": "on",
            "staff_profile-TOTAL_FORMS": "1",
            "staff_profile-INITIAL_FORMS": "0",
            "staff_profile-MIN_NUM_FORMS": "0",
            "staff_profile-MAX_NUM_FORMS": "1",
            "staff_profile-0-department": str(department.pk),
            "staff_profile-0-user": str(user.pk),
        }
    )
    data.pop("last_login", None)
    data.pop("date_joined", None)
    data.pop("is_staff", None)  # left unticked, as the issue reports

    response = admin_client.post(f"/admin/auth/user/{user.pk}/change/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert StaffProfile.objects.filter(user=user, department=department).exists()
    assert _flag(user) is True
    signed_in = Client().post(
        "/admin/login/?next=/admin/",
        {"username": "newclerk", "password": PASSWORD, "next": "/admin/"},
    )
    assert signed_in.status_code == 302


def test_removing_the_profile_takes_the_flag_away():
    user = _user("clerk")
    profile = StaffProfile.objects.create(user=user, department=DepartmentFactory())

    profile.delete()

    assert _flag(user) is False


def test_a_bulk_delete_of_profiles_takes_the_flag_away_too():
    department = DepartmentFactory()
    users = [_user(f"clerk{n}") for n in range(2)]
    for user in users:
        StaffProfile.objects.create(user=user, department=department)

    StaffProfile.objects.filter(department=department).delete()

    assert [_flag(u) for u in users] == [False, False]


def test_a_superuser_keeps_the_flag_when_their_profile_is_removed():
    user = get_user_model().objects.create_superuser("root", "", PASSWORD)
    profile = StaffProfile.objects.create(user=user, department=DepartmentFactory())

    profile.delete()

    assert _flag(user) is True
