"""The leaders' dashboard in Chromium: the SVG charts draw each series with the figures the
server computed (bars with a height, values that match the API), at desktop and phone width.

YISHI_SCREENSHOTS=<dir> saves the dashboard, a department, the cases and the lobby screen at
1280 and 375 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import signed_in
from tests.cases.factories import StaffFactory
from tests.stats.conftest import UNTIL, make_catalog
from yishi.stats import measures
from yishi.stats.history import generate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Q = "from=2026-01-01&to=2026-03-31"

DRAWN = """
(chart) => [...document.querySelectorAll(`svg[data-chart="${chart}"] g[data-series]`)].map(g => ({
  series: g.dataset.series,
  bars: [...g.querySelectorAll("rect")].map(r => ({
    label: r.dataset.label,
    value: Number(r.dataset.value),
    height: r.getBoundingClientRect().height,
  })),
}))
"""


def _shot(page, name: str) -> None:
    folder = os.environ.get("YISHI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_dashboard_charts_draw_the_series_with_data(page, live_server):
    catalog = make_catalog()
    generate(applications=300, days=120, seed=3, until=UNTIL)
    admin = StaffFactory(administrator=True)
    # The expected figures are read before the browser opens any page: on SQLite the live
    # server shares this thread's in-memory connection, and a query here while a page's
    # request runs there can block both.
    f = measures.make_filters(first=measures.dt.date(2026, 1, 1), last=UNTIL)
    expected = {m["month"]: m for m in measures.monthly(f)}
    rows = measures.breakdown(f, "department")
    summary = measures.summary(f)
    signed_in(page, live_server, admin.user)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/workbench/stats/?{Q}")

    monthly = {s["series"]: s["bars"] for s in page.evaluate(DRAWN, "monthly")}
    assert set(monthly) == {"受理量", "办结量"}
    for bar in monthly["受理量"]:
        assert bar["value"] == expected[bar["label"]]["accepted"]
    for bar in monthly["办结量"]:
        assert bar["value"] == expected[bar["label"]]["completed"]
    drawn = [b for b in monthly["受理量"] if b["value"] > 0]
    assert len(drawn) >= 4  # Dec … Mar
    assert all(b["height"] > 0 for b in drawn)
    tallest = max(drawn, key=lambda b: b["value"])
    smallest = min(drawn, key=lambda b: b["value"])
    assert tallest["height"] >= smallest["height"]

    departments = {s["series"]: s["bars"] for s in page.evaluate(DRAWN, "departments")}
    assert set(departments) == {"受理量", "办结量", "超期件数"}
    assert [b["value"] for b in departments["受理量"]] == [r["accepted"] for r in rows[:15]]
    assert any(b["height"] > 0 for b in departments["超期件数"])
    channels = {s["series"]: s["bars"] for s in page.evaluate(DRAWN, "channels")}
    assert all(0 <= b["value"] <= 1 for b in channels["按时办结率"])
    assert any(b["height"] > 0 for b in channels["按时办结率"])
    accepted = page.locator('[data-kpi="accepted"] .kpi__value').inner_text()
    assert accepted == str(summary["accepted"])
    _shot(page, "dashboard-1280")

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    bars = page.evaluate(DRAWN, "monthly")[0]["bars"]
    assert any(b["height"] > 0 for b in bars)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, "the page must not scroll sideways on a phone"
    _shot(page, "dashboard-375")

    # Drill down by clicking: district → department → matter → a case link.
    page.set_viewport_size({"width": 1280, "height": 900})
    dept = catalog["chain"]["departments"]["a"]
    page.goto(f"{live_server.url}/workbench/stats/?{Q}")
    page.get_by_role("link", name=dept.name).first.click()
    page.wait_for_url(f"**/workbench/stats/departments/{dept.code}/**")
    matters = page.evaluate(DRAWN, "matters")
    assert any(b["height"] > 0 for s in matters for b in s["bars"])
    _shot(page, "department-1280")
    page.get_by_role("link", name=catalog["matters"]["long"].name).first.click()
    page.wait_for_url("**/workbench/stats/matters/**")
    assert page.locator('[data-list="cases"] a[href^="/workbench/applications/"]').count() > 0
    _shot(page, "matter-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    _shot(page, "matter-375")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/workbench/stats/screen/")
    assert page.locator('[data-kpi="accepted"] strong').count() == 1
    _shot(page, "screen-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    _shot(page, "screen-375")
