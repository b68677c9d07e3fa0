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
