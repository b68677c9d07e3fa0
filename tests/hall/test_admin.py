from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from yishi.hall.demo import load_hall_demo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "outlet",
        "window",
        "windowsession",
        "ticket",
        "appointmentslot",
        "appointment",
        "greenchannelrequest",
    ],
)
def test_admin_lists_and_forms_open(client, model):
    load_hall_demo()
    client.force_login(get_user_model().objects.create_superuser("root", password="x-Pw-2026"))
    assert client.get(f"/admin/hall/{model}/").status_code == 200
    assert client.get(f"/admin/hall/{model}/add/").status_code == 200
