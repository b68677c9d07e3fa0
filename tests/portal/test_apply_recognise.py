"""拍照识别 on the form step: a photo of an ID card fills the matching fields for the applicant
to confirm (nothing is saved until they do); a file that is not an image is refused with a
message beside the photo field."""

from __future__ import annotations

import re

import pytest

from tests.core.upload_samples import pdf_bytes
from tests.portal.test_apply_pages import _logged_in, _upload, make_small_theme
from yishi.cases.models import Application
from yishi.core.ocr_samples import render_id_card, synthetic_people

pytestmark = pytest.mark.django_db


def _draft_at_form(client, theme) -> int:
    response = client.post(f"/apply/theme/{theme.code}/", {"want_b": "yes"})
    return int(re.search(r"/apply/draft/(\d+)/form/", response["Location"]).group(1))


def _value(html: str, key: str) -> str:
    match = re.search(rf'name="{key}" type="[a-z]+" value="([^"]*)"', html)
    return match.group(1) if match else ""


def test_an_id_card_photo_fills_the_form_for_confirmation_without_saving(client):
    theme = make_small_theme()
    _logged_in(client)
    draft_id = _draft_at_form(client, theme)
    form = client.get(f"/apply/draft/{draft_id}/form/").content.decode()
    assert "拍照识别" in form and 'name="image"' in form

    card = synthetic_people(1, seed=11)[0]
    response = client.post(
        f"/apply/draft/{draft_id}/recognise/",
        {"document": "id_card", "image": _upload("card.png", render_id_card(card), "image/png")},
    )
    html = response.content.decode()
    assert response.status_code == 200, html[:2000]
    assert "已识别身份证人像面" in html and "请核对后点击“保存并下一步”" in html
    assert _value(html, "name") == card["name"]
    assert _value(html, "id_number") == card["id_number"]
    assert _value(html, "address") == card["address"]
    assert html.count("由证件识别填入，请核对") == 3
    # Shown, not trusted: the draft keeps what the applicant saved (nothing yet).
    assert Application.objects.get(pk=draft_id).form_data == {}


def test_a_file_that_is_not_a_photo_is_refused_beside_the_photo_field(client):
    theme = make_small_theme()
    _logged_in(client)
    draft_id = _draft_at_form(client, theme)
    response = client.post(
        f"/apply/draft/{draft_id}/recognise/",
        {"document": "id_card", "image": _upload("card.png", pdf_bytes("x"), "image/png")},
    )
    assert response.status_code == 400
    html = response.content.decode()
    msg = re.search(r'id="f-image-msg"[^>]*>([^<]*)<', html).group(1)
    assert msg.startswith("image：") or "图片" in msg or "JPEG" in msg, msg


def test_another_applicant_cannot_use_the_draft(client):
    theme = make_small_theme()
    _logged_in(client)
    draft_id = _draft_at_form(client, theme)
    _logged_in(client)
    response = client.post(f"/apply/draft/{draft_id}/recognise/", {"document": "id_card"})
    assert response.status_code == 404
