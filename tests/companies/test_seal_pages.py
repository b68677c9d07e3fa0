"""The company's seal page: apply, confirm, sign and download through the pages; a pending
claim, a stranger and staff get 404 (the company's seal is not theirs to see)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases.factories import StaffFactory
from tests.companies.support import attachments, company_world, signature_of
from yishi.companies.models import CompanySeal, SealedDocument

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_apply_confirm_sign_and_download_through_the_pages():
    w = company_world()
    url = f"/companies/{w.company.uscc}/seal/"
    agent, rep = _client(w.agent.user), _client(w.rep.user)
    assert "申请企业电子印章" in agent.get(url).content.decode()
    assert agent.post(url, {"action": "apply"}).status_code == 302
    page = agent.get(url).content.decode()
    assert "待法定代表人登录后确认启用" in page and "法定代表人确认启用" not in page
    # The agent's confirmation is refused with the reason; nothing changes.
    agent.post(url, {"action": "confirm"})
    assert CompanySeal.objects.get().status == CompanySeal.Status.PENDING
    rep.post(url, {"action": "confirm"})
    assert CompanySeal.objects.get().status == CompanySeal.Status.ACTIVE
    response = agent.post(
        url,
        {"action": "sign", "kind": "contract", "title": "采购合同", "text": "乙方供货一批。"},
    )
    assert response.status_code == 302
    document = SealedDocument.objects.get()
    page = agent.get(url).content.decode()
    assert "采购合同" in page
    pdf = agent.get(f"/companies/{w.company.uscc}/documents/{document.ref}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert signature_of(pdf.content)["seal_id"] == document.seal.key_id


def test_an_uploaded_pdf_is_signed_through_the_page():
    w = company_world()
    url = f"/companies/{w.company.uscc}/seal/"
    rep = _client(w.rep.user)
    rep.post(url, {"action": "apply"})
    rep.post(url, {"action": "confirm"})
    original = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    upload = SimpleUploadedFile("lease.pdf", original, content_type="application/pdf")
    rep.post(url, {"action": "sign", "kind": "contract", "title": "租赁合同", "file": upload})
    document = SealedDocument.objects.get()
    pdf = rep.get(f"/companies/{w.company.uscc}/documents/{document.ref}/pdf/").content
    assert attachments(pdf)["lease.pdf"] == original


def test_a_refused_action_shows_the_reason_beside_the_form():
    w = company_world()
    url = f"/companies/{w.company.uscc}/seal/"
    rep = _client(w.rep.user)
    page = rep.post(
        url, {"action": "sign", "kind": "form", "title": "表", "text": "x"}, follow=True
    )
    assert "没有启用中的电子印章" in page.content.decode()


@pytest.mark.parametrize("who", ["claimant", "stranger", "window", "admin"])
def test_the_seal_page_and_documents_are_the_companys_own(who):
    w = company_world()
    rep = _client(w.rep.user)
    url = f"/companies/{w.company.uscc}/seal/"
    rep.post(url, {"action": "apply"})
    rep.post(url, {"action": "confirm"})
    rep.post(url, {"action": "sign", "kind": "form", "title": "表", "text": "内容"})
    document = SealedDocument.objects.get()
    user = {
        "claimant": lambda: w.claimant.user,
        "stranger": lambda: w.stranger.user,
        "window": lambda: StaffFactory().user,
        "admin": lambda: StaffFactory(administrator=True).user,
    }[who]()
    client = _client(user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "revoke", "reason": "x"}).status_code == 404
    assert (
        client.get(f"/companies/{w.company.uscc}/documents/{document.ref}/pdf/").status_code == 404
    )
    assert CompanySeal.objects.get().status == CompanySeal.Status.ACTIVE


def test_the_seal_page_asks_an_anonymous_visitor_to_sign_in():
    w = company_world()
    response = Client().get(f"/companies/{w.company.uscc}/seal/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]
