"""The generic PDF writer (yishi.core.pdf) that the notice and, later, licences use."""

from __future__ import annotations

import io

import noto_cjk_sans_otc
import pytest
from pypdf import PdfReader

from yishi.core.pdf import NOTO_SC_FACE, PdfDocument, font_spec


def _text(data: bytes) -> str:
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return "".join(text.replace("\x00", "").split())


def _document(body: str) -> bytes:
    doc = PdfDocument(title="测试文书", footer="页脚")
    doc.title("测试文书", subtitle=body)
    doc.heading("表格")
    doc.table(["名称", "说明"], [[body, "说明文字"]], widths=(1, 2))
    doc.fields([("标签", body)])
    doc.paragraph(body)
    return doc.to_bytes()


def test_documents_made_one_after_another_each_carry_their_own_glyphs():
    # The parsed font is shared between documents; each must still embed what it uses.
    first = _document("营业执照")
    second = _document("结婚证书")
    assert first.startswith(b"%PDF-")
    assert "营业执照" in _text(first)
    assert "结婚证书" in _text(second)
    assert "营业执照" not in _text(second)


def test_long_text_flows_onto_further_pages_with_page_numbers():
    doc = PdfDocument(title="长文书")
    for i in range(80):
        doc.paragraph(f"第{i}段：依照《中华人民共和国行政许可法》的规定办理。")
    reader = PdfReader(io.BytesIO(doc.to_bytes()))
    assert len(reader.pages) > 1
    last = "".join(reader.pages[-1].extract_text().replace("\x00", "").split())
    assert f"第{len(reader.pages)}页/共{len(reader.pages)}页" in last


def test_default_font_is_the_simplified_chinese_face_of_noto_sans_cjk(settings):
    settings.PDF_FONT_PATH = ""
    spec = font_spec()
    assert str(spec.path) == str(noto_cjk_sans_otc.FONT_PATH)
    assert spec.face == NOTO_SC_FACE == 2


def test_font_file_can_be_overridden_by_setting(settings):
    settings.PDF_FONT_PATH = str(noto_cjk_sans_otc.FONT_PATH)
    spec = font_spec()
    assert (str(spec.path), spec.face) == (str(noto_cjk_sans_otc.FONT_PATH), 0)
    assert "营业执照" in _text(_document("营业执照"))


def test_missing_font_file_is_reported_with_the_setting_name(settings, tmp_path):
    settings.PDF_FONT_PATH = str(tmp_path / "none.ttf")
    with pytest.raises(FileNotFoundError, match="YISHI_PDF_FONT"):
        PdfDocument(title="x")
