from __future__ import annotations

import pytest

from tests.policies.factories import seed_demo_policies


@pytest.fixture
def demo_policies():
    return seed_demo_policies()
