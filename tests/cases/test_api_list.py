"""The window staff's application list reads a page in a fixed number of queries, whatever
the number of applications and sub-cases on it."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import ACCEPT_DAY, reviewer_of
from tests.cases.factories import ApplicantFactory
from yishi.cases.models import Application, SubCase
from yishi.cases.services import (
    application_accept,
    application_submit,
    subcase_request_supplement,
)

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


def test_a_listed_application_reads_as_its_detail_does(client, chain, window):
    """The list loads a page's sub-cases, prerequisites, open pauses and catalog rows in
    bulk (load_page); each entry is what the detail answers for the application alone."""
    accepted(chain, window, 3)
    running = Application.objects.order_by("id").first()
    first = running.subcases.get(status=SubCase.Status.PENDING, matter=chain["matters"]["a"])
    subcase_request_supplement(
        subcase=first,
        reviewer=reviewer_of(chain, "a").user,
        items=["营业执照副本"],
        today=ACCEPT_DAY,
    )
    client.force_login(window.user)
    body, _ = listed(client)
    assert any(a["open_supplement"] == ["营业执照副本"] for a in body)
    for entry in body:
        assert entry == client.get(f"/api/v1/applications/{entry['number']}").json()


def test_a_deep_offset_gives_the_rows_and_next_page_a_plain_offset_gives(client, chain, window):
    """Offsets take their ids from the index first ("deferred join"), then load those rows:
    the same applications in the same order as OFFSET over the whole rows, and the next
    cursor continues right after them."""
    accepted(chain, window, 3)
    applicant = ApplicantFactory()
    for _ in range(4):
        application_submit(
            user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "李四"}
        )
    client.force_login(window.user)
    everything = [a["number"] for a in client.get("/api/v1/applications?limit=200").json()]
    expected = list(
        Application.objects.filter(number__in=everything)
        .order_by("-id")
        .values_list("number", flat=True)[2:5]
    )
    page = client.get("/api/v1/applications?limit=3&offset=2")
    assert [a["number"] for a in page.json()] == expected == everything[2:5]
    following = client.get(f"/api/v1/applications?limit=3&cursor={quote(page['X-Next-Cursor'])}")
    assert [a["number"] for a in following.json()] == everything[5:8]
    past_the_end = client.get(f"/api/v1/applications?limit=3&offset={len(everything)}")
    assert past_the_end.json() == [] and "X-Next-Cursor" not in past_the_end


def test_the_subcase_list_names_prerequisites_application_and_matter(client, chain, window):
    accepted(chain, window, 2)
    client.force_login(reviewer_of(chain, "b").user)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/subcases").json()
    assert len(body) == 2
    numbers = set(Application.objects.values_list("number", flat=True))
    for entry in body:
        subcase = SubCase.objects.get(pk=entry["id"])
        assert entry["application"] in numbers
        assert entry["application"] == subcase.application.number
        assert entry["matter_code"] == chain["matters"]["b"].code
        assert entry["department"] == chain["departments"]["b"].name
        assert entry["depends_on"] == sorted(p.pk for p in subcase.depends_on.all()) != []
    accepted(chain, window, 3)
    with CaptureQueriesContext(connection) as more:
        assert len(client.get("/api/v1/subcases").json()) == 5
    assert len(more) == len(queries)
