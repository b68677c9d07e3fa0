"""Entries for tests/test_routes_by_role.py (its PROBES carry the lines).

The figures are for district-wide roles (管理员, 值班领导, 首席数据官) and department leads;
of the world's roles (tests/access_world.py) only `admin` holds one of them, so every stats
route is ADMIN. The world has no department lead, duty leader or chief data officer; their
access is covered in tests/stats/test_summary_api.py and test_dashboard_pages.py.

(a) `stats_world(w)` gives the values the path templates below use.
The lines themselves are in that file's PROBES.
"""

from __future__ import annotations

from types import SimpleNamespace


def stats_world(w: SimpleNamespace) -> dict[str, str]:
    """The department and matter whose figures the drill-down probes open: the world's
    accepted application runs in department b (reviewer_here's) for matter A's theme."""
    return {
        "stats_department": w.subcase.department.code,
        "stats_matter": w.matter.code,
    }
