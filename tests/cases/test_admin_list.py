"""The back office's application list (a LargeTableAdmin): a page of rows with the applicant
masked, without the navigation sidebar, and without decrypting what no column shows."""

from __future__ import annotations

import pytest

from tests.cases.factories import ApplicantFactory
from yishi.cases.services import application_submit
from yishi.core import crypto

pytestmark = pytest.mark.django_db


def test_the_application_list_decrypts_nothing_and_has_no_sidebar(admin_client, chain, monkeypatch):
    for _ in range(3):
        application_submit(
            user=ApplicantFactory().user,
            theme=chain["theme"],
            answers={},
            form_data={"name": "张三"},
        )
    decrypted = []
    real = crypto.sm4_decrypt
    monkeypatch.setattr(crypto, "sm4_decrypt", lambda value: decrypted.append(1) or real(value))
    response = admin_client.get("/admin/cases/application/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="field-applicant_name"') == 3
    assert 'id="nav-sidebar"' not in html
    assert decrypted == []
