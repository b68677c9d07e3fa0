"""A small governance world: the registries' datasets with their departments' data officers,
a chief data officer, the quality rules of the demo, and planted errors of each kind."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from tests.cases.factories import StaffFactory
from tests.catalog.factories import DepartmentFactory, MatterFactory, RegionFactory
from tests.people.factories import CompanyFactory, PersonFactory
from tests.policies.factories import born_aged, seed_demo_policies
from yishi.catalog.models import Matter
from yishi.core.roles import Role
from yishi.governance import services
from yishi.governance.models import Dataset, QualityRule
from yishi.people.models import Company
from yishi.policies.models import Grant
from yishi.policies.services import policy_run

BAD_USCC = "91420702MA4K00000X"  # right shape, wrong check digit


def _dataset(code: str, source: str, department, fields, **kw) -> Dataset:
    return Dataset.objects.create(
        code=code, title=code, source=source, department=department, fields=fields, **kw
    )


def rule(code: str, dataset: Dataset, kind: str, definition: dict) -> QualityRule:
    return services.rule_save(
        rule=QualityRule(code=code, name=code, dataset=dataset, kind=kind, definition=definition)
    )


def governance_world(*, planted: bool = True) -> SimpleNamespace:
    w = SimpleNamespace()
    RegionFactory(code="420702", name="梁子湖区")
    w.policies = seed_demo_policies()
    w.scjg = DepartmentFactory(code="LZH-SCJG", name="梁子湖区市场监督管理局")
    w.mz = DepartmentFactory(code="LZH-MZ", name="梁子湖区民政局")
    w.zwzx = DepartmentFactory(code="LZH-ZWZX-G", name="梁子湖区政务服务中心")
    w.sjj = DepartmentFactory(code="LZH-SJJ", name="梁子湖区数据局")
    w.officer = StaffFactory(role=Role.DATA_OFFICER, department=w.scjg).user
    w.mz_officer = StaffFactory(role=Role.DATA_OFFICER, department=w.mz).user
    w.zwzx_officer = StaffFactory(role=Role.DATA_OFFICER, department=w.zwzx).user
    w.chief = StaffFactory(role=Role.CHIEF_DATA_OFFICER, department=w.sjj).user
    w.companies = _dataset(
        "company-registry",
        "people.company",
        w.scjg,
        [
            {"name": "name", "label": "名称"},
            {"name": "uscc", "label": "统一社会信用代码"},
            {"name": "address", "label": "住所"},
        ],
    )
    w.persons = _dataset(
        "people-registry", "people.person", w.mz, [{"name": "name", "label": "姓名"}]
    )
    w.grants = _dataset("grants", "policies.grant", w.mz, [{"name": "status", "label": "状态"}])
    w.matters = _dataset(
        "matters",
        "catalog.matter",
        w.zwzx,
        [{"name": "code", "label": "实施编码"}],
        frequency_days=365,
    )
    rule("company-uscc", w.companies, "validity", {"field": "uscc", "check": "uscc"})
    rule("company-required", w.companies, "completeness", {"fields": ["address"]})
    rule("grant-deceased", w.grants, "consistency", {"check": "deceased_active_grant"})
    rule(
        "matter-fresh",
        w.matters,
        "timeliness",
        {"fields": ["updated_at", "versions__published_at"], "filter": {"status": "published"}},
    )
    w.good_companies = [CompanyFactory() for _ in range(3)]
    w.fresh_matter = MatterFactory(status=Matter.Status.PUBLISHED)
    if planted:
        w.bad_uscc = CompanyFactory()
        Company.objects.filter(pk=w.bad_uscc.pk).update(uscc=BAD_USCC)
        w.no_address = CompanyFactory(address="")
        w.stale = MatterFactory(status=Matter.Status.PUBLISHED)
        Matter.objects.filter(pk=w.stale.pk).update(
            updated_at=timezone.now() - dt.timedelta(days=800)
        )
        today = timezone.localdate()
        w.dead = PersonFactory(birth=born_aged(86, today.replace(day=1)))
        policy_run(policy=w.policies["elderly-allowance"], period=f"{today:%Y-%m}")
        w.dead.deceased_on = today - dt.timedelta(days=20)
        w.dead.save(update_fields=["deceased_on"])
        w.grant = Grant.objects.get(person=w.dead)
    return w
