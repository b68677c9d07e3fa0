"""Phone cameras write bytes after a JPEG's end marker (maker data, a second preview image):
such photos are accepted; a JPEG followed by markup, or cut short, is still refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.core.upload_samples import MINIMAL_JPEG, jpeg_bytes
from yishi.core.errors import ValidationFailed
from yishi.core.uploads import JPEG, check_upload, sniff

# What a Samsung camera appends (an "SEFH/SEFT" trailer) and what an MPF camera appends (a
# second, smaller JPEG), both after the first image's EOI.
SAMSUNG_TRAILER = b"\x00\x00\x01\x00\x0a\x00Image_UTC_Data1733558400000SEFHSEFT\x2a\x00\x00\x00"


def camera_jpeg(*, progressive: bool = False) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((64, 48), 80).convert("RGB").save(
        buffer, "JPEG", quality=85, progressive=progressive
    )
    return buffer.getvalue()


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
@pytest.mark.parametrize(
    "trailer",
    [SAMSUNG_TRAILER, jpeg_bytes(), b"\x00" * 4096, b"\xff\xd9\xff\xd9"],
    ids=["samsung", "second-image", "zero-padding", "double-eoi"],
)
def test_a_jpeg_with_data_after_its_end_marker_is_accepted(progressive, trailer):
    photo = camera_jpeg(progressive=progressive)
    assert photo.endswith(b"\xff\xd9")
    data = photo + trailer

    checked = check_upload(name="出生医学证明.jpg", data=data)

    assert (checked.content_type, checked.size, checked.content) == (JPEG, len(data), data)
    # An independent decoder reads the same image from the bytes as stored.
    assert Image.open(io.BytesIO(checked.content)).size == (64, 48)


def test_a_plain_jpeg_is_still_recognised():
    assert sniff(camera_jpeg()) == JPEG
    assert sniff(MINIMAL_JPEG) == JPEG


@pytest.mark.parametrize(
    "markup",
    [b"<script>alert(1)</script>", b"\n<html><body>hi</body></html>", b"<SVG onload=x>"],
)
def test_a_jpeg_followed_by_markup_is_refused_as_a_polyglot(markup):
    with pytest.raises(ValidationFailed) as exc:
        check_upload(name="照片.jpg", data=camera_jpeg() + markup)
    assert (exc.value.code, exc.value.message) == (
        "file_type",
        "文件内容不是有效的 JPEG（含有网页代码），请上传扫描件或照片",
    )


def test_every_truncation_of_a_camera_jpeg_is_refused():
    photo = camera_jpeg()
    for cut in range(len(photo) - 1, 2, -max(1, len(photo) // 300)):
        assert sniff(photo[:cut]) is None, cut


def test_a_jpeg_cut_before_its_end_marker_then_padded_is_refused():
    photo = camera_jpeg()
    cut = photo[: len(photo) // 2]
    with pytest.raises(ValidationFailed) as exc:
        check_upload(name="照片.jpg", data=cut + b"\x00" * 64)
    assert exc.value.code == "file_damaged"


def test_html_renamed_jpg_is_still_refused():
    with pytest.raises(ValidationFailed) as exc:
        check_upload(name="照片.jpg", data=b"<html><script>alert(1)</script></html>")
    assert exc.value.code == "file_name_mismatch"
