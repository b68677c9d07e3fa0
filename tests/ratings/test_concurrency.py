"""Two ratings of the same target and stage at the same moment on PostgreSQL: one is kept,
the other is a conflict (409), and there is one row."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.concurrency_support import race
from tests.ratings.factories import completed
from yishi.ratings.models import FollowUp, Rating

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_ratings_of_the_same_target_at_once_give_one_rating_and_one_conflict(applicant):
    app = completed(applicant)
    body = json.dumps(
        {
            "target": {"kind": "application", "ref": app.number},
            "stage": "complete",
            "level": 1,
            "indicators": ["办事效率"],
        }
    )
    statuses: list[int] = []

    def rate():
        client = Client()
        client.force_login(applicant.user)
        statuses.append(
            client.post("/api/v1/ratings", body, content_type="application/json").status_code
        )

    outcomes = race(rate, rate)
    assert outcomes == ["ok", "ok"]
    assert sorted(statuses) == [201, 409]
    assert Rating.objects.count() == 1
    assert FollowUp.objects.count() == 1
