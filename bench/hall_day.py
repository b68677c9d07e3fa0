"""One simulated day at the 梁子湖区 district service centre (区政务服务中心), called two ways.

    .venv/bin/python bench/hall_day.py [--days N] [--seed S] [--quick] [--skills wide|narrow]

A discrete-event simulation (standard library only) of the hall's tickets and windows. Every
simulated day is run twice on the *same* arrivals and the *same* service times:

* smart: our calling policy, the very code the hall app uses (yishi.hall.policy): a window
  that becomes free calls, among the waiting tickets it has the skill for, the one with the
  smallest virtual arrival (arrival minus the priority bonus: green channel 30 min, on-time
  appointment 15 min), ties by ticket number. Skills: 综合 windows serve every matter but
  不动产; with --skills wide (default) each specialist window (社保, 公安户籍, 企业开办, 税务)
  also takes 综合 matters, with narrow only its own; 不动产 windows only 不动产; the
  green-channel window any matter (green tickets first by their bonus, others when it would
  otherwise idle).
* fifo: plain first-come-first-served per window type, the traditional hall: a ticket goes to
  the one queue of its matter (A 综合, B 社保医保, …) or, if green channel, to the green queue
  V; each window serves only its own queue, in arrival order; appointments get no priority.

Waiting time = call time - arrival (ticket taken). Printed: mean / p90 / max per group (green
channel, appointment, ordinary, all), per matter, the windows' utilisation, and on the same
days two sensitivity runs (the other skills setting; pooling without priorities); the last
line is one JSON object. Exit status 1 when the target of issue 7 is missed (mean wait >= 25 %
lower and no group's p90 worse).

Assumptions (not measured data; chosen to be plausible for a district centre of a rural
district of about 150 000 people, and kept identical for both policies):

* Opening hours 9:00-12:00 and 13:30-17:30 (420 window-minutes a day). Tickets are taken only
  while open; everybody holding a ticket at closing time is still served (overtime, and the
  wait counts). Staff at all 10 windows the whole day; no breaks, no no-shows, no recalls.
* Arrivals: a Poisson process, on average 330 tickets a day, with a rate per half hour from
  this relative profile (1.0 = the day's average rate):

      9:00 1.3   9:30 1.4  10:00 1.5  10:30 1.4  11:00 1.0  11:30 0.6      (morning peak)
      12:00-13:30 closed                                                   (lunch dip)
     13:30 0.6  14:00 1.1  14:30 1.3  15:00 1.3  15:30 1.2  16:00 0.9      (afternoon peak)
     16:30 0.7  17:00 0.4

  Reasoning: people queue at the door before 9:00 and come in the morning to finish the same
  day; few come just before lunch or right after it; the afternoon peak 14-16 is lower than
  the morning; almost nobody comes in the last half hour.
* Who: 10 % green channel (elderly, disabled, …), 20 % appointments, 70 % ordinary. An
  appointment has a half-hour slot (the one its arrival falls into) and arrives at slot start
  + Normal(-5, 7) minutes (not before opening); more than 10 min late loses its priority
  (yishi.hall.policy.appointment_on_time; smart only, fifo has no priority anyway).
* Matters (share of tickets, mean service minutes): 综合 (民政, 医保报销, 公积金, 残联 …) 40 %
  8 min; 社保 18 % 6 min; 不动产登记 13 % 18 min; 公安户籍 11 % 10 min; 企业开办 9 % 12 min;
  税务 9 % 12 min. Service times are lognormal with a coefficient of variation of 0.6 and a
  1-minute floor (calling, walking to the window). Any window serving a matter outside its
  own takes 15 % longer (less practised than the specialist): the smart policy pays for
  pooling. The green-channel officer is an all-rounder (full speed on every matter).
* Windows (10): 3 综合, 1 社保, 2 不动产, 1 公安户籍, 1 企业开办, 1 税务, 1 绿色通道. With these
  figures each fifo window type is loaded 74-85 % over the opening hours (printed per window),
  so the baseline is a sensibly staffed hall, not a strawman; the peaks overload it for an
  hour or two. Specialists taking 综合 matters (wide) is an assumption about training under
  一窗通办; the narrow figures are printed next to it.
* When a ticket arrives and several idle windows can serve it, the most specialised one (fewest
  skills) calls it; fifo never has that choice (one window type per queue).
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import json
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

try:
    from yishi.hall import policy
except ImportError:  # running from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from yishi.hall import policy

SHANGHAI = ZoneInfo("Asia/Shanghai")

MEAN_TICKETS_PER_DAY = 330
SESSIONS = ((9 * 60, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))  # minutes after midnight
HALF_HOUR_PROFILE = {  # start of the half hour (minutes after midnight) -> relative rate
    9 * 60: 1.3,
    9 * 60 + 30: 1.4,
    10 * 60: 1.5,
    10 * 60 + 30: 1.4,
    11 * 60: 1.0,
    11 * 60 + 30: 0.6,
    13 * 60 + 30: 0.6,
    14 * 60: 1.1,
    14 * 60 + 30: 1.3,
    15 * 60: 1.3,
    15 * 60 + 30: 1.2,
    16 * 60: 0.9,
    16 * 60 + 30: 0.7,
    17 * 60: 0.4,
}
GREEN_SHARE = 0.10
APPOINTMENT_SHARE = 0.20
APPOINTMENT_ARRIVAL_MEAN_MIN = -5.0  # relative to the slot start
APPOINTMENT_ARRIVAL_SD_MIN = 7.0
SERVICE_CV = 0.6
SERVICE_FLOOR_MIN = 1.0
GENERALIST_SLOWDOWN = 1.15

# matter -> (queue letter, share of tickets, mean service minutes)
MATTERS = {
    "综合": ("A", 0.40, 8.0),
    "社保": ("B", 0.18, 6.0),
    "不动产": ("C", 0.13, 18.0),
    "公安户籍": ("D", 0.11, 10.0),
    "企业开办": ("E", 0.09, 12.0),
    "税务": ("F", 0.09, 12.0),
}
GREEN_QUEUE = "V"
ALL_MATTERS = frozenset(MATTERS)
GROUPS = ("green", "appointment", "ordinary")


@dataclass(frozen=True)
class Window:
    index: int
    name: str
    fifo_queue: str  # the one queue this window serves under fifo
    skills: frozenset[str]  # matters it can serve under the smart policy
    home: frozenset[str]  # matters it serves at full speed


def make_windows(skills: str = "wide") -> list[Window]:
    """The 10 windows. ``skills`` only matters to the smart policy (fifo uses ``fifo_queue``).

    narrow: a specialist window serves only its own matter. wide: it also takes 综合 matters
    (the simple matters every front-desk officer is trained on under 一窗通办), 15 % slower.
    """
    general = ALL_MATTERS - {"不动产"}
    extra = {"综合"} if skills == "wide" else set()
    spec = [
        ("综合1", "A", general, {"综合"}),
        ("综合2", "A", general, {"综合"}),
        ("综合3", "A", general, {"综合"}),
        ("社保", "B", {"社保"} | extra, {"社保"}),
        ("不动产1", "C", {"不动产"}, {"不动产"}),
        ("不动产2", "C", {"不动产"}, {"不动产"}),
        ("公安户籍", "D", {"公安户籍"} | extra, {"公安户籍"}),
        ("企业开办", "E", {"企业开办"} | extra, {"企业开办"}),
        ("税务", "F", {"税务"} | extra, {"税务"}),
        # The green-channel desk is staffed by an all-round officer (it serves every matter
        # for green tickets under both policies), so it works at full speed on any matter.
        ("绿色通道", GREEN_QUEUE, ALL_MATTERS, ALL_MATTERS),
    ]
    return [
        Window(i, name, queue, frozenset(sk), frozenset(home))
        for i, (name, queue, sk, home) in enumerate(spec)
    ]


@dataclass
class Ticket:
    id: int
    arrived: float  # minutes after midnight
    group: str
    matter: str
    service: float  # minutes at full speed
    key: tuple = field(default=())  # smart calling key (virtual arrival, id)

    @property
    def fifo_queue(self) -> str:
        return GREEN_QUEUE if self.group == "green" else MATTERS[self.matter][0]


def _lognormal(rng: random.Random, mean: float, cv: float) -> float:
    sigma = math.sqrt(math.log(1 + cv * cv))
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


def make_day(rng: random.Random, day: dt.date) -> list[Ticket]:
    """Arrivals and service times of one day, the same for both policies."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)
    open_minutes = sum(end - start for start, end in SESSIONS)
    weight_total = sum(HALF_HOUR_PROFILE.values()) * 30
    base_rate = MEAN_TICKETS_PER_DAY / weight_total  # tickets a minute at relative rate 1.0
    assert abs(weight_total / open_minutes - 1) < 0.1, "profile should average about 1.0"

    raw: list[tuple[float, str, str, float]] = []
    matters = list(MATTERS)
    shares = [MATTERS[m][1] for m in matters]
    for start, relative in HALF_HOUR_PROFILE.items():
        t = float(start)
        rate = base_rate * relative
        while True:
            t += rng.expovariate(rate)
            if t >= start + 30:
                break
            u = rng.random()
            group = "green" if u < GREEN_SHARE else "appointment"
            if u >= GREEN_SHARE + APPOINTMENT_SHARE:
                group = "ordinary"
            matter = rng.choices(matters, shares)[0]
            service = max(SERVICE_FLOOR_MIN, _lognormal(rng, MATTERS[matter][2], SERVICE_CV))
            raw.append((t, group, matter, service))

    tickets: list[Ticket] = []
    for arrived, group, matter, service in raw:
        priority = policy.Priority.ORDINARY
        if group == "green":
            priority = policy.Priority.GREEN
        elif group == "appointment":
            slot = arrived - arrived % 30  # the half-hour slot booked
            session_start, session_end = next((s, e) for s, e in SESSIONS if s <= slot < e)
            shift = rng.gauss(APPOINTMENT_ARRIVAL_MEAN_MIN, APPOINTMENT_ARRIVAL_SD_MIN)
            # check-in only while open: not before opening, not after closing
            arrived = min(max(float(session_start), slot + shift), session_end - 0.5)
            slot_at = midnight + dt.timedelta(minutes=slot)
            if policy.appointment_on_time(slot_at, midnight + dt.timedelta(minutes=arrived)):
                priority = policy.Priority.APPOINTMENT
        arrived_at = midnight + dt.timedelta(minutes=arrived)
        virtual = policy.virtual_arrival(arrived_at, priority)
        tickets.append(
            Ticket(0, arrived, group, matter, service, ((virtual - midnight).total_seconds() / 60,))
        )
    tickets.sort(key=lambda t: t.arrived)
    for number, ticket in enumerate(tickets, start=1):  # numbers in order of taking
        ticket.id = number
        ticket.key = (ticket.key[0], number)
    return tickets


