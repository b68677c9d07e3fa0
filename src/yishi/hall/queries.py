"""Reads of the service hall: a ticket holder's place and estimated wait, the calling
screen, and the day's measures of an outlet (with a server-side SVG chart)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from statistics import mean

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import escape

from yishi.core.workdays import DayInfo, Reason, day_info
from yishi.hall import geo
from yishi.hall.models import Outlet, Queue, Ticket, Window, WindowSession

TS = Ticket.Status
ACTIVE = (TS.CALLED, TS.SERVING)


def opening_hours_on(
    outlet: Outlet, day: dt.date, *, info: DayInfo | None = None
) -> list[tuple[dt.time, dt.time]]:
    """The outlet's opening periods on `day`: its weekday hours, none on a public holiday (or
    a day the administrator closed), and Monday's hours on a weekend made a working day
    (调休) when the weekend has no hours of its own. `info` is the day's ruling when the
    caller already has it (one calendar query for many outlets)."""
    info = info or day_info(day)
    hours = (outlet.opening_hours or {}).get(str(day.isoweekday())) or []
    if not info.is_workday and info.reason != Reason.WEEKEND:
        return []
    if info.is_workday and not hours:
        hours = (outlet.opening_hours or {}).get("1") or []
    return [(dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in hours]


def is_open(outlet: Outlet, now: dt.datetime | None = None) -> bool:
    local = timezone.localtime(now or timezone.now())
    return any(a <= local.time() < b for a, b in opening_hours_on(outlet, local.date()))


def _minutes(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 60


def mean_service_minutes(queue: Queue, day: dt.date) -> tuple[float, int]:
    """Mean service time of the queue's tickets finished on `day` and how many there were;
    the queue's default while none has finished (the estimate learns through the day)."""
    durations = [
        _minutes(end - start)
        for start, end in Ticket.objects.filter(
            queue=queue, day=day, status=TS.DONE, served_started_at__isnull=False
        ).values_list("served_started_at", "finished_at")
    ]
    if not durations:
        return float(queue.mean_service_minutes), 0
    return mean(durations), len(durations)


def _windows_for(queue: Queue) -> int:
    """Staffed windows that can call this queue (at least one, for the estimate)."""
    n = (
        WindowSession.objects.filter(ended_at__isnull=True, window__outlet_id=queue.outlet_id)
        .filter(Q(window__serves_all=True) | Q(window__queues=queue))
        .values("window_id")
        .distinct()
        .count()
    )
    return max(1, n)


@dataclass
class Position:
    ticket: Ticket
    ahead: int
    wait_minutes: int | None
    mean_service: float
    learned_from: int
    windows: int


def ticket_position(ticket: Ticket) -> Position:
    """People ahead in the ticket's queue (those the calling rule puts first) and an
    estimate: ahead × today's mean service time ÷ staffed windows for the queue."""
    mean_min, n = mean_service_minutes(ticket.queue, ticket.day)
    if ticket.status != TS.WAITING:
        return Position(ticket, 0, None, mean_min, n, 0)
    ahead = (
        Ticket.objects.filter(queue_id=ticket.queue_id, day=ticket.day, status=TS.WAITING)
        .filter(
            Q(virtual_at__lt=ticket.virtual_at) | Q(virtual_at=ticket.virtual_at, pk__lt=ticket.pk)
        )
        .count()
    )
    windows = _windows_for(ticket.queue)
    wait = math.ceil(ahead * mean_min / windows) if ahead else 0
    return Position(ticket, ahead, wait, mean_min, n, windows)


def screen_calls(outlet: Outlet, *, limit: int = 12) -> list[Ticket]:
    """Tickets now called or being served, newest call first (for the calling screen)."""
    return list(
        Ticket.objects.filter(outlet=outlet, day=timezone.localdate(), status__in=ACTIVE)
        .select_related("window")
        .order_by("-last_called_at")[:limit]
    )


def pending_claims(outlet: Outlet, *, limit: int = 30) -> list[Ticket]:
    """Today's open tickets of the outlet whose green-channel claim waits for a clerk, in
    the order they were taken (for the confirm / reject buttons of the window page)."""
    return list(
        Ticket.objects.filter(
            outlet=outlet,
            day=timezone.localdate(),
            claim=Ticket.Claim.PENDING,
            status__in=[TS.WAITING, TS.TRANSFERRED, *ACTIVE],
        )
        .select_related("queue")
        .order_by("arrived_at", "id")[:limit]
    )


