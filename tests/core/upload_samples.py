"""Real bytes of the formats uploads accept and of those they refuse, for the upload tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from fpdf import FPDF
from PIL import Image  # a dependency of fpdf2: an independent encoder for JPEG


def pdf_bytes(text: str = "Application form") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bytes(width: int = 2, height: int = 1) -> bytes:
    """An RGB PNG written by hand: signature, IHDR, one IDAT, IEND."""
    rows = b"".join(b"\x00" + b"\xc8\x0a\x0a" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_segment(marker: int, body: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body


# The smallest baseline JPEG worth having: 1×1 grey, one quantisation table of ones, a DC and
# an AC Huffman table with one code each, and one scan holding "DC diff 0, end of block".
MINIMAL_JPEG = (
    b"\xff\xd8"
    + _jpeg_segment(0xDB, b"\x00" + b"\x01" * 64)
    + _jpeg_segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
    + _jpeg_segment(0xC4, b"\x00\x01" + b"\x00" * 15 + b"\x00")
    + _jpeg_segment(0xC4, b"\x10\x01" + b"\x00" * 15 + b"\x00")
    + _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    + b"\x3f"
    + b"\xff\xd9"
)


def jpeg_bytes(*, progressive: bool = False) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 10, 10)).save(buffer, "JPEG", progressive=progressive)
    return buffer.getvalue()


def gif_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, "GIF")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


# The start of a Windows executable: the DOS header with its stub and a PE signature.
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"\x40\x00\x00\x00"
    + b"This program cannot be run in DOS mode.\r\r\n$"
    + b"PE\x00\x00"
    + b"\x00" * 200
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
