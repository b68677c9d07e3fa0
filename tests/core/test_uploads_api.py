"""Uploads over HTTP, through a test-only API mounted by this module (the real API is
untouched): multipart uploads are checked by content and refused as problem+json with
nothing stored; a submission with a file and an Idempotency-Key stores it once."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.urls import path
from ninja import File, Form, NinjaAPI, Status  # noqa: TID251  (a test-only API, mounted by this module)
from ninja.errors import ValidationError as NinjaValidationError  # noqa: TID251
from ninja.files import UploadedFile  # noqa: TID251

from tests.core.upload_samples import EXE, MINIMAL_JPEG, pdf_bytes, png_bytes
from yishi.api import on_domain_error, on_validation_error
from yishi.core.audit import audit_append
from yishi.core.crypto import sm3_hex
from yishi.core.errors import DomainError
from yishi.core.idempotency import idempotent_http
from yishi.core.models import AuditEntry, IdempotencyRecord, StoredFile
from yishi.core.uploads import check_upload, read_stored, store_checked, store_upload

test_api = NinjaAPI(
    title="uploads test", urls_namespace="uploads_test", docs_url=None, openapi_url=None
)
test_api.add_exception_handler(DomainError, on_domain_error)
test_api.add_exception_handler(NinjaValidationError, on_validation_error)


def _stored(stored: StoredFile) -> dict:
    return {
        "id": stored.pk,
        "name": stored.original_name,
        "content_type": stored.content_type,
        "size": stored.size,
        "sm3": stored.sm3,
    }


@test_api.post("/materials", response={201: dict})
def upload_material(request, file: File[UploadedFile]):
    stored = store_upload(name=file.name, data=file, actor=request.user, field="file")
    return Status(201, _stored(stored))


@test_api.post("/applications")
def submit_application(request, theme: Form[str], file: File[UploadedFile]):
    # Check first, so the fingerprint covers the file's content, then store inside the action.
    checked = check_upload(name=file.name, data=file, field="file")

    def action():
        stored = store_checked(checked=checked, actor=request.user)
        audit_append(action="application.submit", data={"theme": theme, "file": stored.pk})
        return 201, {"theme": theme, "material": _stored(stored)}, stored.pk

    return idempotent_http(
        request,
        scope="applications.submit",
        payload={"theme": theme, "file": checked.sm3},
        action=action,
    )


@test_api.get("/files/{file_id}")
def download_file(request, file_id: int):
    stored = StoredFile.objects.get(pk=file_id)
    return HttpResponse(read_stored(stored), content_type=stored.content_type)


urlpatterns = [path("api/uploads-test/", test_api.urls)]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]
MATERIALS = "/api/uploads-test/materials"
APPLICATIONS = "/api/uploads-test/applications"
PROBLEM = "application/problem+json; charset=utf-8"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_under(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def upload(client, name: str, data: bytes, content_type: str = "application/pdf"):
    return client.post(MATERIALS, {"file": SimpleUploadedFile(name, data, content_type)})


def test_a_pdf_upload_is_stored_and_described(client, media):
    data = pdf_bytes()
    response = upload(client, "申请书.pdf", data)
    assert response.status_code == 201
    stored = StoredFile.objects.get()
    assert response.json() == {
        "id": stored.pk,
        "name": "申请书.pdf",
        "content_type": "application/pdf",
        "size": len(data),
        "sm3": sm3_hex(data),
    }
    assert files_under(media) == [stored.file.name]


def test_the_declared_content_type_is_ignored_in_favour_of_the_content(client, media):
    response = upload(client, "照片.jpg", MINIMAL_JPEG, content_type="application/x-msdownload")
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/jpeg"


def test_an_exe_renamed_pdf_answers_422_and_stores_nothing(client, media):
    response = upload(client, "申请书.pdf", EXE)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert (problem["detail"], problem["field"], problem["status"]) == (
        "文件名为 .pdf，但内容不是 PDF 文件",
        "file",
        422,
    )
    assert files_under(media) == []
    assert StoredFile.objects.count() == 0


def test_an_upload_over_the_limit_answers_422_and_stores_nothing(client, media, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # Django spools it to a temporary file
    data = b"%PDF-1.4\n" + b" " * (3 * 1024 - 9)
    response = upload(client, "申请书.pdf", data)
    assert response.status_code == 422
    assert response.json()["detail"] == "文件大小 3 KB 超过上限 1 KB"
    assert files_under(media) == []
    assert StoredFile.objects.count() == 0


def test_an_upload_spooled_to_disk_is_stored(client, media, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    data = png_bytes(64, 64)
    assert len(data) > 100
    response = upload(client, "户口本.png", data, "image/png")
    assert response.status_code == 201
    assert read_stored(StoredFile.objects.get()) == data


def test_a_request_without_a_file_answers_422_problem(client, media):
    response = client.post(MATERIALS, {})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM


def test_a_double_submission_with_a_file_stores_one_application_and_one_file(client, media):
    data = pdf_bytes()
    responses = [
        client.post(
            APPLICATIONS,
            {"theme": "xsecs", "file": SimpleUploadedFile("申请书.pdf", data)},
            headers={"Idempotency-Key": "upload-1"},
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[1].content == responses[0].content
    assert responses[1]["Idempotent-Replayed"] == "true"
    assert StoredFile.objects.count() == 1
    assert AuditEntry.objects.count() == 1
    assert IdempotencyRecord.objects.get().resource_id == str(StoredFile.objects.get().pk)
    assert len(files_under(media)) == 1


def test_the_same_key_with_another_file_is_a_conflict(client, media):
    headers = {"Idempotency-Key": "upload-2"}
    client.post(
        APPLICATIONS,
        {"theme": "xsecs", "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
        headers=headers,
    )
    response = client.post(
        APPLICATIONS,
        {"theme": "xsecs", "file": SimpleUploadedFile("a.png", png_bytes())},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "Idempotency-Key 已用于另一个请求"
    assert StoredFile.objects.count() == 1


def test_an_api_download_of_a_tampered_file_is_a_409_problem(client, media):
    data = png_bytes()
    stored = store_upload(name="户口本.png", data=data)
    response = client.get(f"/api/uploads-test/files/{stored.pk}")
    assert (response.status_code, response.content) == (200, data)
    sealed = bytearray((media / stored.file.name).read_bytes())
    sealed[-1] ^= 1
    (media / stored.file.name).write_bytes(bytes(sealed))
    response = client.get(f"/api/uploads-test/files/{stored.pk}")
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("file_damaged") and body["title"] == "文件已损坏"
    assert body["detail"] == "文件已损坏或被篡改（完整性校验未通过），无法打开，请联系管理员"
