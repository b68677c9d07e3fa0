"""A submission the review step refuses for the form's content shows every fault at once: back
on the form step, each beside its field and listed in the summary linking to it, values kept."""

from __future__ import annotations

import re

import pytest

from tests.core.upload_samples import pdf_bytes
from tests.portal.test_apply_pages import _logged_in, _msg, _to_materials, _upload, make_small_theme
from yishi.cases.models import Application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _draft_ready_to_submit(client) -> Application:
    theme = make_small_theme()
    _logged_in(client)
    draft_id = _to_materials(client, theme)
    client.post(
        f"/apply/draft/{draft_id}/materials/",
        {
            "action": "next",
            "material.household": _upload("h.pdf", pdf_bytes("h")),
            "material.photo": _upload("p.pdf", pdf_bytes("p")),
        },
    )
    return Application.objects.get(pk=draft_id)


def test_a_refused_submit_shows_both_faults_of_the_saved_form_beside_their_fields(client):
    draft = _draft_ready_to_submit(client)
    # Saved past the form step's check, as a draft from before a rule would be.
    Application.objects.filter(pk=draft.pk).update(
        form_data={"name": "", "id_number": "12345", "address": "梁子湖区太和镇1号"}
    )

    response = client.post(
        f"/apply/draft/{draft.pk}/review/", {"idempotency_key": "r-1", "pledge": "yes"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    name_error = "「申请人姓名」：必须填写"
    id_error = _msg(html, "id_number")
    assert id_error.startswith("「申请人身份证号」：")
    assert _msg(html, "name") == name_error
    assert _msg(html, "address") == ""
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert "请修改以下2处内容后再提交" in summary
    assert re.findall(r'<a href="(#f-[a-z_]+)">([^<]*)</a>', summary) == [
        ("#f-name", name_error),
        ("#f-id_number", id_error),
    ]
    assert 'id="review-returned"' in html
    assert f'action="/apply/draft/{draft.pk}/form/"' in html
    # What was saved stays in the fields, the wrong values too.
    assert re.search(r'id="f-id_number" name="id_number" type="text" value="12345"', html)
    assert re.search(r'id="f-address"[^>]* value="梁子湖区太和镇1号"', html)
    assert re.search(r'id="f-name"[^>]* value=""', html)
    # Nothing was submitted; the draft and its saved values are as they were.
    assert not Application.objects.exclude(status=Application.Status.DRAFT).exists()
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT
    assert draft.form_data == {"name": "", "id_number": "12345", "address": "梁子湖区太和镇1号"}


def test_a_submit_refused_for_another_reason_stays_on_the_review_step(client):
    draft = _draft_ready_to_submit(client)

    response = client.post(f"/apply/draft/{draft.pk}/review/", {"idempotency_key": "r-2"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="review-error"' in html
    assert "请勾选“本人承诺以上信息真实有效”后再提交" in html
    assert 'id="error-summary"' not in html
