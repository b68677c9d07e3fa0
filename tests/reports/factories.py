"""Reports factories: staff with the roles of this app, a matter in a department."""

from __future__ import annotations

from tests.cases.factories import StaffFactory
from tests.catalog.factories import DepartmentFactory, MatterFactory
from yishi.core.roles import Role


def duty_leader(**kw):
    return StaffFactory(role=Role.DUTY_LEADER, **kw)


def department_lead(department=None):
    return StaffFactory(role=Role.DEPARTMENT_LEAD, department=department or DepartmentFactory())


def matter_in(department=None):
    return MatterFactory(department=department or DepartmentFactory())
