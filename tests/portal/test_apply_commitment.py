"""Online 容缺 / 告知承诺: a flagged material may be promised instead of uploaded; submitting
signs one commitment covering it; a restricted applicant is told why and cannot tick it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.core.upload_samples import pdf_bytes
from tests.portal.test_apply_pages import _logged_in, _msg, _to_materials, _upload, make_small_theme
from yishi.cases.models import Application, CaseMaterial
from yishi.catalog.models import Material
from yishi.core.signing import verify
from yishi.credit.models import Blacklist

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _flag_photo_deferrable():
    theme = make_small_theme()
    Material.objects.filter(kind="photo").update(deferrable=True, defer_days=5)
    return theme


def test_a_promised_material_is_not_uploaded_and_the_submission_signs_a_commitment(client):
    theme = _flag_photo_deferrable()
    _logged_in(client)
    draft_id = _to_materials(client, theme)
    page = client.get(f"/apply/draft/{draft_id}/materials/").content.decode()
    assert 'name="promise.photo"' in page
    assert 'name="promise.household"' not in page  # not flagged: must be uploaded
    response = client.post(
        f"/apply/draft/{draft_id}/materials/",
        {
            "action": "next",
            "material.household": _upload("h.pdf", pdf_bytes("h")),
            "promise.photo": "yes",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    review = client.get(f"/apply/draft/{draft_id}/review/").content.decode()
    assert "承诺后补（容缺后补）" in review
    client.post(f"/apply/draft/{draft_id}/review/", {"idempotency_key": "c-1", "pledge": "yes"})
    app = Application.objects.exclude(status=Application.Status.DRAFT).get()
    commitment = app.commitments.get()
    assert [i.name for i in commitment.items.all()] == ["近期免冠照片"]
    assert "近期免冠照片" in commitment.text
    assert verify(commitment.text, commitment.signature)
    assert app.materials.filter(kind="photo", source=CaseMaterial.Source.COMMITMENT).exists()
    # A replayed submission (same key) signs nothing twice.
    client.post(f"/apply/draft/{draft_id}/review/", {"idempotency_key": "c-1", "pledge": "yes"})
    assert app.commitments.count() == 1


def test_a_blacklisted_applicant_sees_why_and_cannot_promise(client):
    theme = _flag_photo_deferrable()
    account = _logged_in(client)
    Blacklist.objects.create(
        person=account.person,
        reason="虚假承诺",
        listed_on=dt.date(2026, 1, 5),
        until=dt.date(2099, 1, 1),
    )
    draft_id = _to_materials(client, theme)
    page = client.get(f"/apply/draft/{draft_id}/materials/").content.decode()
    assert "您目前不能使用告知承诺/容缺办理" in page
    assert "虚假承诺" in page
    response = client.post(
        f"/apply/draft/{draft_id}/materials/",
        {
            "action": "next",
            "material.household": _upload("h.pdf", pdf_bytes("h")),
            "promise.photo": "yes",
        },
    )
    assert response.status_code == 400
    assert "不能选择承诺后补" in _msg(response.content.decode(), "material.photo")
    assert not CaseMaterial.objects.filter(source=CaseMaterial.Source.COMMITMENT).exists()


def test_an_ordinary_acceptance_starts_the_clock_of_a_commitment_signed_online(client):
    from tests.cases.factories import StaffFactory
    from yishi.cases.services import application_accept
    from yishi.core.events import events_dispatch
    from yishi.core.workdays import add_working_days
    from yishi.credit.models import Commitment

    theme = _flag_photo_deferrable()
    _logged_in(client)
    draft_id = _to_materials(client, theme)
    client.post(
        f"/apply/draft/{draft_id}/materials/",
        {
            "action": "next",
            "material.household": _upload("h.pdf", pdf_bytes("h")),
            "promise.photo": "yes",
        },
    )
    client.post(f"/apply/draft/{draft_id}/review/", {"idempotency_key": "c-2", "pledge": "yes"})
    app = Application.objects.exclude(status=Application.Status.DRAFT).get()
    day = dt.date(2026, 3, 2)
    application_accept(application=app, staff=StaffFactory().user, today=day)
    events_dispatch()
    events_dispatch()  # idempotent
    commitment = app.commitments.get()
    assert commitment.status == Commitment.Status.ACTIVE
    assert commitment.accepted_on == day
    assert commitment.items.get().due == add_working_days(day, 5)
