"""Cases factories: applicants (User + ApplicantAccount + Person), staff with a role and a
department, and a three-matter chain theme A → B → C plus an independent D."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from tests.catalog.factories import DepartmentFactory, MatterFactory
from tests.people.factories import PersonFactory
from tests.themes.factories import ThemeFactory, ThemeFormFieldFactory, ThemeMatterFactory
from yishi.catalog.models import StaffProfile
from yishi.core.fields import blind_index
from yishi.core.roles import Role, grant_roles
from yishi.people.models import ApplicantAccount


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")


class ApplicantFactory(factory.django.DjangoModelFactory):
    """An applicant account; use `.user` to log in or submit."""

    class Meta:
        model = ApplicantAccount

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"m-app{n}"))
    person = factory.SubFactory(PersonFactory)
    phone = factory.SelfAttribute("person.phone")
    phone_index = factory.LazyAttribute(lambda o: blind_index(o.phone) if o.phone else "")
    source = ApplicantAccount.Source.LOCAL


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff member; `.user` acts. Window staff by default; traits for the other roles."""

    class Meta:
        model = StaffProfile

    user = factory.SubFactory(
        UserFactory, username=factory.Sequence(lambda n: f"staff{n}"), is_staff=True
    )
    department = factory.SubFactory(DepartmentFactory)
    role = Role.WINDOW  # one role, or a tuple of roles; granted through their groups

    class Params:
        reviewer = factory.Trait(role=Role.REVIEWER)
        administrator = factory.Trait(role=Role.ADMINISTRATOR)
        supervisor = factory.Trait(role=Role.SUPERVISOR)
        policy_officer = factory.Trait(role=Role.POLICY_OFFICER)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        role = kwargs.pop("role", Role.WINDOW)
        profile = super()._create(model_class, *args, **kwargs)
        grant_roles(profile.user, *((role,) if isinstance(role, str) else role))
        return profile


def make_chain_theme() -> dict:
    """A published theme: A (5 promised / 10 legal days) → B (3 / 6) → C (2 / 4), and
    D (4 / 8) with no prerequisite, each matter in its own department; one required form
    field `name`."""
    depts = {k: DepartmentFactory(name=f"梁子湖区链路测试局{k}") for k in "abcd"}
    days = {"a": (5, 10), "b": (3, 6), "c": (2, 4), "d": (4, 8)}
    matters = {
        k: MatterFactory(
            name=f"链路事项{k.upper()}",
            department=depts[k],
            promised_limit_days=days[k][0],
            legal_limit_days=days[k][1],
        )
        for k in "abcd"
    }
    theme = ThemeFactory(name="链路测试一件事")
    a = ThemeMatterFactory(theme=theme, matter=matters["a"], order=1)
    b = ThemeMatterFactory(theme=theme, matter=matters["b"], order=2, depends_on=[a])
    c = ThemeMatterFactory(theme=theme, matter=matters["c"], order=3, depends_on=[b])
    d = ThemeMatterFactory(theme=theme, matter=matters["d"], order=4)
    ThemeFormFieldFactory(theme=theme, key="name", label="申请人姓名", order=1)
    return {
        "theme": theme,
        "departments": depts,
        "matters": matters,
        "items": {"a": a, "b": b, "c": c, "d": d},
    }
