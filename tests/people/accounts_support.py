"""Helpers for the applicant-account tests: accounts as registration makes them, and the SMS
code read back from the outbox (where the SMS adapter would pick it up)."""

from __future__ import annotations

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from tests.people.factories import PersonFactory
from yishi.core.fields import blind_index
from yishi.core.models import OutboxMessage
from yishi.people.models import ApplicantAccount
from yishi.people.services import SMS_TOPIC, applicant_username

PASSWORD = "Lzh-qiao-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook
        if create:
            obj.save()


class ApplicantAccountFactory(factory.django.DjangoModelFactory):
    """A locally registered applicant whose password is PASSWORD."""

    class Meta:
        model = ApplicantAccount

    person = factory.SubFactory(PersonFactory)
    phone = factory.SelfAttribute("person.phone")
    phone_index = factory.LazyAttribute(lambda o: blind_index(o.phone))
    user = factory.SubFactory(
        UserFactory,
        username=factory.LazyAttribute(lambda u: applicant_username(u.factory_parent.phone_index)),
    )
    source = ApplicantAccount.Source.LOCAL
    verified_at = factory.LazyFunction(timezone.now)


def last_sms(phone: str) -> OutboxMessage:
    # Payloads are encrypted: the phone is matched in Python.
    messages = OutboxMessage.objects.filter(topic=SMS_TOPIC).order_by("-id")
    return next((m for m in messages if m.payload.get("phone") == phone), None)


def last_code(phone: str) -> str:
    return last_sms(phone).payload["code"]
