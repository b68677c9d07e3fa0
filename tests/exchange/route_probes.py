"""What tests/test_routes_by_role.py needs for the 跨域通办 routes (this file is not
collected as tests).

(a) `exchange_world(w)`: given the world of tests/access_world.py, a cross-region case that
    the partner 武汉市江夏区 handed to us, decided by reviewer_here's department (w.subcase of
    w.app), and an agreement under which the partner decides w.matter (全程网办 and
    异地代收代办, no unified materials); returns the values the paths use.
The lines themselves are in that file's PROBES.
Notes for the table: a refused staff role gets 403 (forbidden page) on the list, 404 on the
detail and the action (the case's existence is not revealed); the action probe posts no
items, so reviewer_here's request is refused by the checks after access (补正 needs items)
and redirects back to the detail page, changing nothing. The 全程网办 page is open to
every signed-in account like the ordinary online application (apply:matter); its probe posts
no delivery method, and the 异地代收代办 counter's posts no agreement, so both are refused
400 by the checks after access, changing nothing.
"""

from __future__ import annotations

from typing import Any

from tests.exchange.support import THEM, public_pem
from yishi.exchange.models import AgreedMatter, Crossing, Partner


def exchange_world(w: Any) -> dict[str, str]:
    partner, _ = Partner.objects.get_or_create(
        code=THEM,
        defaults={
            "name": "武汉市江夏区",
            "endpoint": "http://127.0.0.1:9",
            "public_key_pem": public_pem(THEM),
        },
    )
    agreed, _ = AgreedMatter.objects.get_or_create(
        partner=partner,
        code=w.subcase.matter.basic_code,
        decided_by=AgreedMatter.DecidedBy.US,
        defaults={
            "name": w.subcase.matter.name,
            "matter": w.subcase.matter,
            "modes": ["proxy"],
            "materials": [],
            "result_name": w.subcase.matter.result_name,
            "delivery": ["mail"],
        },
    )
    crossing = Crossing.objects.create(
        partner=partner,
        role=Crossing.Role.DECIDING,
        mode="proxy",
        agreed=agreed,
        application=w.app,
        subcase=w.subcase,
        status=Crossing.Status.ACCEPTED,
        promised_due=w.subcase.promised_due,
        legal_due=w.subcase.legal_due,
    )
    offer, _ = AgreedMatter.objects.get_or_create(
        partner=partner,
        code=w.matter.basic_code,
        decided_by=AgreedMatter.DecidedBy.PARTNER,
        defaults={
            "name": w.matter.name,
            "matter": w.matter,
            "modes": ["online", "proxy"],
            "materials": [],
            "result_name": w.matter.result_name or "准予许可决定书",
            "delivery": ["mail", "pickup"],
        },
    )
    return {"crossing": str(crossing.ref), "offer": str(offer.pk)}
