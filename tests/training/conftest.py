from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.hall.factories import OutletFactory, QueueFactory, WindowFactory
from yishi.hall.models import Window


@pytest.fixture
def windows(db):
    """An outlet with a 综合窗口 (serves all) and a 专业窗口."""
    outlet = OutletFactory(code="training-centre", name="培训测试政务服务中心")
    a = QueueFactory(outlet=outlet, letter="A", name="综合受理", is_general=True)
    return SimpleNamespace(
        outlet=outlet,
        general=WindowFactory(outlet=outlet, number=1, kind=Window.Kind.GENERAL, serves_all=True),
        special=WindowFactory(outlet=outlet, number=2, kind=Window.Kind.SPECIALIST, queues=[a]),
    )