class Fifo:
    def __init__(self) -> None:
        self.queues: dict[str, list[Ticket]] = {}
        self.heads: dict[str, int] = {}

    def add(self, ticket: Ticket) -> None:
        self.queues.setdefault(ticket.fifo_queue, []).append(ticket)

    def take(self, window: Window) -> Ticket | None:
        queue = self.queues.get(window.fifo_queue, [])
        head = self.heads.get(window.fifo_queue, 0)
        if head >= len(queue):
            return None
        self.heads[window.fifo_queue] = head + 1
        return queue[head]


class Smart:
    def __init__(self, *, priorities: bool = True) -> None:
        self.waiting: list[Ticket] = []
        # priorities=False: the same pooled calling with every ticket ordinary (an ablation)
        self.key = (lambda t: t.key) if priorities else (lambda t: (t.arrived, t.id))

    def add(self, ticket: Ticket) -> None:
        self.waiting.append(ticket)

    def take(self, window: Window) -> Ticket | None:
        ticket = policy.pick_next(self.waiting, lambda t: t.matter in window.skills, key=self.key)
        if ticket is not None:
            self.waiting.remove(ticket)
        return ticket


@dataclass
class DayResult:
    waits: dict[str, list[float]]  # group -> waits
    matter_waits: dict[str, list[float]]
    busy: list[float]  # per window, minutes serving
    last_call: float


