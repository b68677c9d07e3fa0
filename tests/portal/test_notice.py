"""The one-time notice data and its PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from yishi.catalog.notice import EXEMPT_LABEL, build_notice, notice_pdf

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """Text of every page with whitespace and NULs removed: fpdf2 embeds the CFF-based CJK font
    with a custom code-to-CID CMap, and pypdf reads each 2-byte code as a NUL plus the character
    (poppler's pdftotext reads the same file cleanly)."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(text.replace("\x00", "").split())


def test_notice_marks_shared_materials_as_not_to_be_brought(birth_matters):
    notice = build_notice(birth_matters["registration"])
    assert [m.name for m in notice.exempt] == ["出生医学证明"]
    assert [m.name for m in notice.to_bring] == [
        "监护人居民户口簿",
        "父母双方居民身份证",
        "非婚生育说明",
    ]
    assert notice.exempt[0].bring == EXEMPT_LABEL
    assert notice.to_bring[0].bring == "原件和复印件 2 份，A4纸张"


def test_notice_prints_the_date_in_shanghai(birth_matters):
    # 2026-11-28 17:30 UTC is already 29 November in Beijing time.
    now = dt.datetime(2026, 11, 28, 17, 30, tzinfo=dt.UTC)
    notice = build_notice(birth_matters["registration"], now=now)
    assert notice.printed_date == "2026年11月29日"
    assert notice.version == 2


def test_notice_pdf_has_extractable_chinese_text(birth_matters):
    notice = build_notice(birth_matters["registration"])
    data = notice_pdf(notice)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for expected in [
        "一次性告知单",
        "出生登记",
        "鄂州市公安局梁子湖分局",
        "监护人居民户口簿",
        "原件和复印件2份",
        "免提交（电子证照/部门共享获取）",
        "承诺3个工作日",
        "0711-5061110",
        "第2版",
    ]:
        assert expected in text, expected


def test_notice_pdf_download_is_inline_with_utf8_filename(client, birth_matters):
    matter = birth_matters["registration"]
    response = client.get(f"/matters/{matter.code}/notice.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="{matter.code}-notice.pdf"; '
        "filename*=UTF-8''%E5%87%BA%E7%94%9F%E7%99%BB%E8%AE%B0"
        "%E4%B8%80%E6%AC%A1%E6%80%A7%E5%91%8A%E7%9F%A5%E5%8D%95.pdf"
    )
    assert "出生登记" in pdf_text(response.content)
