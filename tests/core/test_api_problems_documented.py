"""The OpenAPI document lists, for every operation, the problem+json answers it may give
(yishi.api.document_problems), all pointing at one Problem schema that the real error bodies
match. tests/test_api_fuzz.py checks against a live server that no operation answers a status
it does not document."""

from __future__ import annotations

import pytest

from yishi.api import SIGN_IN_DEPENDS, api

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def schema():
    return api.get_openapi_schema()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method, operation


def problem_statuses(operation) -> set[int]:
    return {
        int(status)
        for status, response in operation["responses"].items()
        if response.get("content", {}).get("application/problem+json", {}).get("schema")
        == PROBLEM_REF
    }


def test_every_operation_documents_400_and_422_as_problem_json(schema):
    missing = {
        label: sorted({400, 422} - problem_statuses(op))
        for label, _, op in operations(schema)
        if not {400, 422} <= problem_statuses(op)
    }
    assert len(list(operations(schema))) > 60
    assert missing == {}


def test_every_operation_that_needs_a_session_documents_401_and_403(schema):
    secured = [(label, op) for label, _, op in operations(schema) if op.get("security")]
    missing = [label for label, op in secured if not {401, 403} <= problem_statuses(op)]
    assert secured
    assert missing == []


def test_public_operations_do_not_claim_401(schema):
    """Except those whose answer depends on what is asked (yishi.api.SIGN_IN_DEPENDS: a rating
    is open to a ticket's holder, anything else needs a signed-in person)."""
    public = [
        (label, op)
        for label, _, op in operations(schema)
        if not op.get("security") and op.get("operationId") not in SIGN_IN_DEPENDS
    ]
    claiming = [label for label, op in public if 401 in problem_statuses(op)]
    assert public
    assert claiming == []


def test_path_parameters_bring_404_and_bodies_bring_413(schema):
    wrong = []
    for label, method, op in operations(schema):
        statuses = problem_statuses(op)
        if any(p["in"] == "path" for p in op.get("parameters", ())) and 404 not in statuses:
            wrong.append(f"{label}: 404")
        if ("requestBody" in op or method == "post") and 413 not in statuses:
            wrong.append(f"{label}: 413")
    assert wrong == []


def test_conflicts_and_rate_limits_are_documented_where_they_happen(schema):
    paths = schema["paths"]
    assert 429 in problem_statuses(paths["/api/v1/sms-codes"]["post"])
    assert 429 in problem_statuses(paths["/api/v1/hall/outlets/{code}/tickets"]["post"])
    assert 409 in problem_statuses(paths["/api/v1/applications/{number}/accept"]["post"])
    assert 409 not in problem_statuses(paths["/api/v1/matters"]["get"])
    assert 429 not in problem_statuses(paths["/api/v1/matters"]["get"])


def test_a_real_validation_problem_matches_the_documented_problem_schema(client, schema):
    response = client.get("/api/v1/calendar/days?year=x&month=y")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    problem = schema["components"]["schemas"]["Problem"]
    body = response.json()
    json_types = {"string": str, "integer": int, "array": list}
    assert set(problem["required"]) <= set(body)
    assert set(body) <= set(problem["properties"])
    for name, value in body.items():
        assert isinstance(value, json_types[problem["properties"][name]["type"]]), name
    assert body["status"] == 422
    assert {e["field"] for e in body["errors"]} == {"year", "month"}
