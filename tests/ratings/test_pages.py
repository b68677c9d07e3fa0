"""好差评 pages: the rate links where people are served, who opens the rating and staff pages,
the admin in Chinese, and the demo data."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.cases.factories import ApplicantFactory, StaffFactory
from tests.catalog.factories import DepartmentFactory, MatterFactory
from tests.core.test_admin_in_chinese import english_words
from tests.hall.factories import OutletFactory, QueueFactory
from tests.ratings.factories import accepted, completed, lead, served_ticket, supervisor
from yishi.cases.models import Application
from yishi.catalog.models import Department
from yishi.core.fields import blind_index
from yishi.ratings import services
from yishi.ratings.demo import load_ratings_demo
from yishi.ratings.models import FollowUp, Rating

pytestmark = pytest.mark.django_db


def test_the_application_page_links_to_rating_at_acceptance_and_completion(client, applicant):
    app = accepted(applicant)
    client.force_login(applicant.user)
    page = client.get(f"/apply/my/{app.number}/").content.decode()
    assert f"/ratings/application/{app.number}/accept/" in page
    assert "/complete/" not in page
    done = completed(applicant)
    page = client.get(f"/apply/my/{done.number}/").content.decode()
    assert f"/ratings/application/{done.number}/complete/" in page


def test_only_the_applicant_opens_the_rating_page(client, applicant, other_applicant):
    app = completed(applicant)
    url = f"/ratings/application/{app.number}/complete/"
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(other_applicant.user)
    assert client.get(url).status_code == 404
    client.force_login(applicant.user)
    assert client.get(url).status_code == 200
    assert client.get(f"/ratings/application/{app.number}/bogus/").status_code == 404
    r = client.post(url, {"level": "1", "comment": "慢"})
    assert r.status_code == 422 and "至少选择一项" in r.content.decode()
    r = client.post(url, {"level": "1", "indicators": ["办事效率"]})
    assert r.status_code == 302
    assert "该环节已评价" in client.get(url).content.decode()


def test_a_ticket_not_yet_served_cannot_be_rated_on_the_phone(client):
    outlet = OutletFactory()
    from yishi.hall import services as hall

    ticket = hall.ticket_take(outlet=outlet, queue=QueueFactory(outlet=outlet))
    page = client.get(f"/ratings/ticket/{ticket.token}/").content.decode()
    assert "尚未办理" in page
    assert client.get("/ratings/ticket/7d0c6e5e-0000-4000-8000-000000000000/").status_code == 404
    served = served_ticket()
    assert client.post(f"/ratings/ticket/{served.token}/", {"level": "5"}).status_code == 302
    assert Rating.objects.get().source == "phone"


def test_the_followup_pages_are_for_leads_supervisors_and_admins(client, applicant):
    app = completed(applicant)
    rating = services.rating_submit(
        target=services.application_target(app),
        stage="complete",
        level=2,
        indicators=["办事便捷度"],
        user=applicant.user,
    )
    f = rating.followup
    url = f"/workbench/ratings/followups/{f.pk}/"
    client.force_login(StaffFactory(reviewer=True).user)
    assert client.get("/workbench/ratings/").status_code == 403
    client.force_login(lead(DepartmentFactory()).user)
    assert client.get("/workbench/ratings/").status_code == 200
    assert client.get(url).status_code == 404
    boss = lead(f.department)
    client.force_login(boss.user)
    assert f'data-row="followup-{f.pk}"' in client.get("/workbench/ratings/").content.decode()
    assert client.post(url, {"action": "appeal", "reason": "恶意差评"}).status_code == 302
    client.force_login(supervisor().user)
    assert 'data-form="decide"' in client.get(url).content.decode()
    assert client.post(url, {"action": "decide", "upheld": "yes"}).status_code == 302
    assert FollowUp.objects.get().status == "closed"
    assert Rating.objects.get().excluded


def test_the_ratings_admin_is_in_chinese(client, applicant):
    app = completed(applicant)
    rating = services.rating_submit(
        target=services.application_target(app),
        stage="complete",
        level=1,
        indicators=["办事效率"],
        user=applicant.user,
    )
    root = get_user_model().objects.create_superuser("root-admin", password="x-密码-42")
    client.force_login(root)
    urls = [
        "/admin/ratings/rating/",
        f"/admin/ratings/rating/{rating.pk}/change/",
        "/admin/ratings/followup/",
        f"/admin/ratings/followup/{rating.followup.pk}/change/",
        "/admin/ratings/indicatorset/",
        "/admin/ratings/indicatorset/1/change/",
        "/admin/ratings/invitation/",
    ]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        assert english_words(r.content.decode(), ignore={"root", "admin"}) == set(), url


def test_the_demo_rates_across_departments_and_keeps_one_application_to_rate(settings):
    settings.DISTRICT_CODE = "420702"
    from tests.catalog.factories import RegionFactory

    district = RegionFactory(code="420702", name="梁子湖区")
    centre = DepartmentFactory(
        code="LZH-ZWZX", kind=Department.Kind.SERVICE_CENTRE, region=district
    )
    for n in range(5):
        MatterFactory(department=DepartmentFactory(code=f"LZH-D{n}"))
    outlet = OutletFactory(department=centre)
    QueueFactory(outlet=outlet)
    assert load_ratings_demo() == {}  # no demo applicant yet
    applicant = ApplicantFactory(phone="13800138000", phone_index=blind_index("13800138000"))
    from yishi.ratings.demo import demo_departments

    for department in demo_departments():
        lead(department)
    first = load_ratings_demo()
    assert first["好差评"] == 8 + 6 and first["待评价办件"] == 1
    poor = Rating.objects.filter(level__lte=2, excluded=False)
    assert poor.count() >= 3
    assert FollowUp.objects.filter(status="rectified").count() == 1
    assert len({r.department_id for r in Rating.objects.all()}) >= 4
    from yishi.ratings.queries import followup_rows

    assert any(r["state"] == "overdue" for r in followup_rows(FollowUp.objects.all()))
    rated = Rating.objects.filter(stage="complete").values("application_id")
    unrated = Application.objects.filter(applicant=applicant.user, status="completed").exclude(
        pk__in=rated
    )
    assert unrated.count() == 1
    count = Rating.objects.count()
    second = load_ratings_demo()
    assert Rating.objects.count() == count and second["待评价办件"] == 1
