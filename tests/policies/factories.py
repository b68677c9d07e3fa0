"""Policy factories and helpers: the demo policies over departments named like the demo
catalog's, and registry persons/companies with the fields the rules read."""

from __future__ import annotations

import datetime as dt

import factory

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
    "born_aged",
    "demo_departments",
    "seed_demo_policies",
]
