from __future__ import annotations

import itertools

import pytest

from tests.cases.conftest import ACCEPT_DAY
from yishi.cases.models import Application, CaseEvent, SubCase
from yishi.cases.services import application_accept
from yishi.cases.transitions import (
    APPLICATION_ACTIONS,
    APPLICATION_TRANSITIONS,
    SUBCASE_ACTIONS,
    SUBCASE_TRANSITIONS,
    transition,
)
from yishi.core.errors import Conflict

pytestmark = pytest.mark.django_db

ILLEGAL_APPLICATION = [
    (state, action)
    for state, action in itertools.product(Application.Status.values, APPLICATION_ACTIONS)
    if (state, action) not in APPLICATION_TRANSITIONS
]
ILLEGAL_SUBCASE = [
    (state, action)
    for state, action in itertools.product(SubCase.Status.values, SUBCASE_ACTIONS)
    if (state, action) not in SUBCASE_TRANSITIONS
]


def test_the_tables_leave_illegal_pairs_to_refuse():
    assert len(ILLEGAL_APPLICATION) == len(Application.Status.values) * len(
        APPLICATION_ACTIONS
    ) - len(APPLICATION_TRANSITIONS)
    assert ("completed", "accept") in ILLEGAL_APPLICATION
    assert ("approved", "approve") in ILLEGAL_SUBCASE


@pytest.mark.parametrize(("state", "action"), ILLEGAL_APPLICATION)
def test_an_illegal_application_transition_is_refused_with_409(submitted, state, action):
    Application.objects.filter(pk=submitted.pk).update(status=state)
    events = CaseEvent.objects.count()
    with pytest.raises(Conflict) as caught:
        transition(submitted, action)
    assert caught.value.status == 409
    label = Application.Status(state).label
    assert f"当前状态为“{label}”" in caught.value.message
    assert Application.objects.get(pk=submitted.pk).status == state
    assert CaseEvent.objects.count() == events


@pytest.mark.parametrize(("state", "action"), ILLEGAL_SUBCASE)
def test_an_illegal_subcase_transition_is_refused_with_409(submitted, window, state, action):
    application_accept(application=submitted, staff=window.user, today=ACCEPT_DAY)
    subcase = submitted.subcases.first()
    SubCase.objects.filter(pk=subcase.pk).update(status=state)
    with pytest.raises(Conflict) as caught:
        transition(subcase, action)
    assert caught.value.status == 409
    assert f"子件当前状态为“{SubCase.Status(state).label}”" in caught.value.message
    assert SubCase.objects.get(pk=subcase.pk).status == state


@pytest.mark.parametrize(("pair", "target"), list(APPLICATION_TRANSITIONS.items()))
def test_every_allowed_application_transition_writes_an_event(submitted, pair, target):
    state, action = pair
    Application.objects.filter(pk=submitted.pk).update(status=state)
    done = transition(submitted, action, note="测试")
    assert done.status == target
    event = CaseEvent.objects.filter(application=submitted).latest("id")
    assert (event.action, event.from_status, event.to_status) == (action, state, target)
