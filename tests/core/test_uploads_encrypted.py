"""Uploads are encrypted at rest (SM4-GCM under the field keys) under a keyed address: the
stored bytes are not the upload's, the download gives the upload back, a modified file is a
clear Chinese refusal, equal uploads share one object, and files kept in plain before are
sealed by `encrypt_uploads`. The same on the S3 emulator in the PostgreSQL pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from tests.cases.conftest import chain, submitted  # noqa: F401
from yishi.cases.models import CaseMaterial
from yishi.core.crypto import hmac_sm3_hex, sm3_hex
from yishi.core.models import StoredFile
from yishi.core.uploads import StoredFileDamaged, read_stored, store_upload

SECRET = b"ZHANGSAN-420702199001011239-ID-CARD-SCAN"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n% " + SECRET + b"\ntrailer<<>>\n%%EOF\n"
KEY_1 = "k1:" + "11" * 16
KEY_2 = "k2:" + "22" * 16
DAMAGED = "文件已损坏或被篡改（完整性校验未通过），无法打开，请联系管理员"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FIELD_KEYS = [KEY_1]
    return tmp_path / "media"


def _stored_bytes(stored: StoredFile) -> bytes:
    with default_storage.open(stored.file.name, "rb") as handle:
        return handle.read()


def _overwrite(name: str, data: bytes) -> None:
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(data)) == name


def _flip_last_byte(name: str) -> None:
    data = bytearray(default_storage.open(name, "rb").read())
    data[-1] ^= 0x01
    _overwrite(name, bytes(data))


def _material(application, stored: StoredFile) -> CaseMaterial:
    return CaseMaterial.objects.create(
        application=application,
        kind="id_card",
        name="居民身份证",
        stored_file=stored,
        source="upload",
    )


# ---------------------------------------------------------------- local files


@pytest.mark.django_db
def test_stored_bytes_are_sealed_and_the_path_hides_the_plain_hash(media):
    stored = store_upload(name="身份证.pdf", data=PDF)
    body = _stored_bytes(stored)
    assert body.startswith(b"YSE1\x02k1")
    assert not body.startswith(b"%PDF") and SECRET not in body and b"%%EOF" not in body
    assert sm3_hex(PDF) not in stored.file.name
    keyed = hmac_sm3_hex(PDF)
    assert stored.file.name == f"uploads/{keyed[:2]}/{keyed}.pdf"
    assert stored.sm3 == sm3_hex(PDF)
    assert read_stored(stored) == PDF


@pytest.mark.django_db
def test_two_identical_uploads_share_one_sealed_file(media):
    first = store_upload(name="a.pdf", data=PDF)
    second = store_upload(name="b.pdf", data=PDF)
    assert first.pk != second.pk and first.file.name == second.file.name
    assert sorted(p.name for p in media.rglob("*") if p.is_file()) == [Path(first.file.name).name]
    assert read_stored(second) == PDF


@pytest.mark.django_db
def test_a_file_sealed_under_an_older_key_opens_after_a_rotation(media, settings):
    old = store_upload(name="a.pdf", data=PDF)
    settings.FIELD_KEYS = [KEY_2, KEY_1]
    new = store_upload(name="b.pdf", data=PDF + b"\n")
    assert _stored_bytes(new).startswith(b"YSE1\x02k2")
    assert read_stored(old) == PDF
    settings.FIELD_KEYS = [KEY_2]  # the old key gone: refused, not garbage
    with pytest.raises(StoredFileDamaged) as caught:
        read_stored(old)
    assert caught.value.message == DAMAGED


@pytest.mark.django_db
def test_a_modified_or_swapped_file_does_not_open(media):
    one = store_upload(name="a.pdf", data=PDF)
    other = store_upload(name="b.pdf", data=PDF + b"\n")
    _flip_last_byte(one.file.name)
    with pytest.raises(StoredFileDamaged) as caught:
        read_stored(one)
    assert (caught.value.status, caught.value.code) == (409, "file_damaged")
    # A valid sealed file copied over another address is bound to its own path.
    _overwrite(one.file.name, _stored_bytes(other))
    with pytest.raises(StoredFileDamaged):
        read_stored(one)
    # Plain bytes planted at a keyed address are refused too.
    _overwrite(one.file.name, PDF)
    with pytest.raises(StoredFileDamaged):
        read_stored(one)


@pytest.mark.django_db
def test_staff_download_the_original_and_a_tampered_file_is_a_chinese_page(
    client,
    media,
    chain,  # noqa: F811
    window,
    submitted,  # noqa: F811
):
    stored = store_upload(name="身份证.pdf", data=PDF)
    material = _material(submitted, stored)
    client.force_login(window.user)
    response = client.get(f"/workbench/files/{material.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    _flip_last_byte(stored.file.name)
    response = client.get(f"/workbench/files/{material.pk}/")
    assert response.status_code == 409
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert DAMAGED in response.content.decode()
    default_storage.delete(stored.file.name)
    response = client.get(f"/workbench/files/{material.pk}/")
    assert response.status_code == 409
    assert "文件已丢失或无法读取" in response.content.decode()


@pytest.mark.django_db
def test_encrypt_uploads_seals_plain_files_and_moves_their_rows(media):
    digest = sm3_hex(PDF)
    legacy = f"uploads/{digest[:2]}/{digest}.pdf"
    default_storage.save(legacy, ContentFile(PDF))
    rows = [
        StoredFile.objects.create(
            sm3=digest, size=len(PDF), content_type="application/pdf", original_name=n, file=legacy
        )
        for n in ("a.pdf", "b.pdf")
    ]
    # Readable during the transition only while it is exactly the recorded bytes.
    assert read_stored(rows[0]) == PDF
    with pytest.raises(CommandError, match="仍有未加密的上传文件"):
        call_command("encrypt_uploads", "--check")

    call_command("encrypt_uploads")
    keyed = hmac_sm3_hex(PDF)
    for row in rows:
        row.refresh_from_db()
        assert row.file.name == f"uploads/{keyed[:2]}/{keyed}.pdf"
        assert read_stored(row) == PDF
    assert not default_storage.exists(legacy)
    assert SECRET not in _stored_bytes(rows[0])
    call_command("encrypt_uploads")  # nothing left to do
    call_command("encrypt_uploads", "--check")


@pytest.mark.django_db
def test_a_modified_plain_file_is_refused_and_left_for_the_operator(media):
    digest = sm3_hex(PDF)
    legacy = f"uploads/{digest[:2]}/{digest}.pdf"
    default_storage.save(legacy, ContentFile(PDF.replace(b"ZHANGSAN", b"LISI0000")))
    row = StoredFile.objects.create(
        sm3=digest, size=len(PDF), content_type="application/pdf", original_name="a", file=legacy
    )
    with pytest.raises(StoredFileDamaged):
        read_stored(row)
    with pytest.raises(CommandError, match="1 个文件缺失或与记录的 SM3 摘要不符"):
        call_command("encrypt_uploads")
    row.refresh_from_db()
    assert row.file.name == legacy


@pytest.mark.django_db
def test_a_sealed_company_document_carries_the_original_and_refuses_a_tampered_one(client, media):
    from tests.companies.support import attachments, company_world, seal_in_force
    from yishi.companies import services
    from yishi.companies.models import SealedDocument

    w = company_world()
    seal_in_force(w)
    document = services.document_sign(
        company=w.company,
        user=w.rep.user,
        kind=SealedDocument.Kind.FORM,
        title="年度报告表",
        upload=PDF,
        upload_name="年度报告表.pdf",
    )
    assert SECRET not in _stored_bytes(document.original)
    client.force_login(w.rep.user)
    url = f"/companies/{w.company.uscc}/documents/{document.ref}/pdf/"
    response = client.get(url)
    assert response.status_code == 200
    assert attachments(response.content)["年度报告表.pdf"] == PDF
    _flip_last_byte(document.original.file.name)
    response = client.get(url)
    assert response.status_code == 409
    assert DAMAGED in response.content.decode()


# ---------------------------------------------------------------- S3


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_s3_objects_are_sealed_shared_and_checked(s3_storage, settings):
    settings.FIELD_KEYS = [KEY_1]
    first = store_upload(name="a.pdf", data=PDF)
    second = store_upload(name="b.pdf", data=PDF)
    assert s3_storage.names() == [first.file.name] == [second.file.name]
    assert sm3_hex(PDF) not in first.file.name
    body = s3_storage.client.get_object(Bucket=s3_storage.bucket, Key=first.file.name)["Body"]
    body = body.read()
    assert body.startswith(b"YSE1") and SECRET not in body and not body.startswith(b"%PDF")
    assert read_stored(second) == PDF
    tampered = body[:-1] + bytes([body[-1] ^ 1])
    s3_storage.client.put_object(Bucket=s3_storage.bucket, Key=first.file.name, Body=tampered)
    with pytest.raises(StoredFileDamaged) as caught:
        read_stored(first)
    assert caught.value.message == DAMAGED
