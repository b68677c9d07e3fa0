"""Idempotency-Key: one action per key, replayed answers, 409 for a reused key, 422 for a bad
one, exactly one action under concurrency (PostgreSQL), and expiry."""

from __future__ import annotations

import datetime
import decimal
import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI, Schema  # noqa: TID251  (a test-only API, mounted by this module)
from ninja.errors import ValidationError as NinjaValidationError  # noqa: TID251

from yishi.api import on_domain_error, on_validation_error
from yishi.core.audit import audit_append
from yishi.core.errors import Conflict, DomainError, ValidationFailed
from yishi.core.idempotency import (
    MESSAGE_BAD_KEY,
    MESSAGE_IN_PROGRESS,
    MESSAGE_MISSING_KEY,
    MESSAGE_OTHER_REQUEST,
    idempotency_purge,
    idempotent,
    idempotent_http,
    request_fingerprint,
)
from yishi.core.models import AuditEntry, IdempotencyRecord

SCOPE = "applications.submit"


def submit_action(label: str = "新生儿出生一件事", *, pause: float = 0.0):
    """An action with a visible side effect: one audit entry per run."""

    def action():
        entry = audit_append(action="application.submit", actor="申请人", data={"label": label})
        if pause:
            time.sleep(pause)  # hold the transaction open so a duplicate arrives meanwhile
        return 201, {"application": entry.pk, "label": label}, entry.pk

    return action


def run(key, request=None, *, owner="user:1", scope=SCOPE, action=None):
    return idempotent(
        key=key,
        scope=scope,
        owner=owner,
        request={"theme": "xsecs"} if request is None else request,
        action=action or submit_action(),
    )


# ---------------------------------------------------------------- the function


@pytest.mark.django_db
def test_the_same_key_twice_runs_the_action_once_and_answers_the_same():
    first = run("3f1c-key")
    second = run("3f1c-key")
    assert AuditEntry.objects.count() == 1
    entry = AuditEntry.objects.get()
    assert (first.status, first.body, first.resource_id) == (
        201,
        {"application": entry.pk, "label": "新生儿出生一件事"},
        str(entry.pk),
    )
    assert (second.status, second.body, second.resource_id) == (
        first.status,
        first.body,
        first.resource_id,
    )
    assert (first.replayed, second.replayed) == (False, True)
    record = IdempotencyRecord.objects.get()
    assert (record.status, record.response_status, record.response_body) == (
        "completed",
        201,
        first.body,
    )
    assert record.request_hash == request_fingerprint({"theme": "xsecs"})


@pytest.mark.django_db
def test_the_request_fingerprint_ignores_key_order():
    run("k", {"a": 1, "b": [1, 2]})
    assert run("k", {"b": [1, 2], "a": 1}).replayed is True
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_request_is_a_conflict():
    run("k-1", {"theme": "xsecs"})
    with pytest.raises(Conflict) as caught:
        run("k-1", {"theme": "qyks"})
    assert (caught.value.message, caught.value.field, caught.value.status) == (
        MESSAGE_OTHER_REQUEST,
        "Idempotency-Key",
        409,
    )
    assert MESSAGE_OTHER_REQUEST == "Idempotency-Key 已用于另一个请求"
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_owner_and_scope():
    run("k", owner="user:1")
    run("k", owner="user:2")
    run("k", owner="user:1", scope="appointments.book")
    assert AuditEntry.objects.count() == 3
    assert IdempotencyRecord.objects.count() == 3


@pytest.mark.django_db
def test_without_a_key_the_action_runs_every_time():
    run(None)
    run(None)
    assert AuditEntry.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    ["", " ", "two words", "键", "x" * 201, "tab\tkey", "bell\x07", "del\x7f"],
    ids=["empty", "space", "inner-space", "chinese", "201-chars", "tab", "control", "del"],
)
def test_a_malformed_key_is_refused_naming_the_header(key):
    with pytest.raises(ValidationFailed) as caught:
        run(key)
    assert (caught.value.message, caught.value.field, caught.value.status) == (
        MESSAGE_BAD_KEY,
        "Idempotency-Key",
        422,
    )
    assert AuditEntry.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["x" * 200, "a", "0b6f3a52-6c1e-4d1c-9d59-4a3c2d6f8e01", "~!@#"])
def test_keys_of_1_to_200_visible_ascii_characters_are_accepted(key):
    assert run(key).status == 201


