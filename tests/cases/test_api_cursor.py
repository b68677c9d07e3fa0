"""The API lists page with cursors (`?cursor=`, Link rel="next"), keeping their JSON-array
shape; a bad cursor is problem+json in Chinese and a cursor never widens what one sees."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.cases.factories import ApplicantFactory
from yishi.cases.models import Application
from yishi.cases.services import application_submit
from yishi.core import keyset

pytestmark = pytest.mark.django_db

LINK = re.compile(r'^<([^>]+)>; rel="next"$')


def submit(chain, user, n):
    return [
        application_submit(user=user, theme=chain["theme"], answers={}, form_data={"name": "张三"})
        for _ in range(n)
    ]


def test_following_link_headers_gives_every_application_once(client, chain):
    applicant = ApplicantFactory()
    submit(chain, applicant.user, 5)
    client.force_login(applicant.user)
    url, numbers, pages = "/api/v1/applications?limit=2", [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert isinstance(body, list) and len(body) <= 2
        assert response["X-Total-Count"] == "5"
        numbers += [a["number"] for a in body]
        pages += 1
        link = response.get("Link")
        url = LINK.match(link).group(1) if link else None
        if link:
            assert response["X-Next-Cursor"] in link or quote(response["X-Next-Cursor"]) in link
    assert pages == 3
    mine = Application.objects.filter(applicant=applicant.user).order_by("-id")
    assert numbers == list(mine.values_list("number", flat=True))


def test_a_foreign_cursor_gives_only_ones_own_applications(client, chain):
    mine, other = ApplicantFactory(), ApplicantFactory()
    own = submit(chain, mine.user, 2)
    theirs = submit(chain, other.user, 2)
    forged = keyset.encode(theirs[-1], ("-id",), scope="api.applications")
    client.force_login(mine.user)
    response = client.get(f"/api/v1/applications?cursor={quote(forged)}")
    assert response.status_code == 200
    shown = {a["number"] for a in response.json()}
    assert shown <= {a.number for a in own}
    assert not shown & {a.number for a in theirs}


@pytest.mark.parametrize("cursor", ["garbage", "eyJzIjoiYXBpIn0:x:y"])
def test_a_bad_cursor_is_problem_json_in_chinese(client, applicant, cursor):
    client.force_login(applicant.user)
    for path in ("/api/v1/applications", "/api/v1/subcases"):
        response = client.get(f"{path}?cursor={cursor}")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/problem+json")
        body = response.json()
        assert body["field"] == "cursor"
        assert "翻页位置无效" in body["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("offset=10001", "offset"), ("offset=2&cursor=abc", "cursor"), ("limit=201", "limit")],
)
def test_deep_offsets_and_mixed_paging_are_refused(client, applicant, query, field):
    client.force_login(applicant.user)
    for path in ("/api/v1/applications", "/api/v1/subcases"):
        if path.endswith("subcases") and "offset" in query:
            continue
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422
        assert response.json()["field"] == field


def test_the_schema_documents_the_cursor_and_the_next_link(client):
    spec = client.get("/api/openapi.json").json()
    for path in ("/api/v1/applications", "/api/v1/subcases"):
        operation = spec["paths"][path]["get"]
        assert "cursor" in {p["name"] for p in operation["parameters"]}
        headers = operation["responses"]["200"]["headers"]
        assert {"Link", "X-Next-Cursor"} <= set(headers)