def simulate(tickets: list[Ticket], windows: list[Window], dispatcher: Fifo | Smart) -> DayResult:
    ARRIVE, FREE = 0, 1
    events: list[tuple[float, int, int, int]] = [(t.arrived, ARRIVE, t.id, 0) for t in tickets]
    heapq.heapify(events)
    by_id = {t.id: t for t in tickets}
    idle = sorted(windows, key=lambda w: (len(w.skills), w.index))  # specialists answer first
    result = DayResult({g: [] for g in GROUPS}, {m: [] for m in MATTERS}, [0.0] * len(windows), 0)
    served = 0

    def start(window: Window, ticket: Ticket, now: float) -> None:
        nonlocal served
        wait = now - ticket.arrived
        result.waits[ticket.group].append(wait)
        result.matter_waits[ticket.matter].append(wait)
        duration = ticket.service
        if ticket.matter not in window.home:
            duration *= GENERALIST_SLOWDOWN
        result.busy[window.index] += duration
        result.last_call = max(result.last_call, now)
        served += 1
        heapq.heappush(events, (now + duration, FREE, window.index, 0))

    while events:
        now, kind, ident, _ = heapq.heappop(events)
        if kind == ARRIVE:
            dispatcher.add(by_id[ident])
            for window in idle:
                ticket = dispatcher.take(window)
                if ticket is not None:
                    idle.remove(window)
                    start(window, ticket, now)
                    break
        else:
            window = windows[ident]
            ticket = dispatcher.take(window)
            if ticket is None:
                idle.append(window)
                idle.sort(key=lambda w: (len(w.skills), w.index))
            else:
                start(window, ticket, now)
    assert served == len(tickets), "every ticket is served exactly once"
    return result


