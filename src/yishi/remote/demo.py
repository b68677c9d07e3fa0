"""Demo data of the remote virtual window: two remote windows (远程虚拟窗口, numbers 21 and
22) at the district centre's hall, serving the matters of the hall's comprehensive and
social-security queues (A, C) — the ones people in the towns and villages ask for most.
Idempotent (keyed on the outlet and window numbers); nothing without the hall demo."""

from __future__ import annotations

from django.db import transaction

from yishi.hall.models import Outlet, Queue, Window

DISTRICT_OUTLET = "lzh-centre"
WINDOWS = ((21, "远程视频办理一"), (22, "远程视频办理二"))
QUEUE_LETTERS = ("A", "C")


@transaction.atomic
def load_remote_demo() -> dict[str, int]:
    outlet = Outlet.objects.filter(code=DISTRICT_OUTLET).first()
    if outlet is None:
        return {"remote_windows": 0}
    queues = list(Queue.objects.filter(outlet=outlet, letter__in=QUEUE_LETTERS))
    for number, name in WINDOWS:
        window, _ = Window.objects.update_or_create(
            outlet=outlet,
            number=number,
            defaults={"name": name, "kind": Window.Kind.REMOTE, "serves_all": False},
        )
        window.queues.set(queues)
    return {"remote_windows": len(WINDOWS)}
