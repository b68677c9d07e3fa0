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

The pickup shelf (窗口领取): a result of w.app waits on the shelf of the world's outlet (the
district centre's): the shelf page is window staff's (clerk_there sees it without that item,
the leak check), the hand-over is for the outlet's centre — clerk_there gets 404, other roles
403; the probe posts no ID number, so the hand-over is refused 400 by the check after access,
changing nothing. The 多地联办 page of a theme with a step decided by the partner (w.matter)
and one decided here (w.subcase's matter) is open to every signed-in account like the 全程网办
page; its probe posts no files and is refused 400 after access.

Lines for PROBES (after the exchange block):

    page(
        "exchange_staff:shelf",
        "/workbench/exchange/shelf/",
        WINDOW_ANY,
        leak=("{pickup_code}", WINDOW_HERE),
    ),
    post("exchange_staff:shelf_action", "/workbench/exchange/shelf/{pickup}/handover/", WINDOW_HERE),
    page("exchange_apply:joint", "/apply/exchange/joint/{joint_theme}/", SIGNED_IN),
    post("exchange_apply:joint", "/apply/exchange/joint/{joint_theme}/", SIGNED_IN),
"""

from __future__ import annotations

from typing import Any

from tests.exchange.support import THEM, public_pem
from tests.themes.factories import ThemeFactory, ThemeMatterFactory
from yishi.exchange.models import AgreedMatter, Crossing, Partner, PickupItem


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
            "modes": ["online", "proxy", "joint"],
            "materials": [],
            "result_name": w.matter.result_name or "准予许可决定书",
            "delivery": ["mail", "pickup"],
        },
    )
    pickup = PickupItem.objects.create(
        outlet=w.outlet,
        application=w.app,
        title="准予许可决定书",
        shelf_code="K9001",
    )
    theme = ThemeFactory(code="world-joint", name="跨域联办测试主题")
    ThemeMatterFactory(theme=theme, matter=w.matter, order=1)
    ThemeMatterFactory(theme=theme, matter=w.subcase.matter, order=2)
    return {
        "crossing": str(crossing.ref),
        "offer": str(offer.pk),
        "pickup": str(pickup.pk),
        "pickup_code": pickup.shelf_code,
        "joint_theme": theme.code,
    }
