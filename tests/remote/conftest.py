from __future__ import annotations

import pytest

from tests.remote.factories import make_world


@pytest.fixture
def w(db):
    return make_world()