def waiting_count(outlet: Outlet) -> int:
    return Ticket.objects.filter(
        outlet=outlet, day=timezone.localdate(), status__in=[TS.WAITING, TS.TRANSFERRED]
    ).count()


def waiting_by_outlet() -> list[tuple[tuple[str], float]]:
    """Today's waiting tickets per outlet code, every outlet (0 too): the metrics page's
    yishi_hall_tickets_waiting. One grouped count on the (outlet, day) index."""
    waiting = dict(
        Ticket.objects.filter(
            outlet_id__in=Outlet.objects.values("pk"),
            day=timezone.localdate(),
            status__in=[TS.WAITING, TS.TRANSFERRED],
        )
        .order_by()
        .values_list("outlet__code")
        .annotate(n=Count("id"))
    )
    codes = Outlet.objects.order_by("code").values_list("code", flat=True)
    return [((code,), float(waiting.get(code, 0))) for code in codes]


def _p90(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"mean": 0.0, "p90": 0.0, "max": 0.0, "n": 0}
    return {
        "mean": round(mean(values), 1),
        "p90": round(_p90(values), 1),
        "max": round(max(values), 1),
        "n": len(values),
    }


@dataclass
class WindowMeasure:
    window: Window
    served: int = 0
    busy_minutes: float = 0.0
    staffed_minutes: float = 0.0

    @property
    def utilisation(self) -> float:
        if not self.staffed_minutes:
            return 0.0
        return min(1.0, self.busy_minutes / self.staffed_minutes)


@dataclass
class DayMeasures:
    outlet: Outlet
    day: dt.date
    tickets: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    waiting: dict[str, float] = field(default_factory=dict)
    service: dict[str, float] = field(default_factory=dict)
    no_shows: int = 0
    waiting_by_priority: dict[str, dict[str, float]] = field(default_factory=dict)
    windows: list[WindowMeasure] = field(default_factory=list)


