"""The demo: requests across departments and channels, some late, some resolved; a second
run changes nothing."""

from __future__ import annotations

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from yishi.assist import queries
from yishi.assist.demo import DEMO_PHONE, load_assist_demo
from yishi.assist.models import AssistMessage, AssistRequest
from yishi.core.fields import blind_index

pytestmark = pytest.mark.django_db


def test_demo_loads_once_and_shows_figures():
    for _ in range(3):
        StaffFactory(reviewer=True)
    StaffFactory()
    ApplicantFactory(phone=DEMO_PHONE, phone_index=blind_index(DEMO_PHONE))
    counts = load_assist_demo()
    assert counts["帮办代办请求"] == AssistRequest.objects.count() > 10
    assert AssistRequest.objects.values("department").distinct().count() == 3
    assert set(AssistRequest.objects.values_list("channel", flat=True)) == {
        "chat",
        "callback",
        "onsite",
    }
    assert AssistMessage.objects.exists()
    f = queries.figures(queries.counted())
    assert 0 < f.response_rate < 1 and 0 < f.resolution_rate < 1
    assert load_assist_demo() == {"帮办代办请求": 0}
    assert AssistRequest.objects.count() == counts["帮办代办请求"]
