from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from tests.cases.factories import StaffFactory
from tests.hall.factories import OutletFactory, QueueFactory, WindowFactory
from yishi.hall import services
from yishi.hall.models import Window

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2 March 2026, 09:00 in the hall.
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def minutes(n: float) -> dt.datetime:
    return NOW + dt.timedelta(minutes=n)


@pytest.fixture
def hall(db):
    """An outlet with queues A 综合, B 不动产, V 绿色通道 and three windows: 1 综合 (serves
    all), 2 专业 (queue B only), 3 绿色通道 (V and A)."""
    outlet = OutletFactory(code="test-centre", name="测试政务服务中心")
    a = QueueFactory(outlet=outlet, letter="A", name="综合受理", is_general=True)
    b = QueueFactory(outlet=outlet, letter="B", name="不动产登记")
    v = QueueFactory(outlet=outlet, letter="V", name="绿色通道", is_green=True)
    general = WindowFactory(outlet=outlet, number=1, kind=Window.Kind.GENERAL, serves_all=True)
    special = WindowFactory(outlet=outlet, number=2, kind=Window.Kind.SPECIALIST, queues=[b])
    green = WindowFactory(outlet=outlet, number=3, kind=Window.Kind.GREEN, queues=[v, a])
    return SimpleNamespace(
        outlet=outlet, a=a, b=b, v=v, general=general, special=special, green=green
    )


@pytest.fixture
def staff(db):
    return StaffFactory().user


def on_duty(window, now=NOW):
    """A fresh window staff member signed on at `window`."""
    user = StaffFactory().user
    services.window_sign_on(window=window, staff=user, now=now)
    return user
