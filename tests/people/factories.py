"""People factories: synthetic ID numbers and credit codes with valid check digits."""

from __future__ import annotations

import datetime

import factory

from yishi.core.fields import blind_index
from yishi.core.synthetic import make_mobile, make_name, make_ric, make_uscc
from yishi.people.models import Company, Person


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
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"鄂州市梁子湖区测试商贸有限公司{n}")
    uscc = factory.Sequence(lambda n: make_uscc("420702", seq=n))
    legal_representative = factory.Sequence(make_name)
    region_code = "420702"
    address = "湖北省鄂州市梁子湖区太和镇测试路1号"
