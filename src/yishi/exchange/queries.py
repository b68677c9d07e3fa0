"""Which cross-region cases a member of staff sees: an administrator all; a window clerk the
cases received at their centre; a reviewer those their department decides."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yishi.cases.services import staff_profile
from yishi.catalog.centres import centre_of_staff
from yishi.catalog.models import Matter
from yishi.core.roles import Role, has_role
from yishi.exchange.models import AgreedMatter, Crossing, Mode

STAFF_ROLES = (Role.WINDOW, Role.REVIEWER, Role.ADMINISTRATOR)


def visible_crossings(user: Any) -> QuerySet[Crossing]:
    base = Crossing.objects.select_related(
        "partner", "agreed", "application", "subcase", "subcase__department"
    )
    if has_role(user, Role.ADMINISTRATOR):
        return base
    profile = staff_profile(user)
    if profile is None:
        return base.none()
    where = Q(pk__in=[])
    if has_role(user, Role.WINDOW):
        where |= Q(
            role=Crossing.Role.RECEIVING,
            application__service_centre_id=centre_of_staff(profile),
        )
    if has_role(user, Role.REVIEWER):
        where |= Q(role=Crossing.Role.DECIDING, subcase__department_id=profile.department_id)
    return base.filter(where)


def partner_offers(matter: Any, mode: str | None = None) -> list[AgreedMatter]:
    """The agreements under which an active partner region decides this matter of our
    catalog (optionally: those that allow `mode`)."""
    rows = AgreedMatter.objects.filter(
        matter=matter, decided_by=AgreedMatter.DecidedBy.PARTNER, partner__active=True
    ).select_related("partner", "matter")
    return [a for a in rows if mode is None or mode in (a.modes or [])]


def offer_for(agreed_id: int, mode: str) -> AgreedMatter | None:
    """One agreement a resident or a clerk may apply under in `mode`: the partner decides,
    the partner is active, the matter is published and the mode was agreed."""
    agreed = (
        AgreedMatter.objects.filter(
            pk=agreed_id,
            decided_by=AgreedMatter.DecidedBy.PARTNER,
            partner__active=True,
            matter__status=Matter.Status.PUBLISHED,
        )
        .select_related("partner", "matter", "matter__department")
        .first()
    )
    if agreed is None or mode not in (agreed.modes or []):
        return None
    return agreed


def counter_offers() -> list[AgreedMatter]:
    """What a clerk may receive at our counter for a partner (异地代收代办)."""
    rows = (
        AgreedMatter.objects.filter(
            decided_by=AgreedMatter.DecidedBy.PARTNER,
            partner__active=True,
            matter__status=Matter.Status.PUBLISHED,
        )
        .select_related("partner", "matter")
        .order_by("partner__code", "name", "pk")
    )
    return [a for a in rows if Mode.PROXY in (a.modes or [])]


def may_receive_at_counter(user: Any) -> bool:
    return has_role(user, Role.WINDOW, Role.ADMINISTRATOR)


def joint_offer(theme: Any) -> dict[str, Any] | None:
    """多地联办: a published theme with steps in two regions — one partner decides some of its
    matters under an agreement allowing the joint mode, our departments the rest. Its
    partner, the partner's steps and ours, and the unified materials of the partner's steps;
    None for an ordinary theme."""
    from yishi.themes.models import Theme

    if theme is None or theme.status != Theme.Status.PUBLISHED:
        return None
    # The theme's items as the page already holds them (prefetched), and every agreement on
    # them in one query: the theme page reads a fixed number of queries.
    items = sorted(theme.items.all(), key=lambda item: (item.order, item.pk))
    matters = [item.matter for item in items]
    agreed: dict[int, AgreedMatter] = {}
    for row in (
        AgreedMatter.objects.filter(
            matter_id__in=[m.pk for m in matters],
            decided_by=AgreedMatter.DecidedBy.PARTNER,
            partner__active=True,
        )
        .select_related("partner", "matter")
        .order_by("pk")
    ):
        if Mode.JOINT in (row.modes or []):
            agreed.setdefault(row.matter_id, row)
    theirs: list[AgreedMatter] = []
    ours: list[Matter] = []
    for matter in matters:
        if matter.pk in agreed:
            theirs.append(agreed[matter.pk])
        else:
            ours.append(matter)
    partners = {a.partner_id for a in theirs}
    if not theirs or not ours or len(partners) != 1:
        return None
    materials: list[str] = []
    for agreed in theirs:
        materials += [m for m in agreed.materials or [] if m not in materials]
    delivery = [d for d in theirs[0].delivery or [] if all(d in (a.delivery or []) for a in theirs)]
    return {
        "theme": theme,
        "partner": theirs[0].partner,
        "theirs": theirs,
        "ours": ours,
        "materials": materials,
        "delivery": delivery,
    }
