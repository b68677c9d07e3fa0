"""The theme API: list, detail, tailored notice as JSON and as PDF; errors as problem+json."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.catalog.factories import MaterialFactory, MatterFactory
from tests.themes.factories import (
    ThemeFactory,
    ThemeFormFieldFactory,
    ThemeMatterFactory,
    ThemeQuestionFactory,
    make_birth_theme,
)
from tests.themes.test_notice import pdf_text

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json; charset=utf-8"


@pytest.fixture
def birth():
    return make_birth_theme()


def test_list_has_published_themes_with_savings(client, birth):
    ThemeFactory(draft=True, name="草稿主题")
    ThemeFactory(company=True, code="kaiban", name="开办餐饮店一件事")
    response = client.get("/api/v1/themes")
    assert response.status_code == 200
    body = response.json()
    assert [t["code"] for t in body] == ["xinshenger", "kaiban"]
    first = body[0]
    assert first["name"] == "新生儿出生一件事"
    assert (first["audience"], first["audience_label"]) == ("person", "个人")
    assert (first["category"], first["category_label"]) == ("upgrade", "优化升级")
    assert first["lead_department"] == {"code": "T-WJJ", "name": "梁子湖区卫生健康局"}
    assert first["matters_count"] == 4
    assert first["savings"] == {
        "materials_separate": 11,
        "materials_theme": 4,
        "materials_saved": 7,
        "materials_saved_percent": 64,
        "visits_separate": 4,
        "visits_theme": 2,
        "visits_saved": 2,
        "visits_saved_percent": 50,
        "days_separate": 17,
        "days_theme": 10,
        "days_saved": 7,
        "days_saved_percent": 41,
        "promised_days": None,
    }


def test_list_filters_by_audience(client, birth):
    ThemeFactory(company=True, code="kaiban")
    assert [t["code"] for t in client.get("/api/v1/themes?audience=company").json()] == ["kaiban"]


def test_detail_has_matters_dependencies_questions_form_and_materials(client, birth):
    response = client.get("/api/v1/themes/xinshenger")
    assert response.status_code == 200
    body = response.json()
    m = {k: v.code for k, v in birth["matters"].items()}
    assert [(x["code"], x["depends_on"], x["step"]) for x in body["matters"]] == [
        (m["a"], [], 1),
        (m["b"], [m["a"]], 2),
        (m["c"], [m["b"]], 3),
        (m["d"], [], 1),
    ]
    first = body["matters"][0]
    assert first["department"] == {"code": "T-WJJ", "name": "梁子湖区卫生健康局"}
    assert first["promised_limit_days"] == 5
    assert first["condition"] == {"all": [{"q": "born_here", "in": ["yes"]}]}
    assert body["questions"][1] == {
        "code": "need_card",
        "text": "是否需要办理社会保障卡",
        "help_text": "",
        "kind": "yes_no",
        "choices": [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}],
        "default": "yes",
    }
    assert body["form_schema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert list(body["form_schema"]["properties"])[0] == "father_id"
    assert [(x["kind"], x["to_bring"]) for x in body["materials"]] == [
        ("id_card", True),
        ("application_form", True),
        ("birth_certificate", False),
        ("household_register", False),
        ("marriage_certificate", True),
        ("photo", True),
    ]
    assert body["materials"][2]["produced_by"] == "出生医学证明签发"
    assert body["savings"]["days_theme"] == 10


def build_bigger_theme(code: str, size: int) -> None:
    theme = ThemeFactory(code=code)
    previous = None
    for n in range(size):
        matter = MatterFactory()
        MaterialFactory(matter=matter, kind="id_card")
        MaterialFactory(matter=matter, kind=f"own_{n}", name=f"材料{n}")
        item = ThemeMatterFactory(
            theme=theme, matter=matter, depends_on=[previous] if previous else []
        )
        field = ThemeFormFieldFactory(theme=theme)
        field.mappings.create(item=item, target=f"t{n}")
        ThemeQuestionFactory(theme=theme)
        previous = item


def detail_queries(client, code: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/api/v1/themes/{code}").status_code == 200
    return len(ctx.captured_queries)


def test_detail_takes_a_constant_number_of_queries(client, django_assert_num_queries):
    build_bigger_theme("small", 2)
    build_bigger_theme("large", 8)
    small = detail_queries(client, "small")
    assert detail_queries(client, "large") == small
    with django_assert_num_queries(small):
        client.get("/api/v1/themes/large")
    assert small <= 8


def test_list_takes_a_constant_number_of_queries(client):
    build_bigger_theme("one", 2)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/themes")
    for n in range(3):
        build_bigger_theme(f"more-{n}", 4)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/themes").json()) == 4
    assert len(many.captured_queries) == len(few.captured_queries)


def test_unknown_or_unpublished_theme_is_404_problem(client, birth):
    ThemeFactory(code="caogao", draft=True)
    for code in ["nope", "caogao"]:
        response = client.get(f"/api/v1/themes/{code}")
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM
        body = response.json()
        assert (body["detail"], body["field"], body["status"]) == (
            f"主题 {code} 不存在",
            "code",
            404,
        )


def post_notice(client, code, answers):
    return client.post(
        f"/api/v1/themes/{code}/notice",
        data=json.dumps({"answers": answers}),
        content_type="application/json",
    )


def test_notice_is_tailored_to_the_answers(client, birth):
    response = post_notice(client, "xinshenger", {"born_here": "no", "need_card": "no"})
    assert response.status_code == 200
    body = response.json()
    m = {k: v.code for k, v in birth["matters"].items()}
    assert [(x["code"], x["needs"], x["step"]) for x in body["matters"]] == [
        (m["b"], [], 1),
        (m["c"], [m["b"]], 2),
    ]
    assert body["steps"] == [["出生登记"], ["城乡居民医保参保登记"]]
    assert body["answers"] == [
        {"code": "born_here", "question": "是否在本区助产机构出生", "value": "no", "label": "否"},
        {"code": "need_card", "question": "是否需要办理社会保障卡", "value": "no", "label": "否"},
    ]
    assert [(x["number"], x["name"], x["bring"]) for x in body["materials"]] == [
        (1, "《出生医学证明》", "原件 1 份"),
        (2, "居民户口簿", "免提交（本主题内办理生成）"),
        (3, "父母居民身份证", "原件和复印件 2 份"),
        (4, "结婚证", "原件 1 份"),
    ]
    assert body["savings"]["materials_theme"] == 3
    assert body["savings"]["days_theme"] == 5


def test_notice_with_no_answers_uses_the_defaults(client, birth):
    body = post_notice(client, "xinshenger", {}).json()
    assert len(body["matters"]) == 4


@pytest.mark.parametrize(
    ("answers", "field", "detail"),
    [
        ({"need_card": "xx"}, "answers.need_card",
         "问题「是否需要办理社会保障卡」的答案 xx 不是可选项，可选：yes（是）、no（否）"),
        ({"pet": "yes"}, "answers.pet", "主题「新生儿出生一件事」没有编码为 pet 的情形问题"),
    ],
)  # fmt: skip
def test_bad_answers_are_422_problems_naming_the_question(client, birth, answers, field, detail):
    response = post_notice(client, "xinshenger", answers)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["field"], body["detail"]) == (field, detail)


def test_notice_of_an_unknown_theme_is_404(client):
    response = post_notice(client, "nope", {})
    assert response.status_code == 404
    assert response.json()["detail"] == "主题 nope 不存在"


def test_notice_pdf_takes_answers_as_query_parameters(client, birth):
    response = client.get("/api/v1/themes/xinshenger/notice.pdf?need_card=no")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "inline; filename*=UTF-8''" + urllib.parse.quote("新生儿出生一件事一次性告知单.pdf")
    )
    text = pdf_text(response.content)
    assert "新生儿出生一件事" in text
    assert "社会保障卡申领" not in text


def test_notice_pdf_takes_answers_as_json(client, birth):
    answers = urllib.parse.quote(json.dumps({"need_card": "yes"}))
    response = client.get(f"/api/v1/themes/xinshenger/notice.pdf?answers={answers}")
    assert response.status_code == 200
    assert "社会保障卡申领" in pdf_text(response.content)


@pytest.mark.parametrize(
    ("query", "field", "detail"),
    [
        ("answers=%7Bnot-json", "answers", 'answers 应为 JSON 对象，例如 {"need_card": "yes"}'),
        ("answers=%5B%5D", "answers", 'answers 应为 JSON 对象，例如 {"need_card": "yes"}'),
        ("need_card=maybe", "answers.need_card",
         "问题「是否需要办理社会保障卡」的答案 maybe 不是可选项，可选：yes（是）、no（否）"),
    ],
)  # fmt: skip
def test_notice_pdf_with_bad_answers_is_a_422_problem(client, birth, query, field, detail):
    response = client.get(f"/api/v1/themes/xinshenger/notice.pdf?{query}")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert (response.json()["field"], response.json()["detail"]) == (field, detail)


def test_the_openapi_document_lists_the_theme_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/v1/themes", "/api/v1/themes/{code}", "/api/v1/themes/{code}/notice",
            "/api/v1/themes/{code}/notice.pdf"} <= set(paths)  # fmt: skip
