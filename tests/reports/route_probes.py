"""What tests/test_routes_by_role.py needs for the reports routes.

`reports_world(w)` builds, through the services, a report of the world's applicant (about
matter A, so owned by department a), a duty leader and a department lead of department a
(returned as extra users "duty_leader" and "department_lead"), a leader's walk with one item
for department a, and an improvement item from the report. None of the world's thirteen roles
is a duty leader or a department lead: of them only `admin` works reports; `clerk_here` and
`clerk_there` (窗口人员) may enter reports at the window and open the staff list (which then
shows only what they entered: leak-checked with the report's number).
"""

from __future__ import annotations

from typing import Any

from tests.cases.factories import StaffFactory
from yishi.core.roles import Role
from yishi.reports import services


def reports_world(w: Any) -> dict[str, str]:
    department = w.chain["departments"]["a"]
    w.duty_leader = StaffFactory(role=Role.DUTY_LEADER, department=w.district)
    w.department_lead = StaffFactory(role=Role.DEPARTMENT_LEAD, department=department)
    w.report = services.report_create(
        actor=w.owner.user,
        channel="online",
        obstacle="materials",
        matter=w.matter,
        description="材料要求前后不一致",
    )
    w.report_item = services.report_to_improvement(
        report=w.report,
        staff=w.duty_leader.user,
        kind="process",
        change="精简材料",
        department=department,
    )
    w.walk = services.walk_record(
        walker=w.duty_leader.user,
        kind="director_day",
        walked_on=w.report.submitted_on,
        matter=w.matter,
        steps="全程走一遍",
        minutes=30,
        problems=[{"problem": "指引不清", "department": department.code}],
    )
    return {
        "report_id": str(w.report.pk),
        "report_number": w.report.number,
        "report_token": services.report_link_token(w.report),
        "improvement_id": str(w.report_item.pk),
        "walk_id": str(w.walk.pk),
    }
