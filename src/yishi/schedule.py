"""The periodic jobs, defined once: what `python -m yishi scheduler` enqueues, and when.

Each entry names a django-tasks task by its dotted path and a schedule in the small language
of yishi.core.scheduler.parse_schedule: "every 30 s", "every 30 min", "every 2 h", "hourly",
"hourly at :15", "daily at 02:00" (Asia/Shanghai, TIME_ZONE) or "daily at 02:00 Area/City".
Every task here takes no arguments and handles everything due, idempotently, so a run that
is late, or one more run, does no harm. The README's schedule table mirrors this list.
"""

from __future__ import annotations

from yishi.core.scheduler import Periodic

SCHEDULE: tuple[Periodic, ...] = (
    # The outbox and the domain events are also kicked after each commit; these runs retry
    # what failed and pick up kicks that were lost.
    Periodic("yishi.core.tasks.deliver_outbox", "every 30 s"),
    Periodic("yishi.core.tasks.dispatch_events", "every 30 s"),
    Periodic("yishi.core.tasks.recover_tasks", "every 5 min"),
    Periodic("yishi.hall.tasks.mark_appointment_no_shows", "every 30 min"),
    Periodic("yishi.credit.tasks.check_commitments", "hourly"),
    Periodic("yishi.ratings.tasks.send_rating_invitations", "hourly at :10"),
    Periodic("yishi.core.tasks.sweep_uploads", "hourly at :20"),
    Periodic("yishi.hall.tasks.open_appointment_slots", "daily at 01:00"),
    Periodic("yishi.policies.tasks.run_policies", "daily at 02:00"),
    Periodic("yishi.policies.tasks.push_matches", "daily at 02:30"),
    Periodic("yishi.governance.tasks.run_quality_checks", "daily at 03:00"),
    Periodic("yishi.remote.tasks.purge_remote_recordings", "daily at 03:30"),
    Periodic("yishi.core.tasks.purge_idempotency", "daily at 04:00"),
    Periodic("yishi.core.tasks.sign_audit_head", "daily at 04:20"),
    Periodic("yishi.core.tasks.verify_audit", "daily at 04:30"),
    Periodic("yishi.policies.tasks.remind_application_deadlines", "daily at 09:00"),
)