@pytest.mark.django_db
def test_a_failed_action_stores_nothing_and_the_key_can_be_used_again():
    def failing():
        audit_append(action="application.submit", data={})
        raise ValidationFailed("申请人姓名必须填写", field="name")

    with pytest.raises(ValidationFailed):
        run("k", action=failing)
    assert AuditEntry.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0
    assert run("k").replayed is False
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_record_still_in_progress_answers_409_without_running():
    IdempotencyRecord.objects.create(
        key="k",
        scope=SCOPE,
        owner="user:1",
        request_hash=request_fingerprint({"theme": "xsecs"}),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    with pytest.raises(Conflict) as caught:
        run("k")
    assert caught.value.message == MESSAGE_IN_PROGRESS == "相同 Idempotency-Key 的请求正在处理"
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_an_action_re_entering_with_its_own_key_gets_409():
    def reentrant():
        return run("k", action=submit_action("inner"))

    with pytest.raises(Conflict) as caught:
        run("k", action=reentrant)
    assert caught.value.message == MESSAGE_IN_PROGRESS
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_dates_and_decimals_in_the_body_replay_as_the_same_json():
    def action():
        return 200, {"due": datetime.date(2026, 12, 1), "fee": decimal.Decimal("12.50")}

    first = run("k", action=action)
    second = run("k", action=action)
    assert first.body == second.body == {"due": "2026-12-01", "fee": "12.50"}
    assert (first.resource_id, second.replayed) == ("", True)


@pytest.mark.django_db
def test_records_expire_after_the_configured_hours(settings):
    settings.IDEMPOTENCY_TTL_HOURS = 2
    before = timezone.now()
    run("k")
    record = IdempotencyRecord.objects.get()
    assert (
        before + datetime.timedelta(hours=2)
        <= record.expires_at
        <= timezone.now() + datetime.timedelta(hours=2)
    )


@pytest.mark.django_db
def test_an_expired_key_no_longer_binds_and_runs_again():
    run("k", {"theme": "xsecs"})
    IdempotencyRecord.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    again = run("k", {"theme": "qyks"})
    assert again.replayed is False
    assert AuditEntry.objects.count() == 2
    assert IdempotencyRecord.objects.get().request_hash == request_fingerprint({"theme": "qyks"})


@pytest.mark.django_db
def test_purge_deletes_only_expired_records_and_the_command_reports_it():
    run("old-1")
    run("old-2")
    run("fresh")
    IdempotencyRecord.objects.filter(key__startswith="old").update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert idempotency_purge() == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    IdempotencyRecord.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    out = io.StringIO()
    call_command("purge_idempotency", stdout=out)
    assert out.getvalue() == "已删除 1 条过期幂等记录 / deleted 1 expired records\n"
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_the_admin_shows_records_read_only(admin_client):
    run("k")
    record = IdempotencyRecord.objects.get()
    listing = admin_client.get("/admin/core/idempotencyrecord/")
    detail = admin_client.get(f"/admin/core/idempotencyrecord/{record.pk}/change/")
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "applications.submit" in listing.content.decode()
    assert admin_client.get("/admin/core/idempotencyrecord/add/").status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_with_one_key_run_the_action_once():
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def client():
        try:
            barrier.wait()
            outcomes.append(run("same-key", action=submit_action(pause=0.3)))
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEntry.objects.count() == 1
    assert sorted(o.replayed for o in outcomes) == [False, True]
    assert outcomes[0].body == outcomes[1].body
    assert IdempotencyRecord.objects.get().status == "completed"


# ---------------------------------------------------------------- over HTTP

test_api = NinjaAPI(
    title="idempotency test", urls_namespace="idempotency_test", docs_url=None, openapi_url=None
)
test_api.add_exception_handler(DomainError, on_domain_error)
test_api.add_exception_handler(NinjaValidationError, on_validation_error)


class SubmitIn(Schema):
    theme: str
    applicant: str


@test_api.post("/applications")
def submit_application(request, payload: SubmitIn):
    data = payload.dict()
    return idempotent_http(
        request,
        scope=SCOPE,
        payload=data,
        action=submit_action(data["theme"]),
    )


urlpatterns = [path("api/idempotency-test/", test_api.urls)]
URL = "/api/idempotency-test/applications"
PROBLEM = "application/problem+json; charset=utf-8"
http = pytest.mark.urls(__name__)


def post(client, body, key=None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(URL, body, content_type="application/json", headers=headers)


@http
@pytest.mark.django_db
def test_a_double_post_with_one_key_creates_one_and_replays_the_answer(client):
    body = {"theme": "xsecs", "applicant": "张三"}
    first = post(client, body, key="a1b2")
    second = post(client, body, key="a1b2")
    entry = AuditEntry.objects.get()
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == {"application": entry.pk, "label": "xsecs"}
    assert second.content == first.content
    assert ("Idempotent-Replayed" in first, second["Idempotent-Replayed"]) == (False, "true")


@http
@pytest.mark.django_db
def test_a_reused_key_with_another_body_answers_409_problem(client):
    post(client, {"theme": "xsecs", "applicant": "张三"}, key="a1b2")
    response = post(client, {"theme": "xsecs", "applicant": "李四"}, key="a1b2")
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert (problem["detail"], problem["field"]) == (MESSAGE_OTHER_REQUEST, "Idempotency-Key")
    assert AuditEntry.objects.count() == 1


@http
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "message"),
    [(None, MESSAGE_MISSING_KEY), ("", MESSAGE_BAD_KEY), ("键", MESSAGE_BAD_KEY)],
)
def test_a_missing_or_malformed_key_answers_422_naming_the_header(client, key, message):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    response = client.post(
        URL, {"theme": "xsecs", "applicant": "张三"}, content_type="application/json", **headers
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert (response.json()["detail"], response.json()["field"]) == (message, "Idempotency-Key")
    assert AuditEntry.objects.count() == 0


@http
@pytest.mark.django_db
def test_two_users_may_use_the_same_key(client, django_user_model):
    body = {"theme": "xsecs", "applicant": "张三"}
    client.force_login(django_user_model.objects.create_user("zhang"))
    post(client, body, key="same")
    client.force_login(django_user_model.objects.create_user("li"))
    response = post(client, body, key="same")
    assert "Idempotent-Replayed" not in response
    assert AuditEntry.objects.count() == 2
    assert sorted(IdempotencyRecord.objects.values_list("owner", flat=True)) == sorted(
        f"user:{pk}" for pk in django_user_model.objects.values_list("pk", flat=True)
    )
