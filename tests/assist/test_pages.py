"""The pages: 我要帮办 (anonymous and signed-in), the person's chat page with consent and
proposals, the clerk's console, request page, figures and 代办 pages; who may open what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.assist.factories import chat_about_draft
from yishi.assist import services
from yishi.assist.models import AssistProposal, AssistRequest, ProxyAuthorisation
from yishi.cases.models import Application, CaseEvent
from yishi.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_every_portal_page_links_to_assist(w):
    body = client_for().get("/").content.decode()
    assert 'href="/assist/"' in body and "我要帮办" in body


def test_anonymous_question_opens_a_chat_kept_by_the_session(w):
    c = client_for()
    response = c.post("/assist/", {"channel": "chat", "question": "怎么预约？"})
    r = AssistRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assist/{r.pk}/"
    page = c.get(f"/assist/{r.pk}/")
    assert page.status_code == 200 and "怎么预约？" in page.content.decode()
    assert client_for().get(f"/assist/{r.pk}/").status_code == 404  # another browser


def test_empty_question_is_shown_in_chinese(w):
    response = client_for().post("/assist/", {"channel": "chat", "question": ""})
    assert response.status_code == 422 and "请填写您的问题" in response.content.decode()


def test_callback_form_and_masked_phone_for_the_person(w):
    c = client_for(w.resident.user)
    c.post("/assist/", {"channel": "callback", "phone": "13912345678", "question": "回电"})
    r = AssistRequest.objects.get()
    body = c.get(f"/assist/{r.pk}/").content.decode()
    assert "139****5678" in body and "13912345678" not in body


def test_clerk_sees_the_phone_only_after_taking_and_the_view_is_logged(w):
    r = services.callback_request(user=w.resident.user, phone="13912345678")
    c = client_for(w.clerk.user)
    assert "13912345678" not in c.get(f"/workbench/assist/{r.pk}/").content.decode()
    c.post(f"/workbench/assist/{r.pk}/", {"action": "take"})
    assert "13912345678" in c.get(f"/workbench/assist/{r.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="assist.phone.view", object_id=str(r.pk)).exists()
    # Also not in the console list.
    assert "13912345678" not in c.get("/workbench/assist/").content.decode()


def test_draft_is_shown_to_the_clerk_only_with_consent(w):
    Application.objects.filter(pk=w.draft.pk).update(form_data={"name": "王小明"})
    r = chat_about_draft(w, consent=False)
    c = client_for(w.clerk.user)
    assert "王小明" not in c.get(f"/workbench/assist/{r.pk}/").content.decode()
    client_for(w.resident.user).post(f"/assist/{r.pk}/", {"action": "consent", "consent": "on"})
    assert "王小明" in c.get(f"/workbench/assist/{r.pk}/").content.decode()


def test_clerk_proposes_and_the_person_confirms_on_the_chat_page(w):
    r = chat_about_draft(w)
    clerk = client_for(w.clerk.user)
    clerk.post(
        f"/workbench/assist/{r.pk}/", {"action": "propose", "field": "name", "value": "王小明"}
    )
    p = AssistProposal.objects.get()
    person = client_for(w.resident.user)
    assert "王小明" in person.get(f"/assist/{r.pk}/").content.decode()
    response = person.post(f"/assist/{r.pk}/", {"action": "accept", "proposal": p.pk})
    assert response.status_code == 302
    assert Application.objects.get(pk=w.draft.pk).form_data["name"] == "王小明"
    # The value is in the portal's own form page for the person to check and submit.
    assert 'value="王小明"' in person.get(f"/apply/draft/{w.draft.pk}/form/").content.decode()


def test_stranger_gets_404_for_someone_elses_request(w):
    r = chat_about_draft(w)
    assert client_for(w.stranger.user).get(f"/assist/{r.pk}/").status_code == 404
    assert (
        client_for(w.stranger.user).post(f"/assist/{r.pk}/", {"action": "cancel"}).status_code
        == 404
    )
    assert AssistRequest.objects.get(pk=r.pk).status == AssistRequest.Status.OPEN


def test_console_lists_by_department_rule(w):
    mine = chat_about_draft(w)
    other = services.chat_open(user=w.resident.user, question="别的")
    body = client_for(w.reviewer.user).get("/workbench/assist/").content.decode()
    assert f"assist-{mine.pk}" in body and f"assist-{other.pk}" not in body
    assert client_for(w.other_reviewer.user).get(f"/workbench/assist/{mine.pk}/").status_code == 404
    assert client_for(w.resident.user).get("/workbench/assist/").status_code == 403


def test_stats_page_shows_the_figures(w):
    r = chat_about_draft(w)
    services.message_post(request=r, user=w.clerk.user, body="您好", as_clerk=True)
    services.request_conclude(request=r, clerk=w.clerk.user, resolved=True)
    body = client_for(w.lead.user).get("/workbench/assist/stats/").content.decode()
    assert "响应率" in body and 'data-figure="resolution_rate">100%' in body
    bad = client_for(w.lead.user).get("/workbench/assist/stats/?from=2026-99-01")
    assert bad.status_code == 422 and "开始日期" in bad.content.decode()


def test_proxy_journey_through_the_pages(w):
    Application.objects.filter(pk=w.draft.pk).update(form_data={"name": "王小明"})
    clerk = client_for(w.clerk.user)
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = clerk.post(
        "/workbench/assist/authorisations/",
        {"phone": w.resident.phone, "all_matters": "on", "valid_until": until},
    )
    auth = ProxyAuthorisation.objects.get()
    assert response.status_code == 302
    person = client_for(w.resident.user)
    assert (
        person.post(f"/assist/authorisations/{auth.pk}/", {"action": "confirm"}).status_code == 422
    )
    person.post(f"/assist/authorisations/{auth.pk}/", {"action": "confirm", "agree": "on"})
    assert ProxyAuthorisation.objects.get().status == ProxyAuthorisation.Status.CONFIRMED
    clerk.post(
        f"/workbench/assist/authorisations/{auth.pk}/",
        {"action": "submit", "draft": w.draft.pk, "pledge": "on", "key": "k-1"},
    )
    app = Application.objects.get(applicant=w.resident.user, status=Application.Status.SUBMITTED)
    assert re.match(r"由李帮办代办", CaseEvent.objects.get(application=app, action="proxy").note)
    assert client_for(w.stranger.user).get(f"/assist/authorisations/{auth.pk}/").status_code == 404
    assert (
        client_for(w.reviewer.user).get(f"/workbench/assist/authorisations/{auth.pk}/").status_code
        == 403
    )


def test_onsite_from_green_channel_on_the_console(w):
    from tests.hall.factories import OutletFactory
    from yishi.hall import services as hall
    from yishi.hall.models import GreenChannelRequest

    green = hall.green_request_create(
        outlet=OutletFactory(),
        service=GreenChannelRequest.Service.ACCOMPANY,
        reason=GreenChannelRequest.Reason.MILITARY,
        contact_name="王军",
        actor=w.clerk.user,
    )
    c = client_for(w.clerk.user)
    assert "安排现场帮办" in c.get("/workbench/assist/").content.decode()
    c.post("/workbench/assist/", {"green": green.pk})
    assert AssistRequest.objects.get(green_request=green).channel == "onsite"
    c.post("/workbench/assist/", {"question": "老人办社保卡"})
    assert AssistRequest.objects.filter(channel="onsite").count() == 2


def test_api_create_list_and_message(w):
    c = client_for(w.resident.user)
    made = c.post(
        "/api/v1/assist/requests",
        {"channel": "chat", "question": "问", "draft_id": w.draft.pk, "consent": True},
        content_type="application/json",
    )
    assert made.status_code == 201
    rid = made.json()["id"]
    assert [r["id"] for r in c.get("/api/v1/assist/requests").json()] == [rid]
    sent = c.post(
        f"/api/v1/assist/requests/{rid}/messages", {"body": "你好"}, content_type="application/json"
    )
    assert sent.status_code == 201 and sent.json()["sender"] == "person"
    stranger = client_for(w.stranger.user)
    assert (
        stranger.post(
            f"/api/v1/assist/requests/{rid}/messages",
            {"body": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert (
        client_for()
        .post(
            "/api/v1/assist/requests",
            {"channel": "chat", "question": "x"},
            content_type="application/json",
        )
        .status_code
        == 401
    )
    bad = c.post(
        "/api/v1/assist/requests",
        {"channel": "callback", "phone": "12"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "手机" in bad.content.decode()
    clerk = client_for(w.clerk.user)
    assert rid in [r["id"] for r in clerk.get("/api/v1/assist/requests").json()]
    assert (
        clerk.post(
            f"/api/v1/assist/requests/{rid}/messages",
            {"body": "您好"},
            content_type="application/json",
        ).json()["sender"]
        == "clerk"
    )
