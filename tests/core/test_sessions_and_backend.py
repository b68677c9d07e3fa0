"""The session store and the staff backend read with precompiled statements but keep
Django's rules: an expired session logs nobody in, an inactive user is nobody, a
malformed key is nobody."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone

from yishi.core.auth import ModelBackend
from yishi.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_saved_session_loads_and_an_expired_one_does_not():
    store = SessionStore()
    store["who"] = "王示范"
    store.save()
    assert SessionStore(store.session_key).load() == {"who": "王示范"}

    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert SessionStore(store.session_key).load() == {}


def test_a_stale_key_is_dropped_so_a_changed_session_is_saved_under_a_new_one():
    stale = SessionStore("x" * 32)  # a cookie whose row expired or was deleted
    assert stale.load() == {}
    stale["ticket"] = "A001"
    stale.save()
    assert stale.session_key != "x" * 32
    assert SessionStore(stale.session_key).load() == {"ticket": "A001"}


def test_the_backend_returns_active_users_only():
    user = get_user_model().objects.create_user("clerk", password="Clerk-pass-1")
    backend = ModelBackend()
    assert backend.get_user(user.pk) == user
    assert backend.get_user(str(user.pk)).username == "clerk"  # as the session stores it
    assert backend.get_user("not-a-number") is None
    assert backend.get_user(user.pk + 1000) is None
    user.is_active = False
    user.save()
    assert backend.get_user(user.pk) is None


def test_a_logged_in_client_is_recognised_through_both(client):
    user = get_user_model().objects.create_user("clerk2", password="Clerk-pass-1", is_staff=True)
    assert client.login(username="clerk2", password="Clerk-pass-1")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response.wsgi_request.user == user