def outlet_day_measures(
    outlet: Outlet, day: dt.date, *, now: dt.datetime | None = None
) -> DayMeasures:
    """Tickets, waiting time (arrival → first call: mean, p90, max), service time, no-shows
    and each window's utilisation (serving time ÷ signed-on time) for one outlet and day."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    day_end = day_start + dt.timedelta(days=1)
    rows = list(
        Ticket.objects.filter(outlet=outlet, day=day).values(
            "status",
            "priority",
            "arrived_at",
            "called_at",
            "served_started_at",
            "finished_at",
            "window_id",
        )
    )
    m = DayMeasures(outlet=outlet, day=day, tickets=len(rows))
    for r in rows:
        m.by_status[r["status"]] = m.by_status.get(r["status"], 0) + 1
    m.no_shows = m.by_status.get(TS.NO_SHOW, 0)
    m.waiting = _stats([_minutes(r["called_at"] - r["arrived_at"]) for r in rows if r["called_at"]])
    labels = dict(Ticket._meta.get_field("priority").choices)
    for value, label in labels.items():
        group = [r for r in rows if r["priority"] == value and r["called_at"]]
        m.waiting_by_priority[label] = _stats(
            [_minutes(r["called_at"] - r["arrived_at"]) for r in group]
        )
    served = [r for r in rows if r["status"] == TS.DONE and r["served_started_at"]]
    m.service = _stats([_minutes(r["finished_at"] - r["served_started_at"]) for r in served])
    windows = {w.pk: WindowMeasure(w) for w in Window.objects.filter(outlet=outlet)}
    for r in served:
        if r["window_id"] in windows:
            wm = windows[r["window_id"]]
            wm.served += 1
            wm.busy_minutes += _minutes(r["finished_at"] - r["served_started_at"])
    sessions = WindowSession.objects.filter(window__outlet=outlet, started_at__lt=day_end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=day_start)
    )
    for s in sessions:
        start = max(s.started_at, day_start)
        end = min(s.ended_at or now, day_end)
        if end > start and s.window_id in windows:
            windows[s.window_id].staffed_minutes += _minutes(end - start)
    m.windows = list(windows.values())
    return m


def bar_chart_svg(
    bars: list[tuple[str, float]], *, title: str, unit: str = "", width: int = 640
) -> str:
    """A horizontal bar chart as inline SVG (no JavaScript; readable when printed)."""
    row, label_w, pad = 28, 150, 8
    height = pad * 2 + row * max(1, len(bars)) + 20
    top = max([v for _, v in bars] + [1e-9])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}" class="hall-chart">',
        f"<title>{escape(title)}</title>",
    ]
    span = width - label_w - 70
    for i, (label, value) in enumerate(bars):
        y = pad + i * row
        w = 0 if top <= 0 else span * value / top
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 18}" text-anchor="end" font-size="14" '
            f'fill="#1f2937">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="#1d4e89" '
            f'rx="3"><title>{escape(label)}：{value:g}{escape(unit)}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 18}" font-size="13" fill="#374151">'
            f"{value:g}{escape(unit)}</text>"
        )
    if not bars:
        parts.append(
            f'<text x="{pad}" y="{pad + 18}" font-size="14" fill="#6b7280">暂无数据</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- appointments (预约办)

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
BOOKING_DAYS = 7


def bookable_matters(outlet: Outlet):
    """Matters one can book at this outlet: those handled at one of its windows — listed on
    one of its queues or windows, directly or through a "一件事" theme — that need a visit
    (a matter done wholly online, visits = 0, is not booked)."""
    from yishi.catalog.models import Matter

    queues = Queue.objects.filter(outlet=outlet)
    windows = Window.objects.filter(outlet=outlet, is_active=True)
    return (
        Matter.objects.filter(
            Q(hall_queues__in=queues)
            | Q(hall_windows__in=windows)
            | Q(theme_items__theme__hall_queues__in=queues)
            | Q(theme_items__theme__hall_windows__in=windows)
        )
        .filter(visits__gt=0)
        .distinct()
        .order_by("name")
    )


def day_heading(day: dt.date) -> str:
    """A day as the booking page names it: "12月8日 星期二"."""
    return f"{day.month}月{day.day}日 {WEEKDAYS[day.weekday()]}"


@dataclass
class SlotDay:
    day: dt.date
    heading: str
    slots: list = field(default_factory=list)


def open_slots_by_day(
    outlet: Outlet, matter, *, now: dt.datetime | None = None, days: int = BOOKING_DAYS
) -> list[SlotDay]:
    """The matter's future slots at the outlet over the next `days` days, grouped by day (each
    slot annotated with `available`)."""
    from django.db.models import F

    from yishi.hall.models import AppointmentSlot

    now = now or timezone.now()
    last = timezone.localdate(now) + dt.timedelta(days=days)
    slots = AppointmentSlot.objects.filter(
        outlet=outlet, matter=matter, starts_at__gt=now, starts_at__date__lte=last
    ).annotate(available=F("capacity") - F("booked"))
    grouped: dict[dt.date, SlotDay] = {}
    for slot in slots.order_by("starts_at"):
        day = timezone.localdate(slot.starts_at)
        if day not in grouped:
            grouped[day] = SlotDay(day, day_heading(day))
        grouped[day].slots.append(slot)
    return list(grouped.values())


# ---------------------------------------------------------------- the service map (就近办)


@dataclass
class OutletOnMap:
    """An outlet as the map and the 就近办 list show it: today's hours from the working-day
    calendar, people waiting now and, from a given point, the great-circle distance."""

    outlet: Outlet
    hours: list[tuple[dt.time, dt.time]]
    open_now: bool
    waiting: int
    distance_m: float | None = None
    # The map layers it sits on: its kind, and 跨域通办 when it has an open 跨域通办 window.
    layers: tuple[str, ...] = ()

    @property
    def lat(self) -> float | None:
        return float(self.outlet.latitude) if self.outlet.latitude is not None else None

    @property
    def lng(self) -> float | None:
        return float(self.outlet.longitude) if self.outlet.longitude is not None else None

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None

    @property
    def gcj02(self) -> tuple[float, float] | None:
        return geo.wgs84_to_gcj02(self.lat, self.lng) if self.has_location else None

    @property
    def bd09(self) -> tuple[float, float] | None:
        return geo.wgs84_to_bd09(self.lat, self.lng) if self.has_location else None


def outlets_handling(*, matter=None, theme=None):
    """Active outlets whose windows or queues list the matter or theme (directly or through a
    "一件事" theme containing the matter); a matter that may be handled across regions
    (跨域通办) also at every outlet with a 跨域通办 window; a 全城通办 matter at every outlet
    with a comprehensive window, a 就近办 one at the town and village points with one.
    Without either: every active outlet."""
    outlets = Outlet.objects.filter(is_active=True)
    if matter is not None:
        skill = (
            Q(queues__matters=matter)
            | Q(windows__matters=matter, windows__is_active=True)
            | Q(queues__themes__items__matter=matter)
            | Q(windows__themes__items__matter=matter, windows__is_active=True)
        )
        if matter.cross_region != "none":
            skill |= Q(windows__kind=Window.Kind.CROSS_REGION, windows__is_active=True)
            skill |= Q(kind=Outlet.Kind.CROSS_REGION)
        # 全城通办: any outlet with a comprehensive window (综窗, serves every business)
        # accepts it; 就近办: so do the town and village service points.
        comprehensive = Q(windows__serves_all=True, windows__is_active=True)
        if matter.outlet_scope == "citywide":
            skill |= comprehensive
        elif matter.outlet_scope == "nearby":
            skill |= comprehensive & Q(kind__in=[Outlet.Kind.TOWN, Outlet.Kind.VILLAGE])
        outlets = outlets.filter(skill)
    elif theme is not None:
        outlets = outlets.filter(
            Q(queues__themes=theme) | Q(windows__themes=theme, windows__is_active=True)
        )
    return Outlet.objects.filter(pk__in=outlets.values("pk"))


def outlets_on_map(outlets, *, now: dt.datetime | None = None) -> list[OutletOnMap]:
    """The outlets with today's hours, open-now and waiting counts and map layers, in four
    queries whatever their number (outlets, the day's calendar ruling, the waiting counts,
    the 跨域通办 windows)."""
    local = timezone.localtime(now or timezone.now())
    today = local.date()
    outlets = list(outlets)
    info = day_info(today)
    waiting = dict(
        Ticket.objects.filter(
            outlet__in=outlets, day=today, status__in=[TS.WAITING, TS.TRANSFERRED]
        )
        .values_list("outlet_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    cross_region = set(
        Window.objects.filter(
            outlet__in=outlets, kind=Window.Kind.CROSS_REGION, is_active=True
        ).values_list("outlet_id", flat=True)
    )
    rows = []
    for outlet in outlets:
        hours = opening_hours_on(outlet, today, info=info)
        layers = [outlet.kind]
        if outlet.pk in cross_region and outlet.kind != Outlet.Kind.CROSS_REGION:
            layers.append(Outlet.Kind.CROSS_REGION.value)
        rows.append(
            OutletOnMap(
                outlet=outlet,
                hours=hours,
                open_now=any(a <= local.time() < b for a, b in hours),
                waiting=waiting.get(outlet.pk, 0),
                layers=tuple(layers),
            )
        )
    return rows


def nearest_outlets(
    lat: float,
    lng: float,
    *,
    matter=None,
    theme=None,
    limit: int = 10,
    now: dt.datetime | None = None,
) -> list[OutletOnMap]:
    """Outlets with coordinates (handling the matter or theme when given), nearest first by
    great-circle distance from (lat, lng), ties by outlet code; at most `limit`."""
    located = outlets_handling(matter=matter, theme=theme).filter(
        latitude__isnull=False, longitude__isnull=False
    )
    ranked = sorted(
        (
            (geo.distance_m(lat, lng, float(o.latitude), float(o.longitude)), o.code, o)
            for o in located
        ),
        key=lambda t: (t[0], t[1]),
    )[:limit]
    rows = outlets_on_map([o for _, _, o in ranked], now=now)
    for row, (distance, _, _) in zip(rows, ranked, strict=True):
        row.distance_m = distance
    return rows
