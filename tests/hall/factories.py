"""Hall factories: an outlet with queues A (综合), B (专业) and V (绿色通道), windows."""

from __future__ import annotations

import factory

from yishi.hall.models import Outlet, Queue, Window


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"outlet-{n}")
    name = factory.Sequence(lambda n: f"测试政务服务中心{n}")
    kind = Outlet.Kind.DISTRICT
    region_code = "420702"
    address = "鄂州市梁子湖区（示例地址）"
    sample_location = True


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    outlet = factory.SubFactory(OutletFactory)
    letter = "A"
    name = "综合受理"
    mean_service_minutes = 8


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window
        skip_postgeneration_save = True

    outlet = factory.SubFactory(OutletFactory)
    number = factory.Sequence(lambda n: n + 1)
    kind = Window.Kind.GENERAL
    serves_all = False

    @factory.post_generation
    def queues(self, create, extracted, **kwargs):
        if create and extracted:
            self.queues.set(extracted)
