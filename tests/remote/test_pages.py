"""The pages and API of the remote window, and who may use them: the resident takes a
ticket on /remote/ and follows it on their session page (theirs alone); clerks sign on at a
remote window on the console and call the next; the live session page is the calling
clerk's alone."""

from __future__ import annotations

import pytest

from tests.cases.factories import StaffFactory
from tests.remote.factories import live
from yishi.hall.models import Ticket, WindowSession
from yishi.remote.models import RemoteSession


def test_home_lists_the_remote_matters_and_the_village_points(w, client):
    html = client.get("/remote/").content.decode()
    assert w.matter.name in html and w.other_matter.name not in html
    assert w.village.name in html and "登录" in html


def test_a_resident_takes_a_remote_ticket_and_lands_on_its_waiting_page(w, client):
    client.force_login(w.resident.user)
    response = client.post("/remote/", {"matter": w.matter.code, "point": w.village.code})
    session = RemoteSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/remote/{session.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "A001" in html and "前面还有" in html and 'data-status="waiting"' in html
    status = client.get(f"/remote/{session.pk}/status/").json()
    assert status["status"] == "waiting" and status["ahead"] == 0


def test_an_unknown_matter_is_refused_on_the_page(w, client):
    client.force_login(w.resident.user)
    response = client.post("/remote/", {"matter": w.other_matter.code})
    assert response.status_code == 422 and "暂未开通远程视频办理" in response.content.decode()
    assert not Ticket.objects.exists()


def test_anonymous_posting_is_sent_to_login(w, client):
    response = client.post("/remote/", {"matter": w.matter.code})
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_a_session_page_is_its_residents_alone(w, client):
    session = live(w)
    for user in (w.stranger.user, w.clerk.user, w.admin.user):
        client.force_login(user)
        assert client.get(f"/remote/{session.pk}/").status_code == 404
        assert client.get(f"/remote/{session.pk}/status/").status_code == 404
    client.force_login(w.resident.user)
    html = client.get(f"/remote/{session.pk}/").content.decode()
    assert 'data-peer-state="new"' in html and "remote/remote.js" in html
    assert "<script>" not in html and "同意录像" in html and "确认无误并签名" in html


def test_the_console_signs_on_and_calls_the_next_remote_ticket(w, client):
    client.force_login(w.resident.user)
    client.post("/remote/", {"matter": w.matter.code})
    client.force_login(w.clerk.user)
    html = client.get("/workbench/remote/").content.decode()
    assert "21号窗口" in html and "上岗" in html
    client.post("/workbench/remote/", {"action": "sign_on", "window": w.remote.pk})
    assert WindowSession.objects.filter(window=w.remote, staff=w.clerk.user, ended_at=None).exists()
    html = client.get("/workbench/remote/").content.decode()
    assert "A001" in html and "叫下一位" in html
    response = client.post("/workbench/remote/", {"action": "call"})
    session = RemoteSession.objects.get()
    assert response["Location"] == f"/workbench/remote/{session.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "共享我的屏幕" in html and 'data-role="clerk"' in html and "本人与身份证一致" in html


@pytest.mark.parametrize("who", ["resident", "reviewer"])
def test_the_console_is_refused_to_residents_and_reviewers(w, client, who):
    user = w.resident.user if who == "resident" else StaffFactory(reviewer=True).user
    client.force_login(user)
    assert client.get("/workbench/remote/").status_code == 403


def test_the_live_session_page_is_the_calling_clerks_alone(w, client):
    session = live(w)
    for user in (w.other_clerk.user, w.admin.user, w.lead.user):
        client.force_login(user)
        assert client.get(f"/workbench/remote/{session.pk}/").status_code in (403, 404)
    client.force_login(w.clerk.user)
    assert client.get(f"/workbench/remote/{session.pk}/").status_code == 200


def test_the_api_lists_matters_takes_a_ticket_and_reads_the_session(w, client):
    assert client.get("/api/v1/remote/matters").json() == [
        {"code": w.matter.code, "name": w.matter.name}
    ]
    assert (
        client.post(
            "/api/v1/remote/tickets", {"matter": w.matter.code}, content_type="application/json"
        ).status_code
        == 401
    )
    client.force_login(w.resident.user)
    response = client.post(
        "/api/v1/remote/tickets",
        {"matter": w.matter.code, "point": w.village.code},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "A001" and body["status"] == "waiting"
    assert client.get(f"/api/v1/remote/sessions/{body['id']}").json()["number"] == "A001"
    client.force_login(w.stranger.user)
    missing = client.get(f"/api/v1/remote/sessions/{body['id']}")
    assert missing.status_code == 404 and missing["Content-Type"].startswith(
        "application/problem+json"
    )
    refused = client.post(
        "/api/v1/remote/tickets", {"matter": w.other_matter.code}, content_type="application/json"
    )
    assert refused.status_code == 422 and "暂未开通" in refused.json()["detail"]


def test_an_absurd_session_number_is_simply_not_found(w, client):
    client.force_login(w.resident.user)
    assert client.get("/remote/99999999999999999999999/").status_code == 404
    assert client.get("/api/v1/remote/sessions/99999999999999999999999").status_code in (400, 404)
    client.force_login(w.clerk.user)
    assert client.get("/workbench/remote/99999999999999999999999/").status_code == 404
    client.force_login(w.lead.user)
    assert client.get("/workbench/remote/recordings/99999999999999999999999/").status_code == 404
