"""Event handlers of the policies app, registered when PoliciesConfig.ready() imports this
module. Each is idempotent: matching tells a subject about a policy once (Match rows)."""

from __future__ import annotations

from yishi.core.events import handler

# The people app records this event when a subject's registry data change (payload
# {"person_id": …} or {"company_id": …}); see the report of issue 6 for the one-line call.
REGISTRY_CHANGED = "people.registry_changed"


@handler(REGISTRY_CHANGED, name="policies.matching_refresh")
def on_registry_changed(event) -> None:
    """A registry change may make the subject eligible for a policy: push it (once)."""
    from yishi.people.models import Company, Person
    from yishi.policies.services import matching_refresh

    payload = event.payload or {}
    if payload.get("person_id"):
        person = Person.objects.filter(pk=payload["person_id"]).first()
        if person is not None:
            matching_refresh(person=person)
    elif payload.get("company_id"):
        company = Company.objects.filter(pk=payload["company_id"]).first()
        if company is not None:
            matching_refresh(company=company)


@handler("cases.subcase.approved", name="policies.application_commit_amount")
def on_subcase_approved(event) -> None:
    """A policy application's case approved anywhere (the department's own review pages):
    commit the amount from the bands on the day of approval (once)."""
    import datetime as dt

    from django.utils import timezone

    from yishi.policies.applications import commit_amount
    from yishi.policies.models import PolicyApplication

    payload = event.payload or {}
    pa = PolicyApplication.objects.filter(application_id=payload.get("application_id")).first()
    if pa is None or pa.amount is not None:
        return
    day = payload.get("approved_on")
    on = dt.date.fromisoformat(day) if isinstance(day, str) else None
    commit_amount(pa=pa, on=on or timezone.localdate(), actor="system:policies")
