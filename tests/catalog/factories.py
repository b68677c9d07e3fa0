"""Catalog factories: every element filled, so a matter made here is a complete guide."""

from __future__ import annotations

import factory

from yishi.catalog.models import Department, Material, Matter, Region, RegionLevel, Topic


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "420702"
    name = "梁子湖区"
    level = RegionLevel.COUNTY
    parent = None


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"DEPT{n:03d}")
    name = factory.Sequence(lambda n: f"梁子湖区测试局{n}")
    short_name = "测试局"
    kind = Department.Kind.GOVERNMENT
    region = factory.SubFactory(RegionFactory)
    phone = "12345"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"主题{n}")
    audience = Topic.Audience.PERSON


class MatterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Matter
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"QR{n:05d}000-420702-T")
    basic_code = factory.LazyAttribute(lambda o: o.code.split("-")[0])
    name = factory.Sequence(lambda n: f"测试事项{n}")
    matter_type = "confirmation"
    level = RegionLevel.COUNTY
    region = factory.SubFactory(RegionFactory)
    department = factory.SubFactory(DepartmentFactory)
    audience = Matter.Audience.PERSON
    legal_basis = "《中华人民共和国行政许可法》"
    conditions = "符合法定条件的申请人"
    process = "申请—受理—审查—决定—送达"
    legal_limit_days = 20
    promised_limit_days = 5
    handling = Matter.Handling.PROMISED
    fee_required = False
    result_name = "准予许可决定书"
    result_type = Matter.ResultType.APPROVAL
    result_delivery = "窗口领取或邮寄送达"
    place = "梁子湖区政务服务中心"
    hours = "工作日 上午8:30-12:00 下午14:30-17:30"
    consult_phone = "12345"
    complaint_phone = "12345"
    online_depth = "full"
    visits = 0
    mobile = True
    status = Matter.Status.PUBLISHED

    class Params:
        instant = factory.Trait(handling=Matter.Handling.INSTANT, promised_limit_days=0)
        draft = factory.Trait(status=Matter.Status.DRAFT)


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    matter = factory.SubFactory(MatterFactory)
    order = factory.Sequence(int)
    name = "居民身份证"
    kind = "id_card"
    required = True
    form = Material.Form.ORIGINAL
    copies = 1
    source = Material.Source.APPLICANT
