"""The follow-up of a 差评: limits on the working-day calendar, visit before 整改, appeals
decided by a supervisor, who may act on whose, the staff list API and the invitation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import signing
from django.utils import timezone

from tests.cases.factories import StaffFactory
from tests.catalog.factories import DepartmentFactory
from tests.ratings.factories import completed, lead, supervisor
from yishi.cases.models import Message
from yishi.core.errors import Conflict, PermissionDeniedError, ValidationFailed
from yishi.core.models import OutboxMessage
from yishi.ratings import queries, services
from yishi.ratings.models import FollowUp, Invitation, Rating

pytestmark = pytest.mark.django_db


def poor_rating(applicant, level=1):
    app = completed(applicant)
    return services.rating_submit(
        target=services.application_target(app),
        stage="complete",
        level=level,
        indicators=["办事效率"],
        user=applicant.user,
    )


def test_limits_count_working_days_from_the_day_after_the_rating_over_national_day():
    # 9/30 is a Wednesday; 10/1–10/7 are the holiday, Saturday 10/10 is an adjusted workday.
    assert services.followup_deadlines(dt.date(2026, 9, 30)) == (
        dt.date(2026, 10, 13),
        dt.date(2026, 10, 27),
    )
    # A Friday rating: the count starts on Monday.
    assert services.followup_deadlines(dt.date(2026, 11, 20)) == (
        dt.date(2026, 11, 27),
        dt.date(2026, 12, 11),
    )


def test_both_limits_are_settings(settings):
    settings.YISHI_RATING_VISIT_DAYS = 2
    settings.YISHI_RATING_RECTIFY_DAYS = 3
    assert services.followup_deadlines(dt.date(2026, 11, 20)) == (
        dt.date(2026, 11, 24),
        dt.date(2026, 11, 25),
    )


def test_the_department_lead_visits_then_rectifies_and_the_figures_count_it(applicant):
    rating = poor_rating(applicant)
    f = rating.followup
    boss = lead(f.department)
    with pytest.raises(Conflict):
        services.followup_handle(followup=f, staff=boss.user, action="immediate", note="已整改")
    with pytest.raises(ValidationFailed):
        services.followup_visit(followup=f, staff=boss.user, outcome=" ")
    f = services.followup_visit(followup=f, staff=boss.user, outcome="已回访")
    assert f.status == "visited" and f.visited_at is not None
    with pytest.raises(Conflict):
        services.followup_visit(followup=f, staff=boss.user, outcome="再次回访")
    f = services.followup_handle(
        followup=f, staff=boss.user, action="deadline", note="限期整改完成"
    )
    assert (f.status, f.action, f.handled_on) == ("rectified", "deadline", timezone.localdate())
    figures = queries.stats()
    assert figures["poor"] == 1
    assert figures["followed_up_rate"] == 1.0 and figures["rectified_on_time_rate"] == 1.0
    events = [
        m.payload["event"]
        for m in OutboxMessage.objects.filter(topic="ratings.followup").order_by("id")
    ]
    assert events == ["opened", "visited", "rectified"]


def test_an_explanation_is_recorded_where_the_law_leaves_no_room(applicant):
    f = poor_rating(applicant).followup
    boss = lead(f.department)
    services.followup_visit(followup=f, staff=boss.user, outcome="已回访")
    f = services.followup_handle(followup=f, staff=boss.user, action="explained", note="法定条件")
    assert f.status == "explained"


def test_only_the_departments_lead_acts_and_only_a_supervisor_decides_an_appeal(applicant):
    f = poor_rating(applicant).followup
    other_lead = lead(DepartmentFactory())
    reviewer = StaffFactory(department=f.department, reviewer=True)
    for who in (other_lead, reviewer):
        with pytest.raises(PermissionDeniedError):
            services.followup_visit(followup=f, staff=who.user, outcome="回访")
    boss = lead(f.department)
    f = services.followup_appeal(followup=f, staff=boss.user, reason="恶意差评，有录音为证")
    assert f.status == "appealed"
    with pytest.raises(PermissionDeniedError):
        services.followup_decide(followup=f, staff=boss.user, upheld=True)
    assert queries.stats()["count"] == 1


def test_an_upheld_appeal_removes_the_rating_from_every_figure(applicant):
    rating = poor_rating(applicant)
    f = rating.followup
    services.followup_appeal(followup=f, staff=lead(f.department).user, reason="恶意差评")
    f = services.followup_decide(followup=f, staff=supervisor().user, upheld=True, note="核实")
    rating.refresh_from_db()
    assert (f.status, f.appeal_upheld, rating.excluded) == ("closed", True, True)
    assert queries.stats() == {
        "count": 0,
        "by_level": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
        "satisfaction_rate": 0.0,
        "poor": 0,
        "followed_up_rate": 0.0,
        "rectified_on_time_rate": 0.0,
    }
    assert queries.measures(FollowUp.objects.all()) == []


def test_a_rejected_appeal_puts_the_followup_back_where_it_was(applicant):
    f = poor_rating(applicant).followup
    boss = lead(f.department)
    services.followup_visit(followup=f, staff=boss.user, outcome="已回访")
    services.followup_appeal(followup=f, staff=boss.user, reason="不实")
    f = services.followup_decide(followup=f, staff=supervisor().user, upheld=False)
    assert (f.status, f.appeal_upheld) == ("visited", False)
    assert Rating.objects.get().excluded is False


def test_warnings_and_overdue_follow_the_next_limit(applicant):
    f = poor_rating(applicant).followup
    today = timezone.localdate()
    FollowUp.objects.filter(pk=f.pk).update(visit_due_on=today - dt.timedelta(days=1))
    rows = queries.followup_rows(FollowUp.objects.all(), today)
    assert rows[0]["state"] == "overdue" and rows[0]["step"] == "回访核实"
    FollowUp.objects.filter(pk=f.pk).update(visit_due_on=today)
    assert queries.followup_rows(FollowUp.objects.all(), today)[0]["state"] == "warning"
    FollowUp.objects.filter(pk=f.pk).update(visit_due_on=today + dt.timedelta(days=30))
    assert queries.followup_rows(FollowUp.objects.all(), today)[0]["state"] == "ok"


def test_the_followup_list_api_shows_a_lead_their_departments_only(client, applicant):
    f = poor_rating(applicant).followup
    poor_rating(applicant)  # another department's
    assert client.get("/api/v1/rating-followups").status_code == 401
    client.force_login(StaffFactory(reviewer=True).user)
    assert client.get("/api/v1/rating-followups").status_code == 403
    client.force_login(lead(f.department).user)
    items = client.get("/api/v1/rating-followups").json()["items"]
    assert items == [
        {
            "id": f.pk,
            "rating_id": f.rating_id,
            "target": {"kind": "application", "ref": f.rating.application.number},
            "visit_due_on": f.visit_due_on.isoformat(),
            "due_on": f.due_on.isoformat(),
            "status": "open",
        }
    ]
    assert client.get("/api/v1/rating-followups?status=visited").json()["items"] == []
    assert client.get("/api/v1/rating-followups?status=bogus").status_code == 422
    client.force_login(supervisor().user)
    assert len(client.get("/api/v1/rating-followups").json()["items"]) == 2


def test_one_invitation_only_after_the_setting_days_with_a_working_signed_link(
    client, applicant, settings
):
    settings.YISHI_RATING_INVITE_DAYS = 3
    app = completed(applicant)
    now = timezone.now()
    assert services.invitations_send(now=now) == 0  # completed just now
    later = now + dt.timedelta(days=3, minutes=1)
    assert services.invitations_send(now=later) == 1
    assert services.invitations_send(now=later + dt.timedelta(days=5)) == 0
    assert Invitation.objects.get().application == app
    message = Message.objects.filter(application=app).latest("id")
    assert "评价" in message.text
    sms = [m for m in OutboxMessage.objects.all() if m.payload.get("template") == "rating_invite"]
    assert len(sms) == 1 and sms[0].payload["phone"] == applicant.phone
    link = message.text.split("：")[-1]
    r = client.get(link)
    assert r.status_code == 200 and app.number in r.content.decode()
    r = client.post(link, {"level": "2", "indicators": ["办事效率"], "comment": ""})
    assert r.status_code == 302
    rating = Rating.objects.get()
    assert (rating.source, rating.user, rating.level) == ("sms", applicant.user, 2)
    # A rated application is never invited; a tampered or expired link is refused.
    assert client.get(link[:-3] + "xx/").status_code == 404
    settings.YISHI_RATING_LINK_DAYS = 0
    token = signing.dumps({"a": app.pk, "s": "complete"}, salt=services.LINK_SALT, compress=True)
    import time

    time.sleep(1.1)
    assert client.get(f"/ratings/s/{token}/").status_code == 404


def test_an_already_rated_application_gets_no_invitation(applicant):
    app = completed(applicant)
    services.rating_submit(
        target=services.application_target(app), stage="complete", level=5, user=applicant.user
    )
    assert services.invitations_send(now=timezone.now() + dt.timedelta(days=10)) == 0
    assert json.dumps(list(Invitation.objects.values())) == "[]"
