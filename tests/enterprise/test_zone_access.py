"""The value-added service zone: a provider sees a company's request only while the company
shares it — before sharing and after revoking every provider route (pages and API) answers as
if the request did not exist; another provider never sees it; non-provider users are refused
the provider routes; other companies cannot share, revoke or rate; the company rates once."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.enterprise.support import zone
from tests.policies.factories import application_world
from yishi.core.errors import Conflict, NotFound, ValidationFailed
from yishi.enterprise import services
from yishi.enterprise.models import ServiceRequest, ShareConsent

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = application_world()
    zone(w)
    w.sr = services.request_create(
        offer=w.offer, company=w.company, user=w.agent.user, message="想预约开户"
    )
    return w


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _provider_routes(client: Client, sr_id: int) -> dict[str, int]:
    """Every provider route on the request, with the statuses they answered."""
    return {
        "page": client.get(f"/providers/requests/{sr_id}/").status_code,
        "api": client.get(f"/api/v1/provider/requests/{sr_id}").status_code,
    }


def _listed(client: Client, sr_id: int) -> tuple[bool, bool]:
    page = client.get("/providers/").content.decode()
    api = client.get("/api/v1/provider/requests").json()
    return (f'data-request="{sr_id}"' in page, any(r["id"] == sr_id for r in api))


def _answer_routes(client: Client, sr_id: int) -> dict[str, int]:
    return {
        "page": client.post(f"/providers/requests/{sr_id}/", {"answer": "可以办理"}).status_code,
        "api": client.post(
            f"/api/v1/provider/requests/{sr_id}/answer",
            {"answer": "可以办理"},
            content_type="application/json",
        ).status_code,
    }


def test_the_provider_sees_the_request_only_while_the_company_shares_it(w):
    bank = _as(w.provider_user)
    # Not shared yet: nowhere.
    assert _provider_routes(bank, w.sr.pk) == {"page": 404, "api": 404}
    assert _listed(bank, w.sr.pk) == (False, False)
    assert _answer_routes(bank, w.sr.pk) == {"page": 404, "api": 404}
    # Shared (contact and capital): listed, readable with exactly those fields.
    services.consent_grant(request=w.sr, user=w.agent.user, fields=["capital", "contact"])
    assert _provider_routes(bank, w.sr.pk) == {"page": 200, "api": 200}
    assert _listed(bank, w.sr.pk) == (True, True)
    shared = {
        r["label"]: r["value"]
        for r in bank.get(f"/api/v1/provider/requests/{w.sr.pk}").json()["shared"]
    }
    assert list(shared) == ["企业名称", "统一社会信用代码", "经办人及联系电话", "实缴资本"]
    assert shared["企业名称"] == w.company.name and shared["统一社会信用代码"] == w.company.uscc
    page = bank.get(f"/providers/requests/{w.sr.pk}/").content.decode()
    assert w.company.name in page and "法定代表人" not in page and "住所" not in page
    # Revoked: nowhere again, not even in the list; the company's data gone from every route.
    services.consent_revoke(request=w.sr, user=w.agent.user)
    assert _provider_routes(bank, w.sr.pk) == {"page": 404, "api": 404}
    assert _listed(bank, w.sr.pk) == (False, False)
    assert _answer_routes(bank, w.sr.pk) == {"page": 404, "api": 404}
    assert w.company.name not in bank.get("/providers/").content.decode()
    assert ServiceRequest.objects.get(pk=w.sr.pk).state == "open"  # nothing answered
    # The consent is recorded with its revocation.
    consent = ShareConsent.objects.get(request=w.sr)
    assert consent.fields == ["contact", "capital"] and consent.revoked_at is not None


def test_another_provider_never_sees_the_request(w):
    services.consent_grant(request=w.sr, user=w.agent.user, fields=["address"])
    law = _as(w.rival_user)
    assert _provider_routes(law, w.sr.pk) == {"page": 404, "api": 404}
    assert _listed(law, w.sr.pk) == (False, False)
    assert _answer_routes(law, w.sr.pk) == {"page": 404, "api": 404}
    assert ServiceRequest.objects.get(pk=w.sr.pk).answer == ""


@pytest.mark.parametrize("who", ["agent", "other_agent", "clerk", "officer"])
def test_users_without_a_provider_account_are_refused_every_provider_route(w, who):
    services.consent_grant(request=w.sr, user=w.agent.user, fields=["address"])
    client = _as(getattr(w, who).user)
    assert client.get("/providers/").status_code == 403
    assert client.get("/api/v1/provider/requests").status_code == 403
    assert client.get(f"/providers/requests/{w.sr.pk}/").status_code == 403
    assert client.get(f"/api/v1/provider/requests/{w.sr.pk}").status_code == 403
    assert client.post(f"/providers/requests/{w.sr.pk}/", {"answer": "x"}).status_code == 403
    assert (
        client.post(
            f"/api/v1/provider/requests/{w.sr.pk}/answer",
            {"answer": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert ServiceRequest.objects.get(pk=w.sr.pk).state == "open"


def test_anonymous_visitors_are_sent_to_log_in_or_refused(w):
    client = Client()
    assert client.get("/providers/").status_code == 302
    assert client.get(f"/providers/requests/{w.sr.pk}/").status_code == 302
    assert client.get("/api/v1/provider/requests").status_code == 401


def test_an_inactive_provider_account_sees_nothing(w):
    services.consent_grant(request=w.sr, user=w.agent.user, fields=[])
    w.provider_user.provider_account.active = False
    w.provider_user.provider_account.save()
    bank = _as(w.provider_user)
    assert bank.get("/providers/").status_code == 403
    assert bank.get(f"/api/v1/provider/requests/{w.sr.pk}").status_code == 403


def test_the_provider_answers_and_the_company_rates_once(w):
    services.request_create(offer=w.offer, company=w.company, user=w.agent.user)
    services.consent_grant(request=w.sr, user=w.agent.user, fields=["contact"])
    bank = _as(w.provider_user)
    answered = bank.post(f"/providers/requests/{w.sr.pk}/", {"answer": "请携带营业执照到网点"})
    assert answered.status_code == 302
    with pytest.raises(Conflict):
        services.request_answer(request_id=w.sr.pk, user=w.provider_user, answer="再答一次")
    company = _as(w.agent.user)
    assert (
        "请携带营业执照到网点" in company.get(f"/enterprise/requests/{w.sr.pk}/").content.decode()
    )
    with pytest.raises(ValidationFailed):
        services.request_rate(request=w.sr, user=w.agent.user, rating=6)
    rated = company.post(
        f"/api/v1/service-requests/{w.sr.pk}/rating",
        {"rating": 5, "comment": "很快"},
        content_type="application/json",
    )
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    again = company.post(
        f"/api/v1/service-requests/{w.sr.pk}/rating",
        {"rating": 1},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert ServiceRequest.objects.get(pk=w.sr.pk).rating == 5
    # The provider sees the rating.
    assert "5 星" in bank.get(f"/providers/requests/{w.sr.pk}/").content.decode()


def test_rating_before_an_answer_is_refused(w):
    with pytest.raises(Conflict, match="答复后"):
        services.request_rate(request=w.sr, user=w.agent.user, rating=4)


def test_other_companies_cannot_see_share_revoke_or_rate_the_request(w):
    other = _as(w.other_agent.user)
    base = f"/api/v1/service-requests/{w.sr.pk}"
    assert other.get(base).status_code == 404
    assert other.get(f"/enterprise/requests/{w.sr.pk}/").status_code == 404
    assert (
        other.post(f"{base}/consent", {"fields": []}, content_type="application/json").status_code
        == 404
    )
    assert other.post(f"{base}/consent/revoke").status_code == 404
    assert (
        other.post(f"{base}/rating", {"rating": 5}, content_type="application/json").status_code
        == 404
    )
    assert other.post(f"/enterprise/requests/{w.sr.pk}/", {"action": "share"}).status_code == 404
    assert not ShareConsent.objects.exists()
    with pytest.raises(NotFound):
        services.consent_grant(request=w.sr, user=w.other_agent.user, fields=[])
    # Nor request an offer in its name.
    created = other.post(
        "/api/v1/service-requests",
        {"offer": w.offer.code, "company": w.company.uscc},
        content_type="application/json",
    )
    assert created.status_code == 404
    assert ServiceRequest.objects.count() == 1


def test_the_company_shares_and_revokes_through_its_pages_and_api(w):
    company = _as(w.agent.user)
    company.post(f"/enterprise/requests/{w.sr.pk}/", {"action": "share", "share": ["employees"]})
    assert ShareConsent.objects.get(revoked_at__isnull=True).fields == ["employees"]
    bank = _as(w.provider_user)
    assert bank.get(f"/api/v1/provider/requests/{w.sr.pk}").status_code == 200
    revoked = company.post(f"/api/v1/service-requests/{w.sr.pk}/consent/revoke")
    assert revoked.status_code == 200 and revoked.json()["shared"] is None
    assert bank.get(f"/api/v1/provider/requests/{w.sr.pk}").status_code == 404
    # Shared again (the API), a new consent row; the old one stays revoked on record.
    company.post(
        f"/api/v1/service-requests/{w.sr.pk}/consent",
        {"fields": ["licences"]},
        content_type="application/json",
    )
    assert ShareConsent.objects.count() == 2
    shared = bank.get(f"/api/v1/provider/requests/{w.sr.pk}").json()["shared"]
    assert [r["label"] for r in shared][-1] == "持有的电子证照"
    assert w.licence.number in shared[-1]["value"]
    bad = company.post(
        f"/api/v1/service-requests/{w.sr.pk}/consent",
        {"fields": ["id_number"]},
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_requesting_with_consent_from_the_offer_page(w):
    company = _as(w.agent.user)
    response = company.post(
        f"/enterprise/zone/o/{w.offer.code}/",
        {"company": w.company.uscc, "message": "开户", "consent": "1", "share": ["contact"]},
    )
    sr = ServiceRequest.objects.exclude(pk=w.sr.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/enterprise/requests/{sr.pk}/"
    assert ShareConsent.objects.get(request=sr).fields == ["contact"]
    assert sr.message == "开户"
