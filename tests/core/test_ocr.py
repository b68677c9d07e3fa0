"""智能识别填单: synthetic 身份证 fronts and 营业执照 are read field for field on the CPU with the
bundled models; codes are checked by their check digits and a failed check is flagged, never
trusted; look-alike characters are repaired only when exactly one repair passes the check;
bad uploads are refused naming the field "image"; the engine loads once per process. The
API is exercised through a test-only NinjaAPI mounted by this module."""

from __future__ import annotations

import io
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import path
from ninja import NinjaAPI  # noqa: TID251  (a test-only API, mounted by this module)
from ninja.errors import AuthenticationError  # noqa: TID251
from ninja.errors import ValidationError as NinjaValidationError  # noqa: TID251
from PIL import Image

from tests.core.upload_samples import pdf_bytes
from yishi.api import on_auth_error, on_domain_error, on_validation_error
from yishi.core import ocr
from yishi.core.api_ocr import router
from yishi.core.errors import DomainError, ValidationFailed
from yishi.core.ocr_samples import (
    render_business_licence,
    render_id_card,
    synthetic_companies,
    synthetic_people,
)
from yishi.core.synthetic import ric_with_check_digit, uscc_with_check_char

test_api = NinjaAPI(title="ocr test", urls_namespace="ocr_test", docs_url=None, openapi_url=None)
test_api.add_exception_handler(DomainError, on_domain_error)
test_api.add_exception_handler(NinjaValidationError, on_validation_error)
test_api.add_exception_handler(AuthenticationError, on_auth_error)
test_api.add_router("/", router)
urlpatterns = [path("api/ocr-test/", test_api.urls)]

pytestmark = pytest.mark.django_db

PEOPLE = synthetic_people(3, seed=11)
COMPANIES = synthetic_companies(3, seed=11)


@pytest.fixture(scope="module")
def engine():
    """One engine for the module: the model loads once (≈ 2 s)."""
    return ocr.engine.get()


def wrong_check(code: str) -> str:
    """The same code with another check character that is still a legal character."""
    last = code[-1]
    return code[:-1] + ("3" if last != "3" else "4")


def values(recognition: ocr.Recognition) -> dict[str, str]:
    return {name: f.value for name, f in recognition.fields.items()}


@pytest.mark.parametrize("index", range(3))
def test_an_id_card_front_is_read_field_for_field(engine, index):
    person = PEOPLE[index]
    result = ocr.recognise_id_card(render_id_card(person, seed=index))
    assert values(result) == person
    # the fields a rule proves are checked; the others only when read surely (ocr._trust)
    assert all(result.fields[k].ok for k in ("sex", "birth_date", "id_number", "ethnicity"))
    assert result.seconds > 0


@pytest.mark.parametrize("index", range(3))
def test_a_business_licence_is_read_field_for_field(engine, index):
    company = COMPANIES[index]
    result = ocr.recognise_business_licence(render_business_licence(company, seed=index))
    assert values(result) == company
    assert all(result.fields[k].ok for k in ("uscc", "type")), result.as_dict()


def test_an_id_number_with_a_wrong_check_digit_is_flagged_not_trusted(engine):
    person = {**PEOPLE[0], "id_number": wrong_check(PEOPLE[0]["id_number"])}
    result = ocr.recognise_id_card(render_id_card(person, seed=5))
    number = result.fields["id_number"]
    assert number.value == person["id_number"]
    assert (number.ok, number.message) == (False, "居民身份证号校验位错误，请核对原件后手工填写")
    assert not result.ok
    assert result.as_dict()["fields"]["id_number"]["ok"] is False


def test_a_credit_code_with_a_wrong_check_character_is_flagged_not_trusted(engine):
    company = {**COMPANIES[0], "uscc": wrong_check(COMPANIES[0]["uscc"])}
    result = ocr.recognise_business_licence(render_business_licence(company, seed=5))
    code = result.fields["uscc"]
    assert code.value == company["uscc"]
    assert (code.ok, code.message) == (False, "统一社会信用代码校验位错误，请核对原件后手工填写")


# ---------------------------------------------------------------- parsing, without the model


def box(text: str, x: float, y: float, width: float = 0, height: float = 30, score: float = 0.99):
    return (text, score, (x, y, x + (width or 30 * len(text)), y + height))


def id_items(number: str, *, birth: str = "1990年1月1日", sex: str = "男") -> list:
    return [
        box("姓名", 70, 60), box("张伟", 170, 60),
        box("性别", 70, 120), box(sex, 170, 120), box("民族", 290, 120), box("汉", 400, 120),
        box("出生", 70, 180), box(birth, 170, 180),
        box("住址", 70, 240), box("湖北省鄂州市梁子湖区太", 170, 240),
        box("和镇万秀村3组12号", 170, 280),
        box("公民身份号码", 70, 440), box(number, 270, 440),
    ]  # fmt: skip


def test_a_letter_o_read_for_a_zero_is_repaired_when_the_check_digit_confirms_it():
    number = ric_with_check_digit("42070219900101003")
    misread = number[:4] + "O" + number[5:]  # 4207O2…
    fields = ocr.parse_id_card(id_items(misread))
    assert (fields["id_number"].value, fields["id_number"].ok) == (number, True)
    assert fields["address"].value == "湖北省鄂州市梁子湖区太和镇万秀村3组12号"


