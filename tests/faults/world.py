"""Data the fault tests build on the private cluster's database. Each function runs in a
fresh process on that database (`YishiEnv.call`) and returns plain JSON: application
numbers, ids, and session cookies for signed-in users."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.test import Client


def session_of(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def build_cases(applications: int = 6, clerks: int = 2) -> dict[str, Any]:
    """Submitted applications of a chain theme, an applicant and window clerks."""
    from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
    from yishi.cases.services import application_submit

    chain = make_chain_theme()
    applicant = ApplicantFactory()
    numbers = [
        application_submit(
            user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
        ).number
        for _ in range(applications)
    ]
    return {
        "numbers": numbers,
        "clerks": [session_of(StaffFactory().user) for _ in range(clerks)],
        "applicant": session_of(applicant.user),
    }


def build_hall(windows: int = 6, tickets: int = 4) -> dict[str, Any]:
    """An outlet whose windows each have a clerk signed on, and tickets waiting."""
    from django.utils import timezone

    from tests.cases.factories import StaffFactory
    from tests.hall.factories import OutletFactory, QueueFactory, WindowFactory
    from yishi.hall import policy, services
    from yishi.hall.models import Ticket

    outlet = OutletFactory(code="faults-hall")
    queue = QueueFactory(outlet=outlet, letter="A", is_general=True)
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            outlet=outlet,
            day=timezone.localdate(now),
            queue=queue,
            number=f"A{i:03d}",
            arrived_at=now - dt.timedelta(minutes=tickets - i),
            virtual_at=policy.virtual_arrival(
                now - dt.timedelta(minutes=tickets - i), policy.Priority.ORDINARY
            ),
        )
        for i in range(tickets)
    )
    desks = []
    for i in range(windows):
        window = WindowFactory(outlet=outlet, number=i + 1, serves_all=True)
        user = StaffFactory().user
        services.window_sign_on(window=window, staff=user)
        desks.append({"window": window.pk, "session": session_of(user)})
    return {"desks": desks}


def build_policy() -> dict[str, Any]:
    """The demo elderly allowance with three eligible persons, and an administrator."""
    from tests.cases.factories import StaffFactory
    from tests.policies.factories import PersonFactory, born_aged, seed_demo_policies

    policy = seed_demo_policies()["elderly-allowance"]
    for age in (81, 92, 101):
        PersonFactory(birth=born_aged(age, dt.date(2026, 10, 1)))
    admins = [StaffFactory(administrator=True).user for _ in range(2)]
    return {"code": policy.code, "admins": [session_of(u) for u in admins]}


def effects(numbers: list[str]) -> dict[str, Any]:
    """What the clerks' concurrent actions left in the database (applications `numbers`)."""
    from django.db.models import Count

    from yishi.cases.models import Application
    from yishi.core.models import AuditEntry, DomainEvent, OutboxMessage
    from yishi.hall.models import Ticket
    from yishi.policies.models import Grant, Run, RunChange
    from yishi.policies.services import PAYMENT_TOPIC

    apps = Application.objects.filter(number__in=numbers)
    return {
        "accepted": apps.filter(status=Application.Status.ACCEPTED).count(),
        "subcases_per_app": sorted(apps.annotate(n=Count("subcases")).values_list("n", flat=True)),
        "accepted_events": DomainEvent.objects.filter(
            name="cases.application.accepted",
            payload__application_id__in=list(apps.values_list("pk", flat=True)),
        ).count(),
        "called": list(
            Ticket.objects.filter(window__isnull=False).values_list("number", "window_id")
        ),
        "call_audits": AuditEntry.objects.filter(action="hall.ticket.call").count(),
        "runs": Run.objects.count(),
        "run_changes": RunChange.objects.count(),
        "grants_paid_months": sorted(Grant.objects.values_list("paid_months", flat=True)),
        "payment_lists": OutboxMessage.objects.filter(topic=PAYMENT_TOPIC).count(),
    }


def build_world() -> dict[str, Any]:
    """Everything the live-server tests use, built in one process (factory sequences restart
    in each process, so a second builder would repeat usernames and codes). The rows data
    migrations seed come back first: the copied database may come from after a flush."""
    from tests.conftest import reseed_migration_data

    reseed_migration_data()
    return {
        "clerks": build_cases(applications=4, clerks=2),
        "restart": build_cases(applications=12, clerks=1),
        "hall": build_hall(windows=6, tickets=4),
        "policy": build_policy(),
    }