def p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "mean": 0.0, "p90": 0.0, "max": 0.0}
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), 2),
        "p90": round(p90(values), 2),
        "max": round(max(values), 2),
    }


def pad(text: str, width: int) -> str:
    """Left-justify counting a CJK character as two columns."""
    shown = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
    return text + " " * max(0, width - shown)


def ratio(ours: float, theirs: float) -> float:
    if theirs <= 0:
        return 1.0 if ours <= 0 else 999.0
    return round(ours / theirs, 3)


VARIANTS = ("fifo", "smart", "smart_other_skills", "smart_no_priority")


def _run_days(days: int, seed: int, skills: str):
    other = "narrow" if skills == "wide" else "wide"
    windows = {"fifo": make_windows(skills), "smart": make_windows(skills)}
    windows["smart_other_skills"] = make_windows(other)
    windows["smart_no_priority"] = make_windows(skills)
    factories = {
        "fifo": Fifo,
        "smart": Smart,
        "smart_other_skills": Smart,
        "smart_no_priority": lambda: Smart(priorities=False),
    }
    waits = {v: {g: [] for g in GROUPS} for v in VARIANTS}
    matter_waits = {v: {m: [] for m in MATTERS} for v in VARIANTS}
    busy = {v: [0.0] * len(windows[v]) for v in VARIANTS}
    last_call = dict.fromkeys(VARIANTS, 0.0)
    rng = random.Random(seed)
    n_tickets = 0
    first_day = dt.date(2026, 3, 2)  # a Monday; the date only anchors the clock
    for d in range(days):
        tickets = make_day(rng, first_day + dt.timedelta(days=d))
        n_tickets += len(tickets)
        for v in VARIANTS:
            day = simulate(tickets, windows[v], factories[v]())
            for g in GROUPS:
                waits[v][g] += day.waits[g]
            for m in MATTERS:
                matter_waits[v][m] += day.matter_waits[m]
            busy[v] = [a + b for a, b in zip(busy[v], day.busy, strict=True)]
            last_call[v] = max(last_call[v], day.last_call)
    return windows, waits, matter_waits, busy, last_call, n_tickets


