"""The window staff's application list reads a page in a fixed number of queries, whatever
the number of applications and sub-cases on it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import ACCEPT_DAY
from tests.cases.factories import ApplicantFactory
from yishi.cases.services import application_accept, application_submit

pytestmark = pytest.mark.django_db


def accepted(chain, window, n):
    for _ in range(n):
        app = application_submit(
            user=ApplicantFactory().user,
            theme=chain["theme"],
            answers={},
            form_data={"name": "张三"},
        )
        application_accept(application=app, staff=window.user, today=ACCEPT_DAY)


def listed(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/applications")
    assert response.status_code == 200
    return response.json(), len(queries)


def test_the_list_takes_the_same_queries_for_two_or_six_applications(client, chain, window):
    client.force_login(window.user)
    accepted(chain, window, 2)
    body, few = listed(client)
    assert len(body) == 2 and all(len(a["subcases"]) == 4 for a in body)
    accepted(chain, window, 4)
    body, many = listed(client)
    assert len(body) == 6
    assert many == few
    first = body[0]["subcases"]
    assert [s["depends_on"] != [] for s in first] == [False, True, True, False]
    assert all(s["application"] == body[0]["number"] for s in first)


def test_the_list_is_paged_newest_first_with_the_total_in_a_header(client, chain, window):
    client.force_login(window.user)
    accepted(chain, window, 5)
    numbers = [a["number"] for a in client.get("/api/v1/applications").json()]
    assert len(numbers) == 5 and numbers == sorted(numbers, reverse=True)
    page = client.get("/api/v1/applications?limit=2&offset=2")
    assert [a["number"] for a in page.json()] == numbers[2:4]
    assert page["X-Total-Count"] == "5"


@pytest.mark.parametrize(("query", "field"), [("limit=0", "limit"), ("limit=201", "limit"),
                                             ("offset=-1", "offset")])  # fmt: skip
def test_a_bad_page_is_refused_with_a_chinese_message(client, window, query, field):
    client.force_login(window.user)
    response = client.get(f"/api/v1/applications?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    assert body["detail"].startswith({"limit": "每页条数", "offset": "偏移量"}[field])
