"""A small PDF writer for printable documents (one-time notices, licences) on fpdf2.

Every document embeds one CJK font (a subset of it), so Chinese text renders on any reader and
stays extractable. The font comes from settings.PDF_FONT_PATH (env YISHI_PDF_FONT) or, by
default, the Noto Sans CJK collection shipped by the noto-cjk-sans-otc package.
"""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace, SubsetMap, TTFFont

FONT_FAMILY = "cjk"
# Face 2 of NotoSansCJK-Regular.ttc is "Noto Sans CJK SC" (Simplified Chinese glyph shapes);
# 0 is JP, which would draw some common characters in Japanese forms.
NOTO_SC_FACE = 2

INK = (31, 41, 55)
MUTED = (90, 99, 112)
ACCENT = (17, 71, 150)
RULE = (200, 208, 220)
HEADER_FILL = (232, 239, 250)

# fontTools reports every subsetting step at INFO; that is noise in the server log.
logging.getLogger("fontTools").setLevel(logging.WARNING)


@dataclass(frozen=True)
class FontSpec:
    path: Path
    face: int


@functools.cache
def _font_spec(override: str) -> FontSpec:
    if override:
        path = Path(override)
        if not path.is_file():
            raise FileNotFoundError(f"PDF 字体文件不存在：{override}（YISHI_PDF_FONT）")
        # A collection given explicitly is read from its first face.
        return FontSpec(path=path, face=0)
    import noto_cjk_sans_otc

    return FontSpec(path=Path(noto_cjk_sans_otc.FONT_PATH), face=NOTO_SC_FACE)


def font_spec() -> FontSpec:
    """The CJK font for PDFs, resolved once per setting value."""
    return _font_spec(getattr(settings, "PDF_FONT_PATH", "") or "")


@functools.cache
def _prototype(path: str, face: int) -> TTFFont:
    pdf = FPDF()
    pdf.add_font(FONT_FAMILY, fname=path, collection_font_number=face)
    return pdf.fonts[FONT_FAMILY]


def _add_cjk_font(pdf: FPDF, spec: FontSpec) -> None:
    """Register the CJK font on a document, parsing it once per process.

    fpdf2's add_font reads the metrics of all 65 000 glyphs (about a second). Those stay
    read-only afterwards, so each document takes a shallow copy of one parsed font with its own
    glyph subset and its own handle on the file: subsetting at output changes that handle.
    """
    path = str(spec.path)
    try:
        font = copy.copy(_prototype(path, spec.face))
        font.ttfont = ttLib.TTFont(path, recalcTimestamp=False, fontNumber=spec.face, lazy=True)
        font.i = len(pdf.fonts) + 1
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
    except AttributeError:  # fpdf2 reorganised its font object: parse the font every time
        pdf.add_font(FONT_FAMILY, fname=path, collection_font_number=spec.face)
        return
    pdf.fonts[FONT_FAMILY] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")  # what add_font does for CID-keyed CFF fonts


class _Pdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 6, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="R")


class PdfDocument:
    """A one-column A4 document: a title, headings, paragraphs, label/value rows and tables.

    Usage: ``doc = PdfDocument(title="一次性告知单"); doc.heading("申请材料"); doc.table(...)``
    then ``doc.to_bytes()``.
    """

    def __init__(self, *, title: str, subject: str = "", author: str = "", footer: str = ""):
        spec = font_spec()
        pdf = _Pdf(orientation="portrait", unit="mm", format="A4")
        pdf.footer_text = footer
        _add_cjk_font(pdf, spec)
        pdf.set_margins(18, 18, 18)
        pdf.set_auto_page_break(auto=True, margin=20)
        pdf.set_title(title)
        pdf.set_subject(subject or title)
        pdf.set_author(author or getattr(settings, "SITE_NAME", ""))
        pdf.set_creator("yishi")
        pdf.set_lang("zh-CN")
        pdf.add_page()
        self.pdf = pdf

    @property
    def width(self) -> float:
        return self.pdf.epw

    def title(self, text: str, *, subtitle: str = "") -> None:
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, size=20)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 11, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            pdf.set_font(FONT_FAMILY, size=13)
            pdf.set_text_color(*INK)
            pdf.multi_cell(0, 8, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        self.rule()

    def rule(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.3)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(3)

    def heading(self, text: str) -> None:
        pdf = self.pdf
        # Keep a heading with at least a few lines of what follows it.
        if pdf.get_y() > pdf.page_break_trigger - 30:
            pdf.add_page()
        pdf.ln(2)
        pdf.set_fill_color(*ACCENT)
        pdf.rect(pdf.l_margin, pdf.get_y() + 1.2, 1.4, 5.6, style="F")
        pdf.set_x(pdf.l_margin + 3.5)
        pdf.set_font(FONT_FAMILY, size=13)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    def paragraph(self, text: str, *, size: float = 10.5, muted: bool = False) -> None:
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, size=size)
        pdf.set_text_color(*(MUTED if muted else INK))
        pdf.multi_cell(0, size * 0.6, text or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)

    def fields(self, rows: Sequence[tuple[str, str]], *, label_width: float = 34) -> None:
        """Label/value rows, the value wrapping under itself."""
        pdf = self.pdf
        for label, value in rows:
            pdf.set_font(FONT_FAMILY, size=10.5)
            pdf.set_text_color(*MUTED)
            y = pdf.get_y()
            if y > pdf.page_break_trigger - 8:
                pdf.add_page()
                y = pdf.get_y()
            pdf.multi_cell(label_width, 6.3, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.set_xy(pdf.l_margin + label_width, y)
            pdf.set_text_color(*INK)
            pdf.multi_cell(0, 6.3, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(0.8)
        pdf.ln(1)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float],
        size: float = 9.5,
    ) -> None:
        """A bordered table with a repeated heading row; `widths` are relative."""
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, size=size)
        pdf.set_text_color(*INK)
        pdf.set_draw_color(*RULE)
        # A table starts from the current style, fill colour included (a heading's bar).
        pdf.set_fill_color(255, 255, 255)
        with pdf.table(
            col_widths=tuple(widths),
            line_height=size * 0.6,
            padding=1.6,
            headings_style=_heading_style(),
            repeat_headings=1,
            text_align="LEFT",
        ) as table:
            head = table.row()
            for h in headers:
                head.cell(h)
            for values in rows:
                row = table.row()
                for v in values:
                    row.cell(v or "—")
        pdf.ln(3)

    def to_bytes(self) -> bytes:
        return bytes(self.pdf.output())


def _heading_style() -> FontFace:
    return FontFace(family=FONT_FAMILY, color=ACCENT, fill_color=HEADER_FILL, emphasis="")
