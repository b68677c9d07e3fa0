"""Races on PostgreSQL with real connections: issuers taking serial numbers at once, and two
dispatchers issuing the licence of one approval."""

from __future__ import annotations

import pytest

from tests.catalog.factories import DepartmentFactory
from tests.concurrency_support import race
from tests.licences.factories import LicenceTypeFactory, issue
from tests.people.factories import PersonFactory
from yishi.cases.models import CaseMaterial
from yishi.licences.models import Licence
from yishi.licences.services import licence_issue_for_subcase, licence_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_first_issues_by_one_department_take_distinct_serials():
    licence_type = LicenceTypeFactory(code="RACE")
    issuer = DepartmentFactory(code="LZH-RACE")
    holders = [PersonFactory() for _ in range(4)]
    outcomes = race(
        *[lambda h=h: issue(licence_type=licence_type, issuer=issuer, holder=h) for h in holders]
    )
    assert outcomes == ["ok"] * 4
    numbers = sorted(Licence.objects.values_list("number", flat=True))
    assert [n.split("-")[-2] for n in numbers] == ["000001", "000002", "000003", "000004"]
    assert all(licence_verify(n).state == "valid" for n in numbers)


def test_two_dispatchers_issuing_for_one_approval_make_one_licence(approved):
    subcase = approved("a")
    outcomes = race(
        lambda: licence_issue_for_subcase(subcase_id=subcase.pk),
        lambda: licence_issue_for_subcase(subcase_id=subcase.pk),
    )
    assert outcomes == ["ok", "ok"]
    assert Licence.objects.filter(subcase=subcase).count() == 1
    assert CaseMaterial.objects.filter(source="licence").count() == 1
