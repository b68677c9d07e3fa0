"""Licence factories: a licence type (codes unique per test) and licences issued through the
real service, so every licence made here is numbered and signed by its issuer's seal."""

from __future__ import annotations

import datetime as dt

import factory

from tests.catalog.factories import DepartmentFactory
from tests.people.factories import PersonFactory
from yishi.licences.models import LicenceType
from yishi.licences.services import licence_issue

ISSUE_DAY = dt.date(2026, 3, 2)


class LicenceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicenceType
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"TEST{n:03d}")
    name = factory.Sequence(lambda n: f"测试证照{n}")
    material_kind = factory.Sequence(lambda n: f"test_licence_{n}")
    holder_kind = "any"
    fields = [
        {"key": "newborn_name", "label": "新生儿姓名", "kind": "text"},
        {"key": "birth_place", "label": "出生地点", "kind": "text"},
    ]
    validity_years = None


def issue(*, licence_type=None, holder=None, issuer=None, data=None, today=ISSUE_DAY, **kw):
    return licence_issue(
        type=licence_type or LicenceTypeFactory(),
        holder=holder or PersonFactory(),
        issuer=issuer or DepartmentFactory(name="梁子湖区人民医院"),
        data=data if data is not None else {"newborn_name": "李小满", "birth_place": "梁子湖区"},
        today=today,
        **kw,
    )
