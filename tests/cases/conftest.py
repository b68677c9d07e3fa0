from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.factories import StaffFactory, make_chain_theme
from yishi.cases.services import application_submit

# Monday 2 March 2026: a plain working week (no holiday until Qingming on 4 April).
ACCEPT_DAY = dt.date(2026, 3, 2)


@pytest.fixture
def chain():
    return make_chain_theme()


@pytest.fixture
def submitted(chain, applicant):
    return application_submit(
        user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
    )


def reviewer_of(chain, key):
    return StaffFactory(reviewer=True, department=chain["departments"][key])
