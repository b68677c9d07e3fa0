from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from tests.catalog.factories import MaterialFactory
from tests.licences.factories import LicenceTypeFactory
from yishi.cases.models import SubCase
from yishi.cases.services import application_accept, application_submit, subcase_approve

# Monday 2 March 2026: a plain working week.
ACCEPT_DAY = dt.date(2026, 3, 2)


@pytest.fixture
def chain():
    """The chain theme A → B → C (+ D) where matter A issues a 测试出生证 licence and matter B
    asks for that licence as a material (免证明 once A is approved)."""
    chain = make_chain_theme()
    licence_type = LicenceTypeFactory(
        code="TESTBIRTH",
        name="测试出生证",
        material_kind="test_birth",
        fields=[{"key": "name", "label": "申请人姓名", "kind": "text"}],
    )
    licence_type.issuing_matters.add(chain["matters"]["a"])
    chain["licence_type"] = licence_type
    chain["material_b"] = MaterialFactory(
        matter=chain["matters"]["b"],
        name="《测试出生证》",
        kind="birth_proof",
        licence_type="测试出生证",
    )
    return chain


@pytest.fixture
def application(chain):
    applicant = ApplicantFactory()
    submitted = application_submit(
        user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )
    return application_accept(application=submitted, staff=StaffFactory().user, today=ACCEPT_DAY)


@pytest.fixture
def approved(chain, application):
    """approved("a") → the approved sub-case of that matter (by a reviewer of its department)."""

    def approve(key: str) -> SubCase:
        subcase = application.subcases.get(matter=chain["matters"][key])
        reviewer = StaffFactory(reviewer=True, department=chain["departments"][key])
        return subcase_approve(
            subcase=subcase, reviewer=reviewer.user, result_name=f"结果{key}", today=ACCEPT_DAY
        )

    return approve
