from __future__ import annotations

import pytest

from tests.catalog.factories import MaterialFactory, MatterFactory
from yishi.exchange.demo import load_exchange_demo
from yishi.exchange.models import AgreedMatter, Partner


@pytest.mark.django_db
def test_demo_registers_the_partner_and_the_agreed_matters_idempotently():
    for code in ("GG00108000-420702-LZH-RS", "GG00171000-420702-LZH-RS"):
        MaterialFactory(matter=MatterFactory(code=code), name="居民身份证")
    assert load_exchange_demo() == {"跨域通办合作地区": 1, "跨域通办事项": 2}
    assert load_exchange_demo() == {"跨域通办合作地区": 1, "跨域通办事项": 2}
    partner = Partner.objects.get()
    assert (partner.code, partner.endpoint) == ("420115", "http://127.0.0.1:8001")
    decided = dict(AgreedMatter.objects.values_list("code", "decided_by"))
    assert decided == {"GG00108000": "partner", "GG00171000": "us"}
    assert AgreedMatter.objects.get(code="GG00108000").materials == ["居民身份证"]
