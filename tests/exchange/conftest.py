from __future__ import annotations

import pytest

from tests.exchange.support import US, build_side


@pytest.fixture
def side(db):
    """Our side (梁子湖区) with the partner 江夏区 at an address where nothing listens."""
    return build_side(US, "http://127.0.0.1:9")
