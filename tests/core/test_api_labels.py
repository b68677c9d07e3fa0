"""Every API field has a Chinese label, and validation errors name fields by it."""

from __future__ import annotations

import pytest

from yishi.core.labels import API_FIELD_LABELS, label_of

pytestmark = pytest.mark.django_db


def _field_names(doc: dict) -> set[str]:
    schemas = doc.get("components", {}).get("schemas", {})
    names: set[str] = set()

    def walk(schema: dict | None, depth: int = 0) -> None:
        if not schema or depth > 3:
            return
        if "$ref" in schema:
            walk(schemas[schema["$ref"].rsplit("/", 1)[-1]], depth + 1)
            return
        names.update(schema.get("properties", {}))

    for operations in doc["paths"].values():
        for operation in operations.values():
            names.update(p["name"] for p in operation.get("parameters", []))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(content.get("schema"))
    return names


def test_every_parameter_and_body_field_of_the_api_has_a_chinese_label():
    from yishi.api import api

    missing = sorted(_field_names(api.get_openapi_schema()) - set(API_FIELD_LABELS))

    assert missing == [], f"add these to yishi.core.labels.API_FIELD_LABELS: {missing}"


def test_a_nested_field_is_named_by_its_labels():
    assert label_of("start") == "开始日期"
    assert label_of("items.0.name") == "事项清单第 1 项的姓名或名称"


def test_a_missing_parameter_is_named_by_its_label_not_its_key(client):
    response = client.get("/api/v1/calendar/add-working-days", {"days": 1})

    body = response.json()
    assert response.status_code == 422
    assert body["detail"] == "开始日期：必须填写"
    assert body["errors"][0] == {
        "field": "start",
        "label": "开始日期",
        "message": "开始日期：必须填写",
    }
