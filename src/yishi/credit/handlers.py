"""Event handlers of the credit app, registered when CreditConfig.ready() imports this module.
Each is idempotent: run twice on one event, it changes nothing more."""

from __future__ import annotations

from yishi.core.events import handler
from yishi.credit.models import Commitment

ACTOR = "system:supervision"


@handler("supervision.result", name="credit.commitment_from_supervision")
def on_supervision_result(event) -> None:
    """事中事后核查 flows back: a promise found false breaks the application's commitment
    (step 3: suspended case, broken record, pushed); a compliant result closes a commitment
    that only had proofs to verify."""
    from yishi.credit.commitments import commitment_break, commitment_keep_if_done

    payload = event.payload or {}
    application_id = payload.get("application_id")
    if not application_id:
        return
    commitments = Commitment.objects.filter(application_id=application_id)
    if payload.get("commitment_false"):
        findings = str(payload.get("findings") or "").strip()
        reason = "事中事后核查发现承诺内容不实" + (f"：{findings}" if findings else "")
        for commitment in commitments.exclude(status=Commitment.Status.BROKEN):
            commitment_break(commitment=commitment, reason=reason, actor=ACTOR)
    elif payload.get("result") == "compliant":
        for commitment in commitments.filter(status=Commitment.Status.ACTIVE):
            commitment_keep_if_done(commitment=commitment, actor=ACTOR)


@handler("cases.application.accepted", name="credit.commitment_clock_starts")
def on_application_accepted(event) -> None:
    """An application accepted the ordinary way (workbench button, API) while carrying a
    commitment signed online: the commitment becomes active and its deferred items' due dates
    count from the acceptance day, exactly as at a 容缺受理 counter."""
    import datetime as dt

    from yishi.credit.commitments import commitment_activate

    payload = event.payload or {}
    application_id = payload.get("application_id")
    accepted_on = payload.get("accepted_on")
    if not application_id or not accepted_on:
        return
    day = dt.date.fromisoformat(str(accepted_on))
    signed = Commitment.objects.select_for_update(no_key=True).filter(
        application_id=application_id, status=Commitment.Status.SIGNED
    )
    for commitment in signed:
        commitment_activate(commitment, day=day, actor="system:acceptance")
