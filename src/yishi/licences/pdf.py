"""The printable licence: its data, the issuer's seal image and a QR code linking to the
public verification page."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from yishi.core.crypto import mask
from yishi.core.pdf import PdfDocument
from yishi.licences.models import Licence
from yishi.licences.services import seal_for

DATA_LABELS = {"holder_name": "持证人"}


def public_base_url() -> str:
    """The site's public address, for links printed on paper (QR codes)."""
    base = getattr(settings, "SITE_URL", "") or getattr(
        settings, "YISHI_PUBLIC_URL", "http://127.0.0.1:8000"
    )
    return str(base).rstrip("/")


def verify_url(licence: Licence | str) -> str:
    """The verification page of a licence (what its QR code holds)."""
    number = licence.number if isinstance(licence, Licence) else licence
    return public_base_url() + reverse("licences:verify_number", args=[number])


def qr_png(payload: str, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def _data_rows(licence: Licence) -> list[tuple[str, str]]:
    labels = dict(DATA_LABELS)
    for spec in licence.type.fields or []:
        if isinstance(spec, dict) and spec.get("key"):
            labels[spec["key"]] = str(spec.get("label") or spec["key"])
    rows = []
    for key, value in licence.data.items():
        rows.append((labels.get(key, key), str(value)))
    return rows


def licence_pdf(licence: Licence) -> bytes:
    """The licence as an A4 PDF with the seal image and the verification QR code."""
    if licence.person_id:
        holder_code_label, holder_code = "公民身份号码", mask(str(licence.person.id_number))
    else:
        holder_code_label, holder_code = "统一社会信用代码", licence.company.uscc
    doc = PdfDocument(
        title=licence.type.name,
        subject=f"{licence.type.name} {licence.number}",
        author=licence.issuer.name,
        footer=f"{licence.issuer.name} · 电子证照 · 扫描二维码核验真伪",
    )
    doc.title(licence.type.name, subtitle=f"证照编号：{licence.number}")
    doc.fields(
        [
            ("持证主体", licence.holder_name),
            (holder_code_label, holder_code),
            *_data_rows(licence),
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
    pdf.image(io.BytesIO(bytes(seal.image_png)), x=pdf.l_margin + pdf.epw - 50, y=y, w=44, h=44)
    url = verify_url(licence)
    pdf.image(io.BytesIO(qr_png(url)), x=pdf.l_margin, y=y, w=38, h=38)
    # On screen the QR code is also a link to the same page.
    pdf.link(pdf.l_margin, y, 38, 38, url)
    pdf.set_y(y + 40)
    doc.paragraph(f"扫码或访问 {url} 核验真伪。", size=8.5, muted=True)
    signature = licence.signature or {}
    doc.paragraph(
        f"电子签章：SM2/SM3（GB/T 38540），密钥标识 {signature.get('key_id', '—')}；"
        f"生成时间 {timezone.localtime():%Y-%m-%d %H:%M}。",
        size=8,
        muted=True,
    )
    return doc.to_bytes()
