"""Every image the platform decodes is held to YISHI_MAX_IMAGE_PIXELS, the seal image drawn
into a licence PDF included: over the limit the download answers 422 with a Chinese page,
never a 500 (Pillow's warning zone between once and twice the limit counts as over)."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from PIL import Image

from tests.cases.factories import ApplicantFactory
from tests.licences.factories import issue
from yishi.licences.models import Seal
from yishi.licences.services import seal_for

pytestmark = pytest.mark.django_db


def _png(width: int, height: int) -> bytes:
    """A one-bit PNG: a few kilobytes on disk however many pixels it decodes to."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


def test_pillow_refuses_every_decode_over_the_setting_from_start_up():
    assert Image.MAX_IMAGE_PIXELS == settings.YISHI_MAX_IMAGE_PIXELS


@pytest.mark.parametrize(
    "factor",
    [
        pytest.param(1.2, id="between once and twice the limit (Pillow only warns)"),
        pytest.param(2.1, id="over twice the limit"),
    ],
)
def test_a_seal_image_over_the_pixel_limit_is_refused_in_chinese_not_a_500(client, factor):
    applicant = ApplicantFactory()
    licence = issue(holder=applicant.person)
    seal = seal_for(licence.issuer)
    side = int((settings.YISHI_MAX_IMAGE_PIXELS * factor) ** 0.5) + 1
    Seal.objects.filter(pk=seal.pk).update(image_png=_png(side, side))
    client.force_login(applicant.user)

    response = client.get(f"/licences/mine/{licence.number}/pdf/")

    assert response.status_code == 422
    page = response.content.decode()
    assert "无法生成证照文件" in page
    assert "电子印章图像尺寸过大" in page


def test_a_seal_image_within_the_limit_is_drawn(client):
    applicant = ApplicantFactory()
    licence = issue(holder=applicant.person)
    client.force_login(applicant.user)
    response = client.get(f"/licences/mine/{licence.number}/pdf/")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
