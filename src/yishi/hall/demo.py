"""Demo outlets of 梁子湖区: the district service centre with ten windows of mixed kinds and
skills, and the five town centres. Idempotent (keyed on codes). The centre's street address
and all coordinates are not verified: the rows are flagged as sample locations, carry a
placeholder address only and approximate town-seat coordinates marked 待核实."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yishi.catalog.models import CrossRegion, Department, Matter
from yishi.hall.models import Outlet, Queue, Window
from yishi.hall.services import appointment_slots_open_bookable
from yishi.themes.models import Theme

DISTRICT_CODE = "lzh-centre"
PLACEHOLDER = "鄂州市梁子湖区（太和镇）"

TOWNS = [
    ("420702100", "taihe", "太和镇"),
    ("420702101", "donggou", "东沟镇"),
    ("420702102", "liangzi", "梁子镇"),
    ("420702103", "tujianao", "涂家垴镇"),
    ("420702104", "zhaoshan", "沼山镇"),
]

# Approximate WGS-84 positions (lat, lng) of the town seats, from public descriptions of
# where each seat lies (太和 the district seat south-east of 梁子湖, 梁子 on 梁子岛, 沼山 on
# the east shore about 10 km from the district seat, 东沟 to the north, 涂家垴 to the east).
# Roughly right, not surveyed: every demo outlet is shown 待核实 (location_verified=False)
# until a clerk confirms or corrects it in the admin; a rerun never overwrites them.
TOWN_SEATS = {
    "taihe": (30.0990, 114.5530),
    "donggou": (30.2700, 114.6600),
    "liangzi": (30.2600, 114.5300),
    "tujianao": (30.1100, 114.7100),
    "zhaoshan": (30.1800, 114.6000),
}
DISTRICT_SEAT = (30.1010, 114.5570)  # near 太和镇, the district seat


def _place(outlet: Outlet, lat: float, lng: float) -> None:
    """Give a demo outlet its approximate position once; a clerk's entry is never replaced."""
    if outlet.latitude is None or outlet.longitude is None:
        outlet.latitude, outlet.longitude = Decimal(str(lat)), Decimal(str(lng))
        outlet.location_verified = False
        outlet.save(update_fields=["latitude", "longitude", "location_verified"])


DISTRICT_QUEUES = [
    # letter, name, general, green, default service minutes
    ("A", "综合受理", True, False, 8),
    ("B", "企业开办与经营许可", False, False, 15),
    ("C", "社保医保", False, False, 6),
    ("D", "不动产登记", False, False, 20),
    ("E", "跨域通办", False, False, 12),
    ("F", "办不成事反映", False, False, 10),
    ("V", "绿色通道", False, True, 10),
]

# number, name, kind, serves_all, queue letters
DISTRICT_WINDOWS = [
    (1, "综合受理一", Window.Kind.GENERAL, True, ""),
    (2, "综合受理二", Window.Kind.GENERAL, True, ""),
    (3, "综合受理三", Window.Kind.GENERAL, True, ""),
    (4, "综合受理四", Window.Kind.GENERAL, True, ""),
    (5, "企业开办专区", Window.Kind.ZONE, False, "B"),
    (6, "社保医保", Window.Kind.SPECIALIST, False, "CA"),
    (7, "不动产登记", Window.Kind.SPECIALIST, False, "D"),
    (8, "跨域通办专窗", Window.Kind.CROSS_REGION, False, "EA"),
    (9, "绿色通道", Window.Kind.GREEN, False, "VA"),
    (10, "办不成事反映", Window.Kind.COMPLAINT, False, "F"),
]

# Which demo departments' matters each specialist queue takes (by department code).
QUEUE_DEPARTMENTS = {
    "B": ["LZH-SCJG"],
    "C": ["LZH-RS", "LZH-YB", "LZH-GJJ"],
    "D": ["LZH-BDC", "LZH-ZRZY"],
}
APPOINTMENT_DAYS = 7

TOWN_QUEUES = [("A", "综合受理", True, False, 8), ("V", "绿色通道", False, True, 10)]


def _queues(outlet: Outlet, spec: list[tuple]) -> dict[str, Queue]:
    out = {}
    for letter, name, general, green, minutes in spec:
        out[letter], _ = Queue.objects.update_or_create(
            outlet=outlet,
            letter=letter,
            defaults={
                "name": name,
                "is_general": general,
                "is_green": green,
                "mean_service_minutes": minutes,
            },
        )
    return out


@transaction.atomic
def load_hall_demo() -> dict[str, int]:
    centre = Department.objects.filter(code="LZH-ZWZX").first()
    district, _ = Outlet.objects.update_or_create(
        code=DISTRICT_CODE,
        defaults={
            "name": "梁子湖区政务服务中心",
            "kind": Outlet.Kind.DISTRICT,
            "region_code": "420702",
            "address": PLACEHOLDER,
            "sample_location": True,
            "department": centre,
        },
    )
    _place(district, *DISTRICT_SEAT)
    queues = _queues(district, DISTRICT_QUEUES)
    for number, name, kind, serves_all, letters in DISTRICT_WINDOWS:
        window, _ = Window.objects.update_or_create(
            outlet=district,
            number=number,
            defaults={"name": name, "kind": kind, "serves_all": serves_all},
        )
        window.queues.set([queues[c] for c in letters])
    for letter, departments in QUEUE_DEPARTMENTS.items():
        queues[letter].matters.set(Matter.objects.filter(department__code__in=departments))
    queues["E"].matters.set(Matter.objects.exclude(cross_region=CrossRegion.NONE))
    # The comprehensive windows take every "一件事" theme (综窗 无差别受理): its matters are
    # handled, and so bookable, here.
    queues["A"].themes.set(Theme.objects.all())
    today = timezone.localdate()
    first_day = today + dt.timedelta(days=1)
    # Appointment slots for the next week for every matter handled at a window here.
    appointment_slots_open_bookable(outlet=district, first_day=first_day, days=APPOINTMENT_DAYS)
    for region, slug, town in TOWNS:
        outlet, _ = Outlet.objects.update_or_create(
            code=f"lzh-{slug}",
            defaults={
                "name": f"{town}便民服务中心",
                "kind": Outlet.Kind.TOWN,
                "region_code": region,
                "address": f"鄂州市梁子湖区{town}",
                "sample_location": True,
                "department": Department.objects.filter(code=f"CENTRE-{region[-3:]}").first(),
            },
        )
        _place(outlet, *TOWN_SEATS[slug])
        town_queues = _queues(outlet, TOWN_QUEUES)
        # Town centres accept the residents' themes at their comprehensive windows.
        town_queues["A"].themes.set(Theme.objects.filter(audience=Theme.Audience.PERSON))
        for number, name in ((1, "综合受理"), (2, "综合受理")):
            Window.objects.update_or_create(
                outlet=outlet,
                number=number,
                defaults={"name": name, "kind": Window.Kind.GENERAL, "serves_all": True},
            )
        appointment_slots_open_bookable(outlet=outlet, first_day=first_day, days=APPOINTMENT_DAYS)
    return {"outlets": Outlet.objects.count(), "windows": Window.objects.count()}
