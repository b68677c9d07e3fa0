"""免证明 for the applicant: a document they hold as a valid e-licence is marked 免提交 in
their one-time notice and taken from the licence in the materials step, with no upload."""

from __future__ import annotations

import pytest

from tests.core.upload_samples import pdf_bytes
from tests.licences.factories import LicenceTypeFactory, issue
from tests.portal.test_apply_pages import _logged_in, _to_materials, _upload, make_small_theme
from yishi.cases.models import Application, CaseMaterial

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def household_book(person):
    licence_type = LicenceTypeFactory(code="TESTHKB", name="测试户口簿", material_kind="household")
    return issue(licence_type=licence_type, holder=person, data={})


def test_the_notice_says_free_of_submission_for_a_licence_the_applicant_holds(client):
    theme = make_small_theme()
    anonymous = client.get(f"/themes/{theme.code}/notice/?want_b=yes").content.decode()
    assert "您已持有电子证照" not in anonymous

    account = _logged_in(client)
    licence = household_book(account.person)
    page = client.get(f"/themes/{theme.code}/notice/?want_b=yes").content.decode()
    assert "免提交（您已持有电子证照）" in page
    assert licence.number in page
    # One document fewer to bring than for someone without the licence.
    assert "其中需提交 <strong>1</strong> 项" in page
    assert "其中需提交 <strong>2</strong> 项" in anonymous


def test_the_materials_step_takes_the_held_licence_and_asks_no_upload(client):
    theme = make_small_theme()
    account = _logged_in(client)
    licence = household_book(account.person)
    draft_id = _to_materials(client, theme)

    page = client.get(f"/apply/draft/{draft_id}/materials/").content.decode()
    assert 'name="material.household"' not in page
    assert f"已自动调取您持有的电子证照（编号 {licence.number}），无需上传" in page
    assert 'name="material.photo"' in page

    response = client.post(
        f"/apply/draft/{draft_id}/materials/",
        {"action": "next", "material.photo": _upload("p.pdf", pdf_bytes("p"))},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.post(f"/apply/draft/{draft_id}/review/", {"idempotency_key": "h-1", "pledge": "yes"})
    app = Application.objects.exclude(status=Application.Status.DRAFT).get()
    line = app.materials.get(kind="household")
    assert line.source == CaseMaterial.Source.LICENCE and line.stored_file is None
    assert licence.number in line.name


def test_without_the_licence_the_upload_is_still_required(client):
    theme = make_small_theme()
    _logged_in(client)
    household_book(_logged_in.__globals__["ApplicantFactory"]().person)  # someone else's
    draft_id = _to_materials(client, theme)
    page = client.get(f"/apply/draft/{draft_id}/materials/").content.decode()
    assert 'name="material.household"' in page
