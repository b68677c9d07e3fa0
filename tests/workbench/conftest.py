from __future__ import annotations

import pytest

from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from yishi.cases.services import application_submit


@pytest.fixture
def chain():
    return make_chain_theme()


@pytest.fixture
def applicant():
    return ApplicantFactory()


@pytest.fixture
def window():
    return StaffFactory()


@pytest.fixture
def submitted(chain, applicant):
    return application_submit(
        user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )


def reviewer_of(chain, key):
    return StaffFactory(reviewer=True, department=chain["departments"][key])
