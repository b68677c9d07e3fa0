"""The pickup shelf (窗口领取) of the receiving hall: a cross-region result the deciding region
sent to our hall waits at the outlet of the service centre that received the case, under a
shelf code; a window clerk hands it over after checking the person's ID card against the
applicant, and the check is recorded."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from yishi.cases import services as cases
from yishi.cases.models import Application
from yishi.cases.services import staff_profile
from yishi.catalog.centres import centre_of_staff, district_centre_id
from yishi.core.audit import audit_append
from yishi.core.crypto import mask
from yishi.core.errors import Conflict, NotFound, PermissionDeniedError, ValidationFailed
from yishi.core.roles import Role, has_role
from yishi.core.validators import validate_ric
from yishi.exchange.models import Crossing, PickupItem
from yishi.hall.models import Outlet, Window
from yishi.licences.models import Licence

logger = logging.getLogger(__name__)
SHELF_PREFIX = "K"
HAND_OVER_ROLES = (Role.WINDOW, Role.ADMINISTRATOR)


def outlet_for(application: Application) -> Outlet | None:
    """The outlet whose shelf takes the application's result: one of the service centre that
    received it (the district's by default), the one with a 跨域通办 window first."""
    centre = application.service_centre_id or district_centre_id()
    if centre is None:
        return None
    outlets = Outlet.objects.filter(is_active=True, department_id=centre)
    with_window = outlets.filter(
        windows__kind=Window.Kind.CROSS_REGION, windows__is_active=True
    ).distinct()
    return with_window.order_by("kind", "code").first() or outlets.order_by("kind", "code").first()


def _next_code(outlet: Outlet) -> str:
    # The outlet row is locked by the caller: codes at one outlet are taken one at a time.
    taken = PickupItem.objects.filter(outlet=outlet).count()
    return f"{SHELF_PREFIX}{taken + 1:04d}"


def pickup_place(
    *, crossing: Crossing, licence: Licence | None = None, note: str = ""
) -> PickupItem | None:
    """Put a cross-region result on the receiving outlet's shelf and tell the applicant
    where and under which code to collect it. Idempotent per crossing; None when the
    receiving centre has no outlet (the place the partner named stays the only hint)."""
    existing = PickupItem.objects.filter(crossing=crossing).first()
    if existing is not None:
        if licence is not None and existing.licence_id is None:
            existing.licence = licence
            existing.save(update_fields=["licence"])
        return existing
    application = crossing.application
    outlet = outlet_for(application)
    if outlet is None:
        logger.warning("no outlet takes the pickup of application %s", application.pk)
        return None
    title = licence.type.name if licence is not None else crossing.agreed.result_name
    with transaction.atomic():
        Outlet.objects.select_for_update(no_key=True).filter(pk=outlet.pk).first()
        try:
            with transaction.atomic():
                item = PickupItem.objects.create(
                    outlet=outlet,
                    application=application,
                    crossing=crossing,
                    licence=licence,
                    title=(title or "办理结果")[:200],
                    shelf_code=_next_code(outlet),
                    note=note[:200],
                )
        except IntegrityError:  # the same crossing placed at the same moment
            return PickupItem.objects.get(crossing=crossing)
        crossing.pickup_place = outlet.name
        crossing.save(update_fields=["pickup_place", "updated_at"])
        cases.case_note(
            application=application,
            subcase=crossing.subcase,
            actor=f"exchange:{crossing.partner.code}",
            action="pickup_placed",
            note=f"结果已送达{outlet.name}，取件码 {item.shelf_code}，待申请人领取",
        )
        cases.notify_applicant(
            application,
            f"您的跨域申请（{application.number}）办理结果“{item.title}”已送达{outlet.name}，"
            f"取件码 {item.shelf_code}，请本人携带居民身份证到窗口领取。",
        )
    return item


def shelf_items(user: Any) -> QuerySet[PickupItem]:
    """What a member of staff sees on the shelf: an administrator every outlet's, a window
    clerk those of the outlets of their service centre."""
    base = PickupItem.objects.select_related(
        "outlet", "application", "application__person", "licence", "crossing__partner"
    )
    if has_role(user, Role.ADMINISTRATOR):
        return base
    profile = staff_profile(user)
    if profile is None or not has_role(user, Role.WINDOW):
        return base.none()
    return base.filter(outlet__department_id=centre_of_staff(profile))


def may_use_shelf(user: Any) -> bool:
    return has_role(user, *HAND_OVER_ROLES)


def _locked(item_id: int, clerk: Any) -> PickupItem:
    if clerk is None or not may_use_shelf(clerk):
        raise PermissionDeniedError("只有窗口人员可以办理结果领取", field="clerk")
    item = (
        shelf_items(clerk).select_for_update(of=("self",), no_key=True).filter(pk=item_id).first()
    )
    if item is None:
        raise NotFound("待领取结果不存在", field="item")
    if item.status != PickupItem.Status.WAITING:
        raise Conflict(f"该结果{item.get_status_display()}，不能再办理", field="status")
    return item


def pickup_hand_over(*, item_id: int, clerk: Any, id_number: str) -> PickupItem:
    """Hand the result to the applicant: the ID card's number the clerk read must be the
    applicant's. The check (masked number, when, by whom) is kept on the item."""
    number = validate_ric(id_number, "id_number").number
    with transaction.atomic():
        item = _locked(item_id, clerk)
        person = item.application.person
        if str(person.id_number).upper() != number.upper():
            raise ValidationFailed(
                "身份证号与申请人不一致，不能交付：须由申请人本人凭身份证领取",
                field="id_number",
            )
        now = timezone.now()
        item.status = PickupItem.Status.PICKED
        item.picked_at = now
        item.picked_by = person
        item.handed_over_by = clerk
        item.identity_check = {
            "document": "居民身份证",
            "id_number": mask(number),
            "matched": True,
            "checked_at": now.isoformat(),
        }
        item.save(
            update_fields=["status", "picked_at", "picked_by", "handed_over_by", "identity_check"]
        )
        audit_append(
            action="exchange.pickup.hand_over",
            actor=clerk,
            object_type="exchange.pickupitem",
            object_id=item.pk,
            data={"outlet": item.outlet.code, "shelf_code": item.shelf_code},
        )
        cases.case_note(
            application=item.application,
            subcase=item.crossing.subcase if item.crossing_id else None,
            actor=clerk,
            action="pickup_handed_over",
            note=f"申请人已在{item.outlet.name}领取“{item.title}”（已核验居民身份证）",
        )
        cases.notify_applicant(
            item.application,
            f"您的申请（{item.application.number}）办理结果“{item.title}”已于"
            f"{timezone.localtime(now):%Y-%m-%d %H:%M}在{item.outlet.name}领取。",
        )
    return item


def pickup_return(*, item_id: int, clerk: Any, reason: str) -> PickupItem:
    """Take a result off the shelf without handing it over (not collected in time, sent on
    by mail at the applicant's request …); the reason is recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写退回原因", field="reason")
    with transaction.atomic():
        item = _locked(item_id, clerk)
        item.status = PickupItem.Status.RETURNED
        item.handed_over_by = clerk
        item.note = reason[:200]
        item.save(update_fields=["status", "handed_over_by", "note"])
        audit_append(
            action="exchange.pickup.return",
            actor=clerk,
            object_type="exchange.pickupitem",
            object_id=item.pk,
            data={"outlet": item.outlet.code, "reason": reason[:200]},
        )
        cases.case_note(
            application=item.application,
            subcase=item.crossing.subcase if item.crossing_id else None,
            actor=clerk,
            action="pickup_returned",
            note=f"待领取结果已退回：{reason[:200]}",
        )
    return item