def _headline(stats: dict, variant: str) -> dict:
    ours, fifo = stats[variant], stats["fifo"]
    reduction = (
        round(1 - ours["all"]["mean"] / fifo["all"]["mean"], 3) if fifo["all"]["mean"] else 0.0
    )
    p90_ratios = {g: ratio(ours[g]["p90"], fifo[g]["p90"]) for g in GROUPS}
    worst = max(GROUPS, key=lambda g: p90_ratios[g])
    return {
        "mean_wait_min": ours["all"]["mean"],
        "mean_wait_reduction": reduction,
        "worst_group": worst,
        "worst_group_p90_ratio": p90_ratios[worst],
        "p90_ratio_by_group": p90_ratios,
        "target_met": reduction >= 0.25 and p90_ratios[worst] <= 1.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20, help="simulated days (default 20)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--quick", action="store_true", help="5 days instead of --days")
    parser.add_argument(
        "--skills",
        choices=("wide", "narrow"),
        default="wide",
        help="specialist windows also take 综合 matters (wide, default) or only their own",
    )
    args = parser.parse_args()
    days = 5 if args.quick else args.days
    if days < 1:
        parser.error("--days must be at least 1")

    started = time.perf_counter()
    windows, waits, matter_waits, busy, last_call, n_tickets = _run_days(
        days, args.seed, args.skills
    )
    stats: dict[str, dict[str, dict[str, float]]] = {}
    for v in VARIANTS:
        stats[v] = {g: summary(waits[v][g]) for g in GROUPS}
        stats[v]["all"] = summary([w for g in GROUPS for w in waits[v][g]])
    open_minutes = sum(end - start for start, end in SESSIONS)
    head = _headline(stats, "smart")

    print(
        f"梁子湖区政务服务中心: {days} simulated days, seed {args.seed}, "
        f"{n_tickets / days:.0f} tickets/day, {len(windows['fifo'])} windows, "
        f"{args.skills} skills, bonuses green "
        f"{policy.priority_bonus(policy.Priority.GREEN)} / appointment "
        f"{policy.priority_bonus(policy.Priority.APPOINTMENT)}"
    )
    print()
    print("waiting time, minutes       |  FIFO per window type |  smart (yishi policy)  | p90")
    print("group         tickets/day   |  mean    p90    max   |  mean    p90    max   | ratio")
    for g in (*GROUPS, "all"):
        f, s = stats["fifo"][g], stats["smart"][g]
        print(
            f"{g:<13} {f['n'] / days:>9.1f}   | {f['mean']:>5.1f} {f['p90']:>6.1f} {f['max']:>6.1f}  "
            f"| {s['mean']:>5.1f} {s['p90']:>6.1f} {s['max']:>6.1f}  | {ratio(s['p90'], f['p90']):.2f}"
        )
    print()
    print("by matter (all groups)")
    for m in MATTERS:
        f, s = summary(matter_waits["fifo"][m]), summary(matter_waits["smart"][m])
        print(
            f"{pad(MATTERS[m][0] + ' ' + m, 13)} {f['n'] / days:>9.1f}   | {f['mean']:>5.1f} "
            f"{f['p90']:>6.1f} {f['max']:>6.1f}  | {s['mean']:>5.1f} {s['p90']:>6.1f} "
            f"{s['max']:>6.1f}  | {ratio(s['p90'], f['p90']):.2f}"
        )
    print()
    print("window utilisation over opening hours (FIFO / smart):")
    print(
        "  "
        + ", ".join(
            f"{w.name} {busy['fifo'][w.index] / days / open_minutes:.0%}"
            f"/{busy['smart'][w.index] / days / open_minutes:.0%}"
            for w in windows["fifo"]
        )
    )
    to_clock = lambda m: f"{int(m // 60)}:{int(m % 60):02d}"  # noqa: E731
    print(
        f"  latest call of any day: FIFO {to_clock(last_call['fifo'])}, "
        f"smart {to_clock(last_call['smart'])}"
    )
    print()
    print("sensitivity (same days):")
    sensitivity = {}
    for v, label in (
        ("smart_other_skills", f"smart, {'narrow' if args.skills == 'wide' else 'wide'} skills"),
        ("smart_no_priority", "smart pooling, no priorities"),
    ):
        h = _headline(stats, v)
        sensitivity[v] = {k: h[k] for k in ("mean_wait_min", "mean_wait_reduction")} | {
            "p90_ratio_by_group": h["p90_ratio_by_group"]
        }
        ratios = ", ".join(f"{g} {r:.2f}" for g, r in h["p90_ratio_by_group"].items())
        print(
            f"  {label:<30} mean {h['mean_wait_min']:.1f} min "
            f"({h['mean_wait_reduction']:.0%} lower), p90 ratio {ratios}"
        )

    fifo_mean = stats["fifo"]["all"]["mean"]
    elapsed = time.perf_counter() - started
    print()
    print(
        f"mean wait {fifo_mean:.1f} -> {head['mean_wait_min']:.1f} min "
        f"({head['mean_wait_reduction']:.0%} lower); worst group p90 ratio "
        f"{head['worst_group_p90_ratio']:.2f} ({head['worst_group']}); target "
        f"{'met' if head['target_met'] else 'MISSED'} ({elapsed:.1f} s)"
    )
    report = {
        "bench": "hall_day",
        "days": days,
        "seed": args.seed,
        "skills": args.skills,
        "tickets_per_day": round(n_tickets / days, 1),
        "windows": len(windows["fifo"]),
        "smart_mean_wait_min": head["mean_wait_min"],
        "fifo_mean_wait_min": fifo_mean,
        "mean_wait_reduction": head["mean_wait_reduction"],
        "worst_group": head["worst_group"],
        "worst_group_p90_ratio": head["worst_group_p90_ratio"],
        "p90_ratio_by_group": head["p90_ratio_by_group"],
        "smart": stats["smart"],
        "fifo": stats["fifo"],
        "sensitivity": sensitivity,
        "target_met": head["target_met"],
        "seconds": round(elapsed, 2),
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0 if head["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
