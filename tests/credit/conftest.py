from __future__ import annotations

import pytest

from tests.cases.factories import StaffFactory
from tests.credit.factories import make_commitment_theme, submit


@pytest.fixture
def chain():
    return make_commitment_theme()


@pytest.fixture
def supervisor():
    return StaffFactory(supervisor=True)


@pytest.fixture
def submitted(chain, applicant):
    return submit(chain, applicant)
