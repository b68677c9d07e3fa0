"""`{% crossing_offers matter %}`: on a matter's guide, the partner regions that decide it
under a 跨域通办 agreement, with the way to apply here online (全程网办) or at our hall."""

from __future__ import annotations

from typing import Any

from django import template

from yishi.exchange.models import Mode
from yishi.exchange.queries import joint_offer, partner_offers

register = template.Library()


@register.inclusion_tag("exchange/_guide_offers.html")
def crossing_offers(matter: Any) -> dict[str, Any]:
    offers = [
        {
            "agreed": a,
            "online": Mode.ONLINE in (a.modes or []),
            "proxy": Mode.PROXY in (a.modes or []),
        }
        for a in partner_offers(matter)
    ]
    return {"offers": offers}


@register.simple_tag
def theme_joint_offer(theme: Any) -> dict[str, Any] | None:
    """`{% theme_joint_offer theme as joint %}`: the 多地联办 offer of a theme, or None."""
    return joint_offer(theme)
