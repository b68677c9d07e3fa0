"""Material uploads: recognised by content, refused with a clear message, and a refused upload
leaves nothing behind; accepted content is stored once per hash."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from tests.core.upload_samples import (
    EXE,
    HTML,
    MINIMAL_JPEG,
    SVG,
    gif_bytes,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    zip_bytes,
)
from yishi.core.crypto import hmac_sm3_hex, sm3_hex
from yishi.core.errors import ValidationFailed
from yishi.core.models import StoredFile
from yishi.core.uploads import (
    check_upload,
    human_size,
    read_stored,
    safe_name,
    sniff,
    store_upload,
    stored_files_sweep,
)

NOT_ACCEPTED = "文件内容不是 PDF、JPEG 或 PNG，请上传扫描件或照片"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_under(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# ---------------------------------------------------------------- sniff


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (pdf_bytes(), "application/pdf"),
        (png_bytes(), "image/png"),
        (png_bytes(300, 200), "image/png"),
        (MINIMAL_JPEG, "image/jpeg"),
        (jpeg_bytes(), "image/jpeg"),
        (jpeg_bytes(progressive=True), "image/jpeg"),
    ],
)
def test_sniff_recognises_pdf_png_and_jpeg_by_their_structure(data, expected):
    assert sniff(data) == expected


@pytest.mark.parametrize(
    "data",
    [EXE, zip_bytes(), HTML, SVG, gif_bytes(), b"", b"%PDF", b"just text\n"],
    ids=["exe", "zip", "html", "svg", "gif", "empty", "pdf-magic-only", "text"],
)
def test_sniff_recognises_nothing_else(data):
    assert sniff(data) is None


def test_the_hand_made_jpeg_and_png_decode_with_an_independent_decoder():
    jpeg = Image.open(io.BytesIO(MINIMAL_JPEG))
    jpeg.load()
    png = Image.open(io.BytesIO(png_bytes()))
    png.load()
    assert (jpeg.size, jpeg.mode, jpeg.getpixel((0, 0))) == ((1, 1), "L", 128)
    assert (png.size, png.getpixel((1, 0))) == ((2, 1), (200, 10, 10))


@pytest.mark.parametrize(
    "data", [png_bytes(), jpeg_bytes(), MINIMAL_JPEG], ids=["png", "jpeg", "min"]
)
def test_every_truncation_of_an_image_is_refused(data):
    accepted = [n for n in range(len(data)) if sniff(data[:n]) is not None]
    assert accepted == []


def test_a_png_with_one_flipped_byte_fails_its_crc():
    data = bytearray(png_bytes())
    data[20] ^= 0x01  # inside IHDR: the width
    assert sniff(bytes(data)) is None


def test_a_png_with_data_after_iend_is_refused():
    assert sniff(png_bytes() + b"MZ payload") is None


def test_a_pdf_without_its_end_marker_is_refused():
    data = pdf_bytes()
    assert sniff(data[: data.rindex(b"%%EOF")]) is None


# ---------------------------------------------------------------- check_upload


def test_a_valid_pdf_passes_with_type_size_hash_and_name():
    data = pdf_bytes()
    checked = check_upload(name="申请书.PDF", data=data)
    assert checked.content_type == "application/pdf"
    assert checked.extension == "pdf"
    assert checked.size == len(data)
    assert checked.sm3 == sm3_hex(data)
    assert checked.name == "申请书.PDF"
    assert checked.content == data


@pytest.mark.parametrize(
    ("name", "data", "message", "code"),
    [
        ("申请书.pdf", EXE, "文件名为 .pdf，但内容不是 PDF 文件", "file_name_mismatch"),
        ("照片.png", pdf_bytes(), "文件名为 .png，但内容不是 PNG 文件", "file_name_mismatch"),
        ("照片.jpg", png_bytes(), "文件名为 .jpg，但内容不是 JPEG 文件", "file_name_mismatch"),
        (
            "照片.png",
            png_bytes()[:-5],
            "文件已损坏或不完整，不是有效的 PNG 文件，请重新上传",
            "file_damaged",
        ),
        (
            "扫描件",
            png_bytes()[:-5],
            "文件已损坏或不完整，不是有效的 PNG 文件，请重新上传",
            "file_damaged",
        ),
        ("材料.docx", zip_bytes(), NOT_ACCEPTED, "file_type"),
        ("setup.exe", EXE, NOT_ACCEPTED, "file_type"),
        ("动图.gif", gif_bytes(), NOT_ACCEPTED, "file_type"),
        ("图标.svg", SVG, NOT_ACCEPTED, "file_type"),
        ("无扩展名", HTML, NOT_ACCEPTED, "file_type"),
        (
            "申请书.pdf.exe",
            pdf_bytes(),
            "文件扩展名 .exe 不受支持，只接受 .pdf、.jpg、.jpeg、.png 文件",
            "file_extension",
        ),
        ("空.pdf", b"", "文件是空的（0 字节），请重新选择文件", "file_empty"),
    ],
)
def test_uploads_that_are_not_what_they_claim_are_refused_with_the_reason(
    name, data, message, code
):
    with pytest.raises(ValidationFailed) as caught:
        check_upload(name=name, data=data, field="materials.0.file")
    assert (caught.value.message, caught.value.field, caught.value.code) == (
        message,
        "materials.0.file",
        code,
    )
    assert caught.value.status == 422


def test_a_png_where_only_pdf_is_allowed_names_pdf_alone():
    with pytest.raises(ValidationFailed) as caught:
        check_upload(name="照片.png", data=png_bytes(), allowed=["application/pdf"])
    assert caught.value.message == "文件内容不是 PDF，请上传扫描件或照片"


def test_an_upload_over_the_limit_names_both_sizes(settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    data = b"%PDF-1.4\n" + b"\x00" * (int(12.3 * 1024 * 1024) - 9)
    with pytest.raises(ValidationFailed) as caught:
        check_upload(name="大文件.pdf", data=data)
    assert caught.value.message == "文件大小 12.3 MB 超过上限 10 MB"
    assert caught.value.code == "file_too_large"


def test_an_upload_one_byte_over_the_limit_is_shown_in_bytes():
    with pytest.raises(ValidationFailed) as caught:
        check_upload(name="a.pdf", data=b"x" * 2049, max_bytes=2048)
    assert caught.value.message == "文件大小 2049 字节 超过上限 2048 字节"


def test_an_upload_exactly_at_the_limit_passes():
    data = png_bytes()
    assert check_upload(name="a.png", data=data, max_bytes=len(data)).size == len(data)


class EndlessZeros(io.RawIOBase):
    """A stream that never ends and counts what was read from it."""

    def __init__(self) -> None:
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b"\x00" * len(buffer)
        self.consumed += len(buffer)
        return len(buffer)


def test_a_huge_stream_is_refused_after_reading_one_byte_over_the_limit():
    stream = EndlessZeros()
    with pytest.raises(ValidationFailed) as caught:
        check_upload(name="无穷.pdf", data=stream, max_bytes=300 * 1024)
    assert caught.value.message == "文件大小超过上限 300 KB"
    assert stream.consumed == 300 * 1024 + 1


def test_an_uploaded_file_declaring_a_size_over_the_limit_is_refused_before_reading():
    upload = TemporaryUploadedFile("大.pdf", "application/pdf", 5 * 1024 * 1024, None)
    upload.write(pdf_bytes())
    with pytest.raises(ValidationFailed) as caught:
        check_upload(name=upload.name, data=upload, max_bytes=1024 * 1024)
    upload.close()
    assert caught.value.message == "文件大小 5 MB 超过上限 1 MB"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/证件.pdf", "证件.pdf"),
        ("C:\\Users\\张三\\扫描件.pdf", "扫描件.pdf"),
        ("a\x00b\n\tc.pdf", "a b c.pdf"),
        ('what<is>:"this"?.pdf', "what_is___this__.pdf"),
        ("扫描件", "扫描件.pdf"),
        ("", "未命名.pdf"),
        ("..", "未命名.pdf"),
        ("  .隐藏.pdf. ", "隐藏.pdf"),
        ("名" * 300 + ".pdf", "名" * 196 + ".pdf"),
    ],
)
def test_odd_names_are_sanitised_not_refused(name, expected):
    assert safe_name(name, extension="pdf") == expected
    assert check_upload(name=name, data=pdf_bytes()).name == expected


@given(st.text(max_size=400))
def test_a_sanitised_name_is_short_visible_and_has_no_path(name):
    clean = safe_name(name, extension="pdf")
    assert 1 <= len(clean) <= 200
    assert "/" not in clean and "\\" not in clean
    assert not any(ch.isspace() and ch != " " for ch in clean)
    assert clean.lower().rsplit(".", 1)[-1] != "" and not clean.startswith((".", " "))


@pytest.mark.parametrize(
    ("size", "shown"),
    [(900, "900 字节"), (1024, "1 KB"), (1536, "1.5 KB"), (10 * 1024 * 1024, "10 MB")],
)
def test_sizes_are_shown_in_units_people_read(size, shown):
    assert human_size(size) == shown


# ---------------------------------------------------------------- store_upload


@pytest.mark.django_db
def test_a_stored_upload_is_kept_under_its_hash_with_a_row(media):
    user = get_user_model().objects.create_user("clerk")
    data = png_bytes()
    digest = sm3_hex(data)
    stored = store_upload(name="户口本.png", data=data, actor=user)
    stored.refresh_from_db()
    keyed = hmac_sm3_hex(data)
    path = f"uploads/{keyed[:2]}/{keyed}.png"
    assert (stored.sm3, stored.size, stored.content_type) == (digest, len(data), "image/png")
    assert (stored.original_name, stored.file.name, stored.created_by) == ("户口本.png", path, user)
    assert files_under(media) == [path]
    assert (media / path).read_bytes().startswith(b"YSE1")
    assert read_stored(stored) == data


@pytest.mark.django_db
def test_an_exe_renamed_pdf_is_refused_and_nothing_is_stored(media):
    with pytest.raises(ValidationFailed) as caught:
        store_upload(name="申请书.pdf", data=EXE, field="file")
    assert caught.value.message == "文件名为 .pdf，但内容不是 PDF 文件"
    assert caught.value.field == "file"
    assert files_under(media) == []
    assert StoredFile.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [("照片.png", pdf_bytes()), ("照片.png", png_bytes()[:-1]), ("a.pdf", b"")],
    ids=["pdf-named-png", "truncated-png", "empty"],
)
def test_refused_uploads_store_nothing(media, name, data):
    with pytest.raises(ValidationFailed):
        store_upload(name=name, data=data)
    assert files_under(media) == []
    assert StoredFile.objects.count() == 0


@pytest.mark.django_db
def test_an_upload_over_the_configured_limit_stores_nothing(media, settings):
    settings.UPLOAD_MAX_BYTES = 512
    data = pdf_bytes()
    with pytest.raises(ValidationFailed) as caught:
        store_upload(name="申请书.pdf", data=data)
    assert caught.value.message == f"文件大小 {len(data)} 字节 超过上限 512 字节"
    assert files_under(media) == []
    assert StoredFile.objects.count() == 0


@pytest.mark.django_db
def test_identical_content_is_stored_once_with_a_row_per_upload(media):
    data = pdf_bytes()
    first = store_upload(name="申请书.pdf", data=data)
    second = store_upload(name="申请书(副本).pdf", data=SimpleUploadedFile("x.pdf", data))
    other = store_upload(name="照片.jpg", data=MINIMAL_JPEG)
    assert first.pk != second.pk
    assert first.file.name == second.file.name
    assert [first.original_name, second.original_name] == ["申请书.pdf", "申请书(副本).pdf"]
    assert files_under(media) == sorted([first.file.name, other.file.name])


@pytest.mark.django_db
def test_django_uploaded_files_in_memory_and_on_disk_are_stored(media):
    data = jpeg_bytes()
    in_memory = SimpleUploadedFile("门店照片.jpeg", data, content_type="application/octet-stream")
    on_disk = TemporaryUploadedFile("门店照片.jpeg", "image/jpeg", len(data), None)
    on_disk.write(data)
    a = store_upload(name=in_memory.name, data=in_memory)
    b = store_upload(name=on_disk.name, data=on_disk)
    on_disk.close()
    assert (a.content_type, b.content_type) == ("image/jpeg", "image/jpeg")
    assert a.size == b.size == len(data)
    assert a.file.name.endswith(".jpg")
    assert files_under(media) == [a.file.name]


@pytest.mark.django_db(transaction=True)
def test_a_failed_database_write_leaves_no_file_behind(media):
    ghost = get_user_model()(pk=987654, username="ghost")  # no such row: the FK fails
    with pytest.raises(IntegrityError):
        store_upload(name="申请书.pdf", data=pdf_bytes(), actor=ghost)
    assert StoredFile.objects.count() == 0
    assert files_under(media) == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_keeps_a_file_another_row_uses(media):
    data = pdf_bytes()
    kept = store_upload(name="申请书.pdf", data=data)
    ghost = get_user_model()(pk=987654, username="ghost")
    with pytest.raises(IntegrityError):
        store_upload(name="再次.pdf", data=data, actor=ghost)
    assert list(StoredFile.objects.values_list("pk", flat=True)) == [kept.pk]
    assert files_under(media) == [kept.file.name]


@pytest.mark.django_db
def test_a_file_left_by_an_enclosing_rollback_is_swept(media):
    kept = store_upload(name="保留.png", data=png_bytes())
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = store_upload(name="回滚.pdf", data=pdf_bytes())
        raise RuntimeError("the application failed after the upload")
    assert files_under(media) == sorted([kept.file.name, lost.file.name])
    assert stored_files_sweep() == 0  # still inside the grace period
    old = 3 * 3600
    for path in (media / kept.file.name, media / lost.file.name):
        os.utime(path, (path.stat().st_atime - old, path.stat().st_mtime - old))
    assert stored_files_sweep() == 1
    assert files_under(media) == [kept.file.name]


@pytest.mark.django_db
def test_the_sweep_command_deletes_unreferenced_files(media):
    orphan = media / "uploads" / "ab" / ("ab" + "0" * 62 + ".pdf")
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(pdf_bytes())
    out = io.StringIO()
    call_command("sweep_uploads", "--grace-minutes", "0", stdout=out)
    assert out.getvalue() == "已删除 1 个孤立文件 / deleted 1 orphaned files\n"
    assert files_under(media) == []


@pytest.mark.django_db
def test_the_admin_lists_uploads_read_only(admin_client, media):
    stored = store_upload(name="户口本.png", data=png_bytes())
    listing = admin_client.get("/admin/core/storedfile/")
    detail = admin_client.get(f"/admin/core/storedfile/{stored.pk}/change/")
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "户口本.png" in listing.content.decode()
    assert admin_client.get("/admin/core/storedfile/add/").status_code == 403
    assert admin_client.post(f"/admin/core/storedfile/{stored.pk}/delete/").status_code == 403
