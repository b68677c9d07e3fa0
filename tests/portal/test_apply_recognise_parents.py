"""拍照识别 on a newborn's form: a man's ID card fills the father's fields and a woman's the
mother's, never a parent field of the other sex."""

from __future__ import annotations

import re

import pytest

from tests.portal.birth_theme import make_birth_theme
from tests.portal.test_apply_pages import _logged_in, _upload
from tests.themes.demo_forms import make_demo_form
from yishi.core.ocr_samples import render_id_card, synthetic_people

pytestmark = pytest.mark.django_db


def _value(html: str, key: str) -> str:
    match = re.search(rf'id="f-{key}" name="{key}" type="[a-z]+" value="([^"]*)"', html)
    return match.group(1) if match else ""


def _card_of(sex: str) -> dict:
    return next(p for p in synthetic_people(40, seed=5) if p["sex"] == sex)


@pytest.mark.parametrize(
    ("sex", "own", "other"), [("男", "father", "mother"), ("女", "mother", "father")]
)
def test_an_id_card_fills_the_parent_of_its_sex(client, sex, own, other):
    theme = make_birth_theme()
    make_demo_form("newborn", theme=theme, conditional=False)
    _logged_in(client)
    response = client.post(f"/apply/theme/{theme.code}/", {"social_card": "yes"})
    draft_id = int(re.search(r"/apply/draft/(\d+)/form/", response["Location"]).group(1))

    card = _card_of(sex)
    response = client.post(
        f"/apply/draft/{draft_id}/recognise/",
        {"document": "id_card", "image": _upload("card.png", render_id_card(card), "image/png")},
    )
    html = response.content.decode()

    assert response.status_code == 200, html[:2000]
    assert _value(html, f"{own}_id") == card["id_number"]
    assert _value(html, f"{own}_name") == card["name"]
    assert _value(html, f"{other}_id") != card["id_number"]
