"""The printable licence: its data, the issuer's seal image, a QR code linking to the public
verification page and, attached to the PDF, signature.json: the canonical data the seal signed,
the SM2 signature and the seal's key id, so that anyone holding the published key
(GET /api/v1/seals) verifies the licence offline (docs/verify-offline.md)."""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import segno
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from fpdf import FPDF

from yishi.core.crypto import mask
from yishi.core.errors import ValidationFailed
from yishi.core.pdf import PdfDocument
from yishi.licences.canonical import licence_canonical
from yishi.licences.labels import licence_data_rows
from yishi.licences.models import Licence
from yishi.licences.services import seal_for


def public_base_url(request: HttpRequest | None = None) -> str:
    """The site's address for links printed on paper (QR codes): YISHI_PUBLIC_URL when set,
    else the address the request came to (its host is checked against ALLOWED_HOSTS); ""
    (a site-relative link) with neither."""
    base = getattr(settings, "SITE_URL", "") or getattr(settings, "YISHI_PUBLIC_URL", "")
    if not base and request is not None:
        base = request.build_absolute_uri("/")
    return str(base or "").rstrip("/")


def verify_url(licence: Licence | str, *, base_url: str | None = None) -> str:
    """The verification page of a licence (what its QR code holds), under `base_url`
    (default: public_base_url() without a request)."""
    number = licence.number if isinstance(licence, Licence) else licence
    base = public_base_url() if base_url is None else base_url.rstrip("/")
    return base + reverse("licences:verify_number", args=[number])


def qr_png(payload: str, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


SIGNATURE_FILE = "signature.json"


def signature_json(*, data: str, signature_hex: str, seal_id: str) -> bytes:
    """The attachment that makes a document verifiable offline: `data` is the exact text that
    was signed (UTF-8), `signature` the SM2 signature (GB/T 32918, SM3, user ID
    1234567812345678) as hex of its DER encoding, `seal_id` the key's id in /api/v1/seals."""
    body = {"data": data, "signature": signature_hex, "seal_id": seal_id}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def attach_signature(pdf: FPDF, *, data: str, signature_hex: str, seal_id: str) -> None:
    """Embed signature.json in the PDF as a file attachment (EmbeddedFiles)."""
    pdf.embed_file(
        bytes=signature_json(data=data, signature_hex=signature_hex, seal_id=seal_id),
        basename=SIGNATURE_FILE,
        mime_type="application/json",
        desc="电子签章验证数据：签署原文(data)、SM2 签名(signature，DER 十六进制)、印章标识(seal_id)",
        modification_date=timezone.now(),
        compress=False,
    )


def company_url(uscc: str, *, base_url: str | None = None) -> str:
    """The public page of a company (一企一码); "" while the companies app is not installed."""
    try:
        path = reverse("companies:page", args=[uscc])
    except NoReverseMatch:
        return ""
    base = public_base_url() if base_url is None else base_url.rstrip("/")
    return base + path


SEAL_TOO_LARGE = "发证机关的电子印章图像尺寸过大，无法生成证照文件，请联系发证机关处理。"


@contextmanager
def refusing_oversized_images(message: str) -> Iterator[None]:
    """Pillow refuses an image over YISHI_MAX_IMAGE_PIXELS (Image.MAX_IMAGE_PIXELS, set at
    start-up by yishi.core): its warning between once and twice the limit counts as a refusal
    here too, and either becomes a Chinese ValidationFailed (422) instead of a server error."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed(message, field="seal", code="image_too_large") from None


def _holder_rows(licence: Licence) -> list[tuple[str, str]]:
    """Who the licence is about, with their masked ID number (none for a newborn without one
    yet) or credit code."""
    rows = [("持证主体", licence.holder_name)]
    if licence.person_id:
        rows.append(("公民身份号码", mask(str(licence.person.id_number))))
    elif licence.company_id:
        rows.append(("统一社会信用代码", licence.company.uscc))
    elif licence.subject_id_number:
        rows.append(("公民身份号码", mask(str(licence.subject_id_number))))
    return rows


def licence_pdf(licence: Licence, *, base_url: str | None = None) -> bytes:
    """The licence as an A4 PDF with the seal image and the verification QR code, which
    points under `base_url` (the serving request's public_base_url)."""
    doc = PdfDocument(
        title=licence.type.name,
        subject=f"{licence.type.name} {licence.number}",
        author=licence.issuer.name,
        footer=f"{licence.issuer.name} · 电子证照 · 扫描二维码核验真伪",
    )
    doc.title(licence.type.name, subtitle=f"证照编号：{licence.number}")
    doc.fields(
        [
            *_holder_rows(licence),
            *[(row["label"], row["value"]) for row in licence_data_rows(licence)],
            ("发证机关", licence.issuer.name),
            ("颁发日期", f"{licence.issued_on:%Y年%m月%d日}"),
            (
                "有效期",
                f"{licence.valid_from:%Y年%m月%d日} 至 "
                + (f"{licence.valid_until:%Y年%m月%d日}" if licence.valid_until else "长期"),
            ),
            ("状态", licence.get_status_display()),
        ]
    )
    pdf = doc.pdf
    y = pdf.get_y() + 4
    if y > pdf.page_break_trigger - 60:
        pdf.add_page()
        y = pdf.get_y()
    seal = seal_for(licence.issuer)
    with refusing_oversized_images(SEAL_TOO_LARGE):
        pdf.image(io.BytesIO(bytes(seal.image_png)), x=pdf.l_margin + pdf.epw - 50, y=y, w=44, h=44)
    url = verify_url(licence, base_url=base_url)
    pdf.image(io.BytesIO(qr_png(url)), x=pdf.l_margin, y=y, w=38, h=38)
    # On screen the QR code is also a link to the same page.
    pdf.link(pdf.l_margin, y, 38, 38, url)
    # A company's licence also leads to the company's own page (一企一码).
    home = company_url(licence.company.uscc, base_url=base_url) if licence.company_id else ""
    if home:
        x = pdf.l_margin + 44
        pdf.image(io.BytesIO(qr_png(home)), x=x, y=y, w=38, h=38)
        pdf.link(x, y, 38, 38, home)
    pdf.set_y(y + 40)
    doc.paragraph(f"扫码或访问 {url} 核验真伪。", size=8.5, muted=True)
    if home:
        doc.paragraph(
            f"一企一码：扫描左起第二个二维码或访问 {home} 查看企业公示信息。", size=8.5, muted=True
        )
    signature = licence.signature or {}
    doc.paragraph(
        f"电子签章：SM2/SM3（GB/T 38540），密钥标识 {signature.get('key_id', '—')}；"
        f"生成时间 {timezone.localtime():%Y-%m-%d %H:%M}。"
        "本文件附带 signature.json（签署原文与签名），可凭公开的印章公钥离线验证。",
        size=8,
        muted=True,
    )
    if signature.get("value") and signature.get("key_id"):
        attach_signature(
            pdf,
            data=licence_canonical(licence).decode("utf-8"),
            signature_hex=str(signature["value"]),
            seal_id=str(signature["key_id"]),
        )
    return doc.to_bytes()
