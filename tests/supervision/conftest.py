"""A chain theme whose matter A (department a) is supervised by a separate market-supervision
department; D (department d) is not supervised. `approved(key)` runs a real application up to
the approval of that matter's sub-case."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from tests.catalog.factories import DepartmentFactory
from yishi.cases.models import SubCase
from yishi.cases.services import application_accept, application_submit, subcase_approve

ACCEPT_DAY = dt.date(2026, 3, 2)


@pytest.fixture
def chain():
    chain = make_chain_theme()
    chain["supervising"] = DepartmentFactory(name="梁子湖区市场监督管理局")
    matter = chain["matters"]["a"]
    matter.supervised = True
    matter.supervising_department = chain["supervising"]
    matter.supervision_days = 20
    matter.save()
    return chain


@pytest.fixture
def supervisor(chain):
    return StaffFactory(supervisor=True, department=chain["supervising"])


@pytest.fixture
def reviewer_a(chain):
    return StaffFactory(reviewer=True, department=chain["departments"]["a"])


@pytest.fixture
def application(chain):
    applicant = ApplicantFactory()
    submitted = application_submit(
        user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    return application_accept(application=submitted, staff=StaffFactory().user, today=ACCEPT_DAY)


@pytest.fixture
def approved(chain, application):
    """approved("a") → the approved sub-case of matter A (by a reviewer of its department),
    approved today or on the `today` given."""

    def approve(key: str, today: dt.date | None = None) -> SubCase:
        subcase = application.subcases.get(matter=chain["matters"][key])
        reviewer = StaffFactory(reviewer=True, department=chain["departments"][key])
        return subcase_approve(
            subcase=subcase, reviewer=reviewer.user, result_name=f"结果{key}", today=today
        )

    return approve
