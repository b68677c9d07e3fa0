from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_openapi_schema_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "一事 yishi API"


@pytest.mark.django_db
def test_unknown_api_path_answers_problem_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == "接口 /api/v1/no-such-thing 不存在。"


@pytest.mark.django_db
def test_api_docs_are_served_from_the_package_not_a_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in response.content
    assert b"cdn.jsdelivr" not in response.content


@pytest.mark.django_db
def test_the_admin_index_shows_the_task_app_in_chinese(admin_client):
    response = admin_client.get("/admin/")
    assert "后台任务" in response.content.decode()
    assert "Tasks Database Backend" not in response.content.decode()
