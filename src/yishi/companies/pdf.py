"""The PDF of a document a company sealed: the document, the company's seal image and a QR
code to its public page, with signature.json attached (and, for an uploaded PDF, the
original file), so it verifies offline against the published key (docs/verify-offline.md)."""

from __future__ import annotations

import io
import json
from typing import Any

from django.utils import timezone

from yishi.companies.models import SealedDocument
from yishi.core.pdf import PdfDocument
from yishi.core.uploads import human_size, read_stored
from yishi.licences.pdf import attach_signature, company_url, qr_png
from yishi.licences.sealimage import seal_png


def _content(document: SealedDocument) -> dict[str, Any]:
    try:
        return json.loads(document.data).get("content") or {}
    except (ValueError, AttributeError):
        return {}


def sealed_pdf(document: SealedDocument, *, base_url: str | None = None) -> bytes:
    company = document.company
    kind = document.get_kind_display()
    doc = PdfDocument(
        title=document.title,
        subject=f"{kind} · {company.name}",
        author=company.name,
        footer=f"{company.name} · 企业电子签章文书 · 附件 signature.json 可离线验证",
    )
    doc.title(document.title, subtitle=f"{kind} · {company.name}")
    signed_at = timezone.localtime(document.signed_at)
    doc.fields(
        [
            ("签章企业", company.name),
            ("统一社会信用代码", company.uscc),
            ("文书编号", str(document.ref)),
            ("用印时间", f"{signed_at:%Y-%m-%d %H:%M:%S}（北京时间）"),
            ("印章密钥标识", document.seal.key_id),
        ]
    )
    content = _content(document)
    original: bytes | None = None
    if "text" in content:
        doc.heading("正文")
        doc.paragraph(str(content["text"]))
    elif "commitment" in content:
        item = content["commitment"]
        doc.heading(f"承诺书（申请编号 {item.get('application', '')}）")
        doc.paragraph(str(item.get("text", "")))
    elif "file" in content:
        item = content["file"]
        doc.heading("签章文件")
        doc.fields(
            [
                ("文件名", str(item.get("name", ""))),
                ("大小", human_size(int(item.get("size") or 0))),
                ("SM3 摘要", str(item.get("sm3", ""))),
            ]
        )
        doc.paragraph(
            "原文件作为本 PDF 的附件随附；签章覆盖其 SM3 摘要，文件任一字节被改动即验证不通过。",
            size=9,
            muted=True,
        )
        if document.original_id:
            original = read_stored(document.original)
    pdf = doc.pdf
    y = pdf.get_y() + 4
    if y > pdf.page_break_trigger - 50:
        pdf.add_page()
        y = pdf.get_y()
    pdf.image(
        io.BytesIO(seal_png(company.name, label="电子印章")),
        x=pdf.l_margin + pdf.epw - 50,
        y=y,
        w=44,
        h=44,
    )
    home = company_url(company.uscc, base_url=base_url)
    if home:
        pdf.image(io.BytesIO(qr_png(home)), x=pdf.l_margin, y=y, w=34, h=34)
        pdf.link(pdf.l_margin, y, 34, 34, home)
    pdf.set_y(y + 46)
    if home:
        doc.paragraph(f"一企一码：扫码或访问 {home} 查看企业公示信息。", size=8.5, muted=True)
    doc.paragraph(
        "电子签章：SM2/SM3（GB/T 38540）。本文件附带 signature.json（签署原文与签名），"
        "可凭平台公开的企业印章公钥（/api/v1/seals）离线验证。",
        size=8,
        muted=True,
    )
    signature = document.signature or {}
    attach_signature(
        pdf,
        data=document.data,
        signature_hex=str(signature.get("value", "")),
        seal_id=str(signature.get("key_id", "")),
    )
    if original is not None:
        pdf.embed_file(
            bytes=original,
            basename=str(content["file"].get("name") or "original.pdf"),
            mime_type="application/pdf",
            desc="签章原文件",
            compress=False,
        )
    return doc.to_bytes()
