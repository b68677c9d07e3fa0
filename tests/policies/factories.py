"""Policy factories and helpers: the demo policies over departments named like the demo
catalog's, and registry persons/companies with the fields the rules read."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import factory
from django.utils import timezone

from tests.catalog.factories import DepartmentFactory
from tests.people.factories import CompanyFactory, PersonFactory
from yishi.policies.demo import DEMO_POLICIES, policies_demo
from yishi.policies.models import SAMPLE_AMOUNT_NOTE, Policy, SubjectKind

DEMO_DEPARTMENTS = {
    "LZH-MZ": "梁子湖区民政局",
    "LZH-CL": "梁子湖区残疾人联合会",
    "LZH-RS": "梁子湖区人力资源和社会保障局",
    "LZH-SW": "国家税务总局鄂州市梁子湖区税务局",
}


def demo_departments() -> None:
    for code, name in DEMO_DEPARTMENTS.items():
        DepartmentFactory(code=code, name=name)


def seed_demo_policies() -> dict[str, Policy]:
    demo_departments()
    policies_demo()
    return {p.code: p for p in Policy.objects.all()}


def application_world(
    *, ends_on: dt.date | None = None, size_class: str = "micro", licence: bool = True
) -> SimpleNamespace:
    """The demo 即申即享 policy over its matter (materials: the online form, 营业执照 as an
    e-licence, a shared record), a district service centre, a company with a verified agent
    holding a 营业执照, window staff, a reviewer of the granting department and a policy
    officer there."""
    from tests.cases.factories import ApplicantFactory, StaffFactory
    from tests.catalog.factories import MaterialFactory, MatterFactory, RegionFactory
    from tests.licences.factories import LicenceTypeFactory, issue
    from tests.people.factories import CompanyAgentFactory
    from yishi.catalog.models import Department, Material, Matter
    from yishi.policies.demo import APPLICATION_MATTER

    w = SimpleNamespace()
    demo_departments()
    w.department = Department.objects.get(code="LZH-RS")
    region = RegionFactory(code="420702", name="梁子湖区")
    w.centre = DepartmentFactory(
        code="LZH-ZWZX", name="梁子湖区政务服务中心", kind="centre", region=region
    )
    w.matter = MatterFactory(
        code=APPLICATION_MATTER,
        name="吸纳就业困难人员社会保险补贴申领",
        department=w.department,
        region=region,
        audience=Matter.Audience.COMPANY,
        result_name="社会保险补贴核定（资金拨付）",
    )
    MaterialFactory(
        matter=w.matter,
        order=1,
        name="吸纳就业困难人员社会保险补贴申请表",
        kind="policy_application_form",
        form=Material.Form.ELECTRONIC,
    )
    MaterialFactory(
        matter=w.matter,
        order=2,
        name="营业执照",
        kind="business_licence",
        source=Material.Source.LICENCE,
        licence_type="营业执照",
    )
    MaterialFactory(
        matter=w.matter,
        order=3,
        name="就业困难人员认定及社会保险缴费记录",
        kind="hard_to_employ_insurance_record",
        source=Material.Source.SHARED,
    )
    policies_demo()
    w.policy = Policy.objects.get(code="hard-to-employ-insurance-subsidy")
    if ends_on is not None:
        Policy.objects.filter(pk=w.policy.pk).update(ends_on=ends_on)
        w.policy.refresh_from_db()
    w.agent = ApplicantFactory()
    w.company = CompanyFactory(
        name="鄂州市梁子湖区示范农产品有限公司",
        size_class=size_class,
        employees=12,
        tax_credit_grade="B",
        status="active",
    )
    CompanyAgentFactory(company=w.company, person=w.agent.person, verified=True)
    if licence:
        licence_type = LicenceTypeFactory(
            code="YYZZ",
            name="营业执照",
            material_kind="business_licence",
            holder_kind="any",
            fields=[{"key": "scope", "label": "经营范围", "kind": "text"}],
        )
        w.licence = issue(
            licence_type=licence_type,
            holder=w.company,
            issuer=DepartmentFactory(name="梁子湖区市场监督管理局"),
            data={"scope": "农产品销售"},
            today=timezone.localdate(),
        )
    w.clerk = StaffFactory(service_centre=w.centre)
    w.reviewer = StaffFactory(reviewer=True, department=w.department)
    w.officer = StaffFactory(policy_officer=True, department=w.department)
    w.other_agent = ApplicantFactory()
    w.other_company = CompanyFactory(size_class="micro", employees=5, status="active")
    CompanyAgentFactory(company=w.other_company, person=w.other_agent.person, verified=True)
    return w


FORM = {"hired_count": "3", "bank_account": "6222020200112233445"}


def born_aged(age: int, on: dt.date, *, days_after_birthday: int = 10) -> dt.date:
    """A birth date making someone exactly `age` full years old on `on`."""
    return dt.date(on.year - age, on.month, 1) - dt.timedelta(days=days_after_birthday)


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-policy-{n}")
    name = factory.Sequence(lambda n: f"测试政策{n}")
    subject = SubjectKind.PERSON
    department = factory.SubFactory(DepartmentFactory)
    rule = factory.LazyFunction(lambda: {"field": "age", "op": "ge", "value": 80})
    amount_bands = factory.LazyFunction(lambda: [{"label": "统一标准", "amount": "100.00"}])
    amount_note = SAMPLE_AMOUNT_NOTE
    starts_on = dt.date(2026, 1, 1)


__all__ = [
    "DEMO_POLICIES",
    "CompanyFactory",
    "PersonFactory",
    "PolicyFactory",
    "FORM",
    "application_world",
    "born_aged",
    "demo_departments",
    "seed_demo_policies",
]
