"""The credit API: sign, verify, fulfil, my credit, repair; errors as problem+json."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.credit.factories import ACCEPT_DAY, item
from yishi.credit.commitments import commitment_accept, commitments_check
from yishi.credit.models import Commitment, CreditRecord, CreditRepair

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_applicant_signs_then_verifies_their_commitment(client, chain, submitted, applicant):
    client.force_login(applicant.user)
    response = post(
        client,
        f"/api/v1/applications/{submitted.number}/commitment",
        {"items": [item(chain, "a_site")]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "signed" and "经营场所证明" in body["text"]
    assert [i["material"] for i in body["items"]] == ["经营场所证明"]

    check = client.get(f"/api/v1/commitments/{body['id']}/verify").json()
    assert check["valid"] is True

    Commitment.objects.filter(pk=body["id"]).update(text=body["text"] + "补充条款")
    check = client.get(f"/api/v1/commitments/{body['id']}/verify").json()
    assert check["valid"] is False


def test_signing_a_flagless_material_is_a_422_problem(client, chain, submitted, applicant):
    client.force_login(applicant.user)
    response = post(
        client,
        f"/api/v1/applications/{submitted.number}/commitment",
        {"items": [item(chain, "a_id")]},
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith(PROBLEM)
    assert "居民身份证" in response.json()["detail"]


def test_another_applicant_cannot_see_or_sign(client, chain, submitted, applicant):
    client.force_login(ApplicantFactory().user)
    response = post(
        client,
        f"/api/v1/applications/{submitted.number}/commitment",
        {"items": [item(chain, "a_site")]},
    )
    assert response.status_code == 404
    assert not Commitment.objects.exists()


def test_window_staff_fulfil_an_item_and_the_applicant_sees_a_kept_record(
    client, chain, submitted, applicant, window
):
    commitment = commitment_accept(
        application=submitted,
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=ACCEPT_DAY,
    )
    missing = commitment.items.get()
    client.force_login(applicant.user)
    refused = post(client, f"/api/v1/commitments/{commitment.pk}/items/{missing.pk}/fulfil")
    assert refused.status_code == 403

    client.force_login(window.user)
    done = post(client, f"/api/v1/commitments/{commitment.pk}/items/{missing.pk}/fulfil")
    assert done.status_code == 200 and done.json()["status"] == "kept"
    again = post(client, f"/api/v1/commitments/{commitment.pk}/items/{missing.pk}/fulfil")
    assert again.status_code == 409

    client.force_login(applicant.user)
    me = client.get("/api/v1/credit/me").json()
    assert me["commitment_allowed"] is True and me["restriction"] is None
    assert [r["kind"] for r in me["records"]] == ["kept"]
    assert me["commitments"][0]["status"] == "kept"


def test_broken_promise_shows_on_my_credit_and_repair_goes_through_the_api(
    client, chain, submitted, applicant, window
):
    commitment_accept(
        application=submitted,
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=ACCEPT_DAY,
    )
    commitments_check(today=dt.date(2026, 3, 10))
    client.force_login(applicant.user)
    me = client.get("/api/v1/credit/me").json()
    assert me["commitment_allowed"] is False
    assert "2026年3月10日" in me["restriction"]

    created = post(client, "/api/v1/credit/repairs", {"statement": "已补交并整改"})
    assert created.status_code == 201
    repair_id = created.json()["id"]

    decide = f"/api/v1/credit/repairs/{repair_id}/decide"
    assert post(client, decide, {"approve": True}).status_code == 403
    client.force_login(window.user)
    assert post(client, decide, {"approve": True}).status_code == 403
    client.force_login(StaffFactory(supervisor=True).user)
    assert post(client, decide, {"approve": False}).status_code == 422
    response = post(client, decide, {"approve": True, "note": "整改到位"})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert CreditRepair.objects.get().status == CreditRepair.Status.APPROVED
    assert CreditRecord.objects.filter(kind="broken", repaired_by__isnull=False).count() == 1

    client.force_login(applicant.user)
    assert client.get("/api/v1/credit/me").json()["commitment_allowed"] is True


def test_anonymous_requests_get_401_problem(client):
    response = client.get("/api/v1/credit/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)
