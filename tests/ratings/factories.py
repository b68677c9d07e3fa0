"""好差评 factories: completed applications through the real services, served tickets, staff
with the roles that follow up, and bare rating rows for figures."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from tests.cases.factories import StaffFactory
from tests.catalog.factories import DepartmentFactory, MatterFactory
from tests.hall.factories import OutletFactory, QueueFactory
from yishi.cases.models import Application
from yishi.cases.services import application_accept_auto, application_submit, subcase_approve_auto
from yishi.core.roles import Role
from yishi.hall import services as hall
from yishi.hall.models import Ticket
from yishi.ratings.models import FollowUp, IndicatorSet, Rating

RULE = "测试规则"


def submitted(applicant, *, matter=None, company=None) -> Application:
    matter = matter or MatterFactory(status="published")
    return application_submit(user=applicant.user, matter=matter, form_data={}, company=company)


def accepted(applicant, **kw) -> Application:
    app = submitted(applicant, **kw)
    return application_accept_auto(application=app, rule=RULE, note="测试受理")


def completed(applicant, **kw) -> Application:
    app = accepted(applicant, **kw)
    for subcase in app.subcases.all():
        subcase_approve_auto(subcase=subcase, rule=RULE, result_name="结果", note="测试")
    app = Application.objects.get(pk=app.pk)
    assert app.status == Application.Status.COMPLETED
    return app


def served_ticket(outlet=None) -> Ticket:
    outlet = outlet or OutletFactory(department=DepartmentFactory(kind="centre"))
    queue = QueueFactory(outlet=outlet)
    ticket = hall.ticket_take(outlet=outlet, queue=queue, channel=Ticket.Channel.PHONE)
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.DONE, served_started_at=now, finished_at=now
    )
    ticket.refresh_from_db()
    return ticket


def lead(department):
    return StaffFactory(department=department, role=Role.DEPARTMENT_LEAD)


def supervisor():
    return StaffFactory(role=Role.SUPERVISOR)


class RatingFactory(factory.django.DjangoModelFactory):
    """A bare rating row (no services): for figures built from many rows."""

    class Meta:
        model = Rating

    kind = Rating.Kind.TICKET
    target_key = factory.Sequence(lambda n: f"ticket:test-{n}")
    stage = Rating.Stage.SERVICE
    level = 5
    indicator_set = factory.LazyFunction(
        lambda: IndicatorSet.objects.get(channel="offline", version=1)
    )
    source = Rating.Source.API
    created_at = factory.LazyFunction(timezone.now)


def followup_for(rating: Rating, *, visited=False, handled_on=None, status=None) -> FollowUp:
    day = timezone.localdate(rating.created_at)
    f = FollowUp.objects.create(
        rating=rating,
        department=rating.department,
        visit_due_on=day + dt.timedelta(days=7),
        due_on=day + dt.timedelta(days=21),
        visited_at=rating.created_at if visited else None,
        handled_on=handled_on,
        status=status or (FollowUp.Status.VISITED if visited else FollowUp.Status.OPEN),
    )
    return f
