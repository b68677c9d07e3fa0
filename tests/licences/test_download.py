"""The licence PDF as downloaded: its QR code opens the verification page on YISHI_PUBLIC_URL
or, when that is unset, on the address the download was served from; the file is named by
the licence number (and by the licence's name for browsers reading filename*)."""

from __future__ import annotations

import io
from urllib.parse import quote

import cv2
import numpy as np
import pytest
from pypdf import PdfReader

from tests.cases.factories import ApplicantFactory
from tests.licences.factories import LicenceTypeFactory, issue

pytestmark = pytest.mark.django_db


def qr_payloads(pdf: bytes) -> list[str]:
    """What every QR code drawn in the PDF decodes to (decoded from the embedded images)."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            pixels = np.array(image.image.convert("L"))
            text, _, _ = cv2.QRCodeDetector().detectAndDecode(pixels)
            if text:
                found.append(text)
    return found


@pytest.fixture
def wallet_licence(client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver2"]
    applicant = ApplicantFactory()
    licence = issue(holder=applicant.person, licence_type=LicenceTypeFactory(name="测试出生证明"))
    client.force_login(applicant.user)
    return licence


def test_the_qr_code_opens_on_the_address_that_served_the_pdf(client, settings, wallet_licence):
    settings.YISHI_PUBLIC_URL = ""

    response = client.get(
        f"/licences/mine/{wallet_licence.number}/pdf/", HTTP_HOST="testserver2:8123"
    )

    assert response.status_code == 200
    assert qr_payloads(response.content) == [
        f"http://testserver2:8123/licences/verify/{wallet_licence.number}/"
    ]


def test_the_public_url_setting_wins_over_the_address_that_served_the_pdf(
    client, settings, wallet_licence
):
    settings.YISHI_PUBLIC_URL = "https://zwfw.example.gov.cn/"

    response = client.get(
        f"/licences/mine/{wallet_licence.number}/pdf/", HTTP_HOST="testserver2:8123"
    )

    assert qr_payloads(response.content) == [
        f"https://zwfw.example.gov.cn/licences/verify/{wallet_licence.number}/"
    ]


def test_the_wallet_api_links_to_the_verification_page_on_the_requests_address(
    client, settings, wallet_licence
):
    settings.YISHI_PUBLIC_URL = ""

    [row] = client.get("/api/v1/licences", HTTP_HOST="testserver2:8123").json()

    assert row["verify_url"] == f"http://testserver2:8123/licences/verify/{wallet_licence.number}/"


def test_the_download_is_named_by_the_licence_number(client, wallet_licence):
    response = client.get(f"/licences/mine/{wallet_licence.number}/pdf/")

    number = wallet_licence.number
    assert response["Content-Disposition"] == (
        f'attachment; filename="{number}.pdf"; '
        f"filename*=UTF-8''{quote(f'测试出生证明-{number}.pdf')}"
    )
