"""The governance demo: a chief data officer and data officers in two departments, the
catalog of our own and external datasets with their rules, twelve sectors of scenarios, two
supply-and-demand requests and one check run; loading it twice changes nothing."""

from __future__ import annotations

import pytest

from yishi.catalog.demo.loader import load_demo
from yishi.core.roles import Role, has_role
from yishi.governance.demo import load_governance_demo
from yishi.governance.models import DataRequest, Dataset, QualityRule, QualityScore, Scenario

pytestmark = pytest.mark.django_db


def test_the_demo_catalogues_checks_and_opens_and_is_idempotent(django_user_model):
    load_demo(password="x-demo-pass-1")
    first = load_governance_demo(password="x-demo-pass-1")
    cdo = django_user_model.objects.get(username="cdo")
    assert has_role(cdo, Role.CHIEF_DATA_OFFICER)
    assert cdo.staff_profile.department.code == "LZH-SJJ"
    officers = django_user_model.objects.filter(username__in=["data_scjg", "data_mz"])
    assert all(has_role(u, Role.DATA_OFFICER) for u in officers) and officers.count() == 2
    assert first["datasets"] == Dataset.objects.count() == 11
    assert Dataset.objects.filter(source="").count() == 2  # entered by hand
    assert QualityRule.objects.count() == 8
    assert set(Scenario.objects.values_list("sector", flat=True)) == set(Scenario.Sector.values)
    assert list(DataRequest.objects.order_by("pk").values_list("status", flat=True)) == [
        "delivered",
        "submitted",
    ]
    assert QualityScore.objects.exists()

    counts = (Dataset.objects.count(), QualityRule.objects.count(), Scenario.objects.count())
    load_governance_demo(password="x-demo-pass-1")
    assert counts == (
        Dataset.objects.count(),
        QualityRule.objects.count(),
        Scenario.objects.count(),
    )
    assert DataRequest.objects.count() == 2