def test_a_repair_the_check_digit_rejects_is_not_made():
    number = wrong_check(ric_with_check_digit("42070219900101003"))
    misread = number[:4] + "O" + number[5:]
    fields = ocr.parse_id_card(id_items(misread))
    assert fields["id_number"].ok is False
    assert (
        fields["id_number"].message
        == "居民身份证号前17位只能是数字，第5位不是数字，请核对原件后手工填写"
    )


def test_a_birth_date_that_disagrees_with_the_id_number_flags_both():
    number = ric_with_check_digit("42070219900101003")
    fields = ocr.parse_id_card(id_items(number, birth="1990年1月7日"))
    message = "身份证号码中的出生日期1990-01-01与“出生”栏1990-01-07不一致"
    assert (fields["birth_date"].ok, fields["birth_date"].message) == (False, message)
    assert (fields["id_number"].ok, fields["id_number"].message) == (False, message)
    assert fields["name"].ok and fields["address"].ok


def test_a_sex_that_disagrees_with_the_id_number_is_flagged():
    number = ric_with_check_digit("42070219900101003")  # 17th digit 3: a man
    fields = ocr.parse_id_card(id_items(number, sex="女"))
    assert fields["sex"].ok is False
    assert fields["sex"].message == "身份证号码第17位表示性别为男，与“性别”栏“女”不一致"


def test_a_credit_code_letter_i_is_repaired_only_by_the_check_character():
    code = uscc_with_check_char("91420702MA0012341")
    assert code[12] == "1"
    items = [
        box("统一社会信用代码", 80, 120), box(code[:12] + "I" + code[13:], 80, 160),
        box("名称", 90, 300), box("鄂州梁湖农业科技有限公司", 260, 300),
    ]  # fmt: skip
    fields = ocr.parse_business_licence(items)
    assert (fields["uscc"].value, fields["uscc"].ok) == (code, True)
    assert fields["name"].value == "鄂州梁湖农业科技有限公司"
    assert fields["legal_representative"].ok is False
    assert fields["legal_representative"].message == "未能识别“法定代表人”，请手工填写"


# ---------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pdf_bytes(), "文件内容不是 JPEG 或 PNG，请上传扫描件或照片"),
        ("身份证".encode(), "文件内容不是 JPEG 或 PNG，请上传扫描件或照片"),
        (b"", "文件是空的（0 字节），请重新选择文件"),
        ("truncated png", "文件已损坏或不完整，不是有效的 PNG 文件，请重新上传"),
    ],
)
def test_an_upload_that_is_not_a_photo_is_refused_naming_the_image_field(data, message):
    if data == "truncated png":
        data = render_id_card(PEOPLE[0])[:5000]
    with pytest.raises(ValidationFailed) as caught:
        ocr.recognise_id_card(data)
    assert (caught.value.field, caught.value.message) == ("image", message)


def test_a_photo_without_the_document_is_refused(engine):
    blank = io.BytesIO()
    Image.new("RGB", (640, 400), (236, 240, 244)).save(blank, format="PNG")
    with pytest.raises(ValidationFailed) as caught:
        ocr.recognise_id_card(blank.getvalue())
    assert (caught.value.field, caught.value.message) == (
        "image",
        "图片中未识别到身份证的内容，请确认上传的是身份证人像面的清晰照片或扫描件",
    )


def test_an_image_over_the_upload_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 100_000
    with pytest.raises(ValidationFailed) as caught:
        ocr.recognise_business_licence(render_business_licence(COMPANIES[0]))
    assert (caught.value.field, caught.value.code) == ("image", "file_too_large")


def test_the_engine_loads_once_however_many_threads_ask(engine):
    got = []
    threads = [threading.Thread(target=lambda: got.append(ocr.engine.get())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(e is engine for e in got)
    assert ocr.engine.loads == 1


# ---------------------------------------------------------------- API


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_the_api_answers_the_fields_to_a_logged_in_user(client, engine):
    user = get_user_model().objects.create_user(username="applicant", password="x")
    client.force_login(user)
    company = COMPANIES[1]
    upload = SimpleUploadedFile("执照.png", render_business_licence(company, seed=1), "image/png")
    response = client.post("/api/ocr-test/recognise/business-licence", {"image": upload})
    assert response.status_code == 200
    body = response.json()
    assert body["document"] == "business_licence" and body["ok"] is True
    assert {k: v["value"] for k, v in body["fields"].items()} == company
    assert body["fields"]["uscc"]["label"] == "统一社会信用代码"


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_the_api_refuses_a_non_image_as_problem_json(client):
    user = get_user_model().objects.create_user(username="clerk", password="x")
    client.force_login(user)
    upload = SimpleUploadedFile("身份证.jpg", pdf_bytes(), "image/jpeg")
    response = client.post("/api/ocr-test/recognise/id-card", {"image": upload})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"
    problem = response.json()
    assert (problem["field"], problem["detail"]) == (
        "image",
        "文件内容不是 JPEG 或 PNG，请上传扫描件或照片",
    )


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_the_api_requires_login(client):
    upload = SimpleUploadedFile("身份证.png", render_id_card(PEOPLE[0]), "image/png")
    response = client.post("/api/ocr-test/recognise/id-card", {"image": upload})
    assert response.status_code == 401
