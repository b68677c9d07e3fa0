"""People factories: synthetic ID numbers and credit codes with valid check digits."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from yishi.core.fields import blind_index
from yishi.core.synthetic import make_mobile, make_name, make_ric, make_uscc
from yishi.people.models import Company, CompanyAgent, Person


class PersonFactory(factory.django.DjangoModelFactory):
    """A person as `person_register` would store them (index, birth date and sex from the ID)."""

    class Meta:
        model = Person

    class Params:
        birth = datetime.date(1990, 1, 1)
        gender = "M"
        region = "420702"
        female = factory.Trait(gender="F")
        elderly = factory.Trait(birth=datetime.date(1950, 6, 1))
        no_phone = factory.Trait(phone="")

    name = factory.Sequence(make_name)
    id_number = factory.LazyAttributeSequence(
        lambda o, n: make_ric(o.region, o.birth, seq=n, sex=o.gender)
    )
    id_number_index = factory.LazyAttribute(lambda o: blind_index(o.id_number))
    birth_date = factory.SelfAttribute("birth")
    sex = factory.SelfAttribute("gender")
    region_code = factory.SelfAttribute("region")
    phone = factory.Sequence(make_mobile)
    phone_index = factory.LazyAttribute(lambda o: blind_index(o.phone) if o.phone else "")


class CompanyFactory(factory.django.DjangoModelFactory):
    """A registered company; `rep=person` makes the registry name that person (by name and ID
    number) as its legal representative."""

    class Meta:
        model = Company

    class Params:
        rep = None

    name = factory.Sequence(lambda n: f"鄂州市梁子湖区测试商贸有限公司{n}")
    uscc = factory.Sequence(lambda n: make_uscc("420702", seq=n))
    legal_representative = factory.LazyAttributeSequence(
        lambda o, n: o.rep.name if o.rep else make_name(n)
    )
    legal_representative_id_number = factory.LazyAttribute(
        lambda o: o.rep.id_number if o.rep else ""
    )
    legal_representative_id_number_index = factory.LazyAttribute(
        lambda o: (
            blind_index(o.legal_representative_id_number)
            if o.legal_representative_id_number
            else ""
        )
    )
    region_code = "420702"
    address = "湖北省鄂州市梁子湖区太和镇测试路1号"


def _in_a_year() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=365)


def _yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


class CompanyAgentFactory(factory.django.DjangoModelFactory):
    """A claim to act for a company: an agent with every scope for a year, pending until
    `verified` (window staff confirmed it). Traits: `legal_rep`, `expired`, `revoked`."""

    class Meta:
        model = CompanyAgent

    class Params:
        verified = factory.Trait(
            verified_at=factory.LazyFunction(timezone.now),
            verification=CompanyAgent.Verification.COUNTER,
        )
        legal_rep = factory.Trait(
            role=CompanyAgent.Role.LEGAL_REPRESENTATIVE, authorised_until=None
        )
        expired = factory.Trait(authorised_until=factory.LazyFunction(_yesterday))
        revoked = factory.Trait(revoked_at=factory.LazyFunction(timezone.now))

    company = factory.SubFactory(CompanyFactory)
    person = factory.SubFactory(PersonFactory)
    role = CompanyAgent.Role.AGENT
    scopes = factory.LazyFunction(lambda: list(CompanyAgent.Scope.values))
    authorised_until = factory.LazyFunction(_in_a_year)
