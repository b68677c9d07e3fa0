from __future__ import annotations

import pytest

from tests.catalog.factories import DepartmentFactory
from tests.licences.factories import issue
from yishi.licences.pdf import licence_pdf, qr_png, verify_url

pytestmark = pytest.mark.django_db


def test_the_qr_payload_is_the_public_verification_page_of_the_licence(settings):
    settings.YISHI_PUBLIC_URL = "https://zwfw.example.gov.cn/"
    licence = issue()
    assert verify_url(licence) == f"https://zwfw.example.gov.cn/licences/verify/{licence.number}/"


def test_site_url_wins_over_the_public_url_setting(settings):
    settings.SITE_URL = "https://lzh.example.gov.cn"
    settings.YISHI_PUBLIC_URL = "https://other.example.gov.cn"
    licence = issue()
    assert verify_url(licence).startswith("https://lzh.example.gov.cn/licences/verify/")


def test_the_licence_pdf_is_a_pdf_with_the_seal_and_the_qr_code():
    licence = issue(issuer=DepartmentFactory(name="梁子湖区人民医院"))
    pdf = licence_pdf(licence)
    assert pdf.startswith(b"%PDF")
    # The seal (with its transparency mask) and the QR code.
    assert pdf.count(b"/Subtype /Image") == 3
    assert b"/SMask" in pdf
    # The QR code is also a link to the verification page it encodes.
    assert f"/URI ({verify_url(licence)})".encode() in pdf


def test_the_qr_image_is_a_png():
    assert qr_png("http://127.0.0.1:8000/licences/verify/X/").startswith(b"\x89PNG")
