"""POST /api/v1/ratings: who may rate what, when, and how often; what a 差评 must carry."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from tests.cases.factories import ApplicantFactory
from tests.catalog.factories import MatterFactory
from tests.people.factories import CompanyAgentFactory, CompanyFactory
from tests.ratings.factories import accepted, completed, served_ticket, submitted
from yishi.assist.models import AssistRequest
from yishi.core.models import AuditEntry, OutboxMessage
from yishi.ratings.models import FollowUp, Rating
from yishi.ratings.services import followup_deadlines

pytestmark = pytest.mark.django_db
URL = "/api/v1/ratings"


def post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def body(kind, ref, stage="complete", level=5, indicators=None, comment=""):
    return {
        "target": {"kind": kind, "ref": ref},
        "stage": stage,
        "level": level,
        "indicators": indicators or [],
        "comment": comment,
    }


def problem(response, status, field):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    doc = response.json()
    assert doc["status"] == status
    if field is not None:
        fields = {doc.get("field")} | {e["field"].split(".")[-1] for e in doc.get("errors", [])}
        assert field in fields, doc
    return doc


def test_the_applicant_rates_a_completed_application_and_a_poor_rating_opens_its_followup(
    client, applicant
):
    app = completed(applicant)
    client.force_login(applicant.user)
    r = post(
        client,
        body(
            "application",
            app.number,
            level=1,
            indicators=["办事效率"],
            comment="太慢了，电话13900001111",
        ),
    )
    assert r.status_code == 201, r.content
    doc = r.json()
    rating = Rating.objects.get()
    assert doc["id"] == rating.pk and doc["created_at"]
    assert doc["target"] == {"kind": "application", "ref": app.number}
    assert (doc["stage"], doc["level"], doc["poor"], doc["indicators"]) == (
        "complete",
        1,
        True,
        ["办事效率"],
    )
    assert doc["indicator_set"] == {"channel": "online", "version": 1}
    visit_due, due = followup_deadlines(timezone.localdate())
    assert doc["followup"]["visit_due_on"] == visit_due.isoformat()
    assert doc["followup"]["due_on"] == due.isoformat()
    f = FollowUp.objects.get()
    assert (f.department_id, f.status) == (app.matter.department_id, "open")
    assert rating.department_id == app.matter.department_id
    assert rating.user == applicant.user and rating.source == "api"
    # The comment is stored encrypted and kept out of the audit log.
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT comment FROM ratings_rating WHERE id = %s", [rating.pk])
        assert "13900001111" not in c.fetchone()[0]
    assert rating.comment == "太慢了，电话13900001111"
    entry = AuditEntry.objects.get(action="rating.create")
    assert "13900001111" not in json.dumps(entry.data, ensure_ascii=False)
    topics = sorted(
        OutboxMessage.objects.filter(topic__startswith="ratings.").values_list("topic", flat=True)
    )
    assert topics == ["ratings.followup", "ratings.rating"]


def test_the_same_target_and_stage_again_is_a_conflict_and_stages_are_rated_apart(
    client, applicant
):
    app = completed(applicant)
    client.force_login(applicant.user)
    assert post(client, body("application", app.number, stage="accept", level=4)).status_code == 201
    assert post(client, body("application", app.number, level=5)).status_code == 201
    problem(post(client, body("application", app.number, level=3)), 409, "stage")
    assert Rating.objects.count() == 2


def test_a_stage_can_be_rated_only_once_its_state_was_reached(client, applicant):
    waiting = submitted(applicant)
    client.force_login(applicant.user)
    problem(post(client, body("application", waiting.number, stage="accept")), 409, "stage")
    app = accepted(applicant)
    problem(post(client, body("application", app.number, stage="complete")), 409, "stage")
    assert post(client, body("application", app.number, stage="accept")).status_code == 201
    problem(post(client, body("application", app.number, stage="service")), 422, "stage")
    assert Rating.objects.count() == 1


def test_someone_elses_application_is_not_found_and_anonymous_callers_must_sign_in(
    client, applicant, other_applicant
):
    app = completed(applicant)
    problem(post(client, body("application", app.number)), 401, None)
    client.force_login(other_applicant.user)
    problem(post(client, body("application", app.number)), 404, "ref")
    problem(post(client, body("application", "YS-NO-SUCH")), 404, "ref")
    assert not Rating.objects.exists()


def test_a_verified_agent_of_the_company_rates_its_application(client, applicant):
    company = CompanyFactory(rep=applicant.person)
    CompanyAgentFactory(company=company, person=applicant.person, legal_rep=True, verified=True)
    agent = ApplicantFactory()
    CompanyAgentFactory(company=company, person=agent.person, verified=True)
    pending = ApplicantFactory()
    CompanyAgentFactory(company=company, person=pending.person)
    app = completed(applicant, matter=MatterFactory(audience="company"), company=company)
    client.force_login(pending.user)
    problem(post(client, body("application", app.number)), 404, "ref")
    client.force_login(agent.user)
    assert post(client, body("application", app.number)).status_code == 201


def test_bad_values_are_refused_naming_the_field(client, applicant):
    app = completed(applicant)
    client.force_login(applicant.user)
    doc = problem(post(client, body("application", app.number, level=0)), 422, "level")
    assert "评价等级" in doc["detail"]
    doc = problem(post(client, body("application", app.number, level=2)), 422, "indicators")
    assert "不满意指标" in doc["detail"]
    problem(
        post(client, body("application", app.number, level=1, indicators=["服务态度"])),
        422,
        "indicators",
    )  # an offline indicator on an online application
    problem(post(client, body("application", app.number, comment="长" * 501)), 422, "comment")
    problem(post(client, body("nonsense", app.number)), 422, "kind")
    r = client.post(
        URL,
        json.dumps({"target": {"kind": "application"}, "stage": "complete", "level": 5}),
        content_type="application/json",
    )
    doc = problem(r, 422, "ref")
    assert any(e.get("label") for e in doc["errors"])
    assert not Rating.objects.exists()


def test_a_satisfied_rating_keeps_no_failed_indicator_and_opens_no_followup(client, applicant):
    app = completed(applicant)
    client.force_login(applicant.user)
    r = post(client, body("application", app.number, level=4, indicators=["办事效率"]))
    assert r.status_code == 201
    assert r.json()["indicators"] == [] and r.json()["followup"] is None
    assert not FollowUp.objects.exists()


def test_a_ticket_token_is_its_own_proof_and_the_ticket_must_have_been_served(client):
    ticket = served_ticket()
    r = post(
        client, body("ticket", str(ticket.token), stage="service", level=2, indicators=["服务态度"])
    )
    assert r.status_code == 201, r.content
    rating = Rating.objects.get()
    assert rating.outlet == ticket.outlet and rating.department == ticket.outlet.department
    assert rating.user is None and rating.indicator_set.channel == "offline"
    problem(post(client, body("ticket", str(ticket.token), stage="service")), 409, "stage")
    problem(post(client, body("ticket", "not-a-token", stage="service")), 404, "ref")


def test_the_assist_request_is_rated_by_its_account_once_concluded(
    client, applicant, other_applicant
):
    request = AssistRequest.objects.create(
        channel=AssistRequest.Channel.CHAT, account=applicant, status=AssistRequest.Status.ACTIVE
    )
    client.force_login(other_applicant.user)
    problem(post(client, body("assist", str(request.pk), stage="service")), 404, "ref")
    client.force_login(applicant.user)
    problem(post(client, body("assist", str(request.pk), stage="service")), 409, "stage")
    AssistRequest.objects.filter(pk=request.pk).update(status=AssistRequest.Status.RESOLVED)
    assert post(client, body("assist", str(request.pk), stage="service")).status_code == 201
    assert request.ratings.get().level == 5  # the assist app counts through this relation


def test_a_signed_in_user_rates_the_portal_once(client, applicant):
    problem(post(client, body("portal", "portal", stage="service")), 401, None)
    client.force_login(applicant.user)
    assert post(client, body("portal", "portal", stage="service", level=3)).status_code == 201
    problem(post(client, body("portal", "portal", stage="service")), 409, "stage")
    assert Rating.objects.get().kind == "portal"
