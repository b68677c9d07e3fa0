"""Invariants the database keeps whatever the code does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tests.credit.factories import ACCEPT_DAY, item
from tests.people.factories import CompanyFactory
from yishi.credit.commitments import commitment_sign
from yishi.credit.models import Commitment, CreditRecord
from yishi.credit.tasks import check_commitments

pytestmark = pytest.mark.django_db


def test_a_credit_record_names_exactly_one_subject(applicant):
    company = CompanyFactory()
    for subject in ({"person": applicant.person, "company": company}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CreditRecord.objects.create(
                **subject, kind="penalty", reason="x", occurred_on=dt.date(2026, 3, 2)
            )


def test_the_database_refuses_a_second_open_commitment_on_one_application(
    chain, submitted, applicant
):
    first = commitment_sign(
        application=submitted,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=ACCEPT_DAY,
    )
    fields = {
        f.attname: getattr(first, f.attname)
        for f in Commitment._meta.concrete_fields
        if not f.primary_key
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(**fields)
    Commitment.objects.filter(pk=first.pk).update(status=Commitment.Status.KEPT)
    Commitment.objects.create(**fields)  # a closed one does not block a new one


def test_the_daily_task_runs_the_check():
    assert check_commitments.call() == {"reminded": 0, "broken": 0}
