from __future__ import annotations

import pytest
from django.test import override_settings

from tests.assist.factories import HOURS, make_world


@pytest.fixture(autouse=True)
def _fixed_hours():
    """The assist hours are pinned for the tests (no outlet needed)."""
    with override_settings(YISHI_ASSIST_HOURS=HOURS):
        yield


@pytest.fixture
def w(db):
    return make_world()
