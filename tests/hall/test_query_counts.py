"""The polled fragments are hit every 1.5 s by every phone and screen: a fixed, small number
of queries each, whatever the queue length."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.hall.conftest import on_duty
from yishi.hall import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("waiting", [1, 30])
def test_ticket_status_fragment_query_count_does_not_grow(
    client, hall, django_assert_num_queries, waiting
):
    tickets = [services.ticket_take(outlet=hall.outlet, queue=hall.a) for _ in range(waiting)]
    on_duty(hall.general)
    url = reverse("hall_public:ticket_status", kwargs={"token": tickets[-1].token})
    # ticket, today's service times, people ahead, staffed windows
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("calls", [1, 3])
def test_screen_fragment_query_count_does_not_grow(client, hall, django_assert_num_queries, calls):
    windows = [hall.general, hall.green, hall.special][:calls]
    for w in windows:
        services.ticket_take(outlet=hall.outlet, queue=hall.b if w == hall.special else hall.a)
        services.ticket_call_next(window=w, staff=on_duty(w))
    # outlet, current calls (with windows), waiting count
    with django_assert_num_queries(3):
        html = client.get("/hall/test-centre/screen/calls/").content.decode()
    assert html.count("data-call=") == calls
