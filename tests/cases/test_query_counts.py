"""The apply→accept cycle reads and writes a fixed number of times: guards against a query
per item, per matter or per dependency creeping back into submission and acceptance
(accept of the 4-item chain theme took 70 queries on SQLite before, submit 28)."""

from __future__ import annotations

import pytest
from django.db import connection

from yishi.cases.models import Application, SubCase
from yishi.cases.services import application_accept, application_submit
from yishi.themes import queries as theme_queries

pytestmark = pytest.mark.django_db

# PostgreSQL serialises every audit append with an advisory lock: one query more per
# transition (accept: the accept and two starts; submit: the submit).
PG = connection.vendor == "postgresql"

# Accepting A → B → C plus D: the window check (profile and roles), the accept transition, the first owner, the
# theme, its items with their matters and dependencies, the questions, the matter versions (one
# query), one insert of the sub-cases and one of their dependencies, the chain deadlines, the
# pauses, the starts of A and D (one timeline insert with the accept), the notification;
# working-day calendar reads and the savepoints of each transition and audit append included.
ACCEPT_QUERIES = 18 if PG else 17
# Submitting it (no Idempotency-Key): the account, the row and its number, the submit
# event, the notification and its SMS, the audit append; no savepoint of its own inside the
# test's transaction. A cold process also reads the district's service centre (once a minute).
SUBMIT_QUERIES = 9 if PG else 8
# A cold worker reads the theme's structure once: the theme, questions, items, their
# materials and prerequisites, the fields and their mappings.
THEME_QUERIES = 7


def test_accepting_a_four_item_chain_theme_takes_a_fixed_number_of_queries(
    chain, submitted, window, django_assert_num_queries
):
    # The submission cached the theme's structure in this process, as a worker would have.
    with django_assert_num_queries(ACCEPT_QUERIES):
        application_accept(application=submitted, staff=window.user)
    subcases = {s.matter_id: s for s in SubCase.objects.filter(application=submitted)}
    a, b, c, d = (subcases[chain["matters"][k].pk] for k in "abcd")
    assert [list(s.depends_on.all()) for s in (a, b, c, d)] == [[], [a], [b], []]
    assert [s.status for s in (a, b, c, d)] == ["pending", "waiting", "waiting", "pending"]
    assert [s.order for s in (a, b, c, d)] == [0, 1, 2, 3]
    app = Application.objects.get(pk=submitted.pk)
    assert (app.promised_chain_days, app.legal_chain_days) == (10, 20)


def test_submitting_a_theme_application_takes_a_fixed_number_of_queries(
    chain, applicant, django_assert_num_queries
):
    theme_queries._prepared.clear()  # the first submission in this process reads the theme
    with django_assert_num_queries(SUBMIT_QUERIES + THEME_QUERIES + 1):
        application_submit(
            user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "李四"}
        )
    with django_assert_num_queries(SUBMIT_QUERIES):
        app = application_submit(
            user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
        )
    assert app.status == Application.Status.SUBMITTED
    assert app.answers == {}
    assert app.form_data == {"name": "张三"}
