"""Every request has an id: the client's X-Request-ID when it is safe, else a new one. It comes
back in the response header and stands on every log line written for the request, under WSGI
and ASGI and in a thread the request starts with its context. Lines are read as the
production JSON formatter of settings.LOGGING writes them, with the personal-data mask."""

from __future__ import annotations

import concurrent.futures
import contextvars
import io
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import AsyncClient
from django.utils.module_loading import import_string

from yishi.core.request_id import RequestIdMiddleware
from yishi.core.synthetic import make_ric

RIC = make_ric(seq=52, sex="F")
RIC_MASKED = RIC[:4] + "*" * 10 + RIC[-4:]
HEX_ID = re.compile(r"[0-9a-f]{32}")


def _built(config: dict):
    """An object as logging.config builds it from a settings.LOGGING entry with "()"."""
    options = dict(config)
    return import_string(options.pop("()"))(**options)


@pytest.fixture
def json_lines() -> Iterator[Callable[[], list[dict]]]:
    """What a handler configured as production's console writes (the JSON formatter, the
    request-id filter, the mask), attached to the root logger: a function that parses the
    lines written so far."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(_built(settings.LOGGING["formatters"]["json"]))
    for name in settings.LOGGING["handlers"]["console"]["filters"]:
        handler.addFilter(_built(settings.LOGGING["filters"][name]))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def _access(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "yishi.access"]


def test_a_clients_safe_id_is_kept_and_found_on_the_requests_log_lines(db, client, json_lines):
    report = {"csp-report": {"effective-directive": "script-src", "blocked-uri": "inline"}}

    response = client.post(
        "/csp-report/?from=q",
        json.dumps(report),
        content_type="application/csp-report",
        HTTP_X_REQUEST_ID="lb-7f3a9c21.trace",
    )

    assert response.status_code == 204
    assert response["X-Request-ID"] == "lb-7f3a9c21.trace"
    by_logger = {line["logger"]: line for line in json_lines()}
    # The view's own warning and the access line both carry the id.
    assert by_logger["yishi.core.csp_report"]["request_id"] == "lb-7f3a9c21.trace"
    access = by_logger["yishi.access"]
    assert access["request_id"] == "lb-7f3a9c21.trace"
    assert access["method"] == "POST"
    assert access["path"] == "/csp-report/"  # no query string
    assert access["status"] == 204
    assert isinstance(access["duration_ms"], float)
    assert access["user_id"] is None
    assert access["level"] == "INFO" and "time" in access


@pytest.mark.parametrize(
    "given", ["short", "has space 1234", "x" * 65, "line\nbreak-123456", "含中文的请求标识符号"]
)
def test_an_unsafe_or_missing_id_is_replaced_by_a_new_one(db, client, json_lines, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    plain = client.get("/healthz")

    assert HEX_ID.fullmatch(response["X-Request-ID"])
    assert HEX_ID.fullmatch(plain["X-Request-ID"])
    assert response["X-Request-ID"] != plain["X-Request-ID"]


def test_a_signed_in_users_id_not_name_and_a_masked_path_are_logged(
    db, client, django_user_model, json_lines
):
    user = django_user_model.objects.create_user(username="13907110000", password="x")
    client.force_login(user)

    client.get(f"/matters/{RIC}/")  # a path with an ID number in it

    written = json.dumps(json_lines())
    access = _access(json_lines())[-1]
    assert access["user_id"] == user.pk
    assert access["path"] == f"/matters/{RIC_MASKED}/"
    assert RIC not in written and "13907110000" not in written


def test_the_id_reaches_log_lines_under_asgi(db, json_lines):
    response = async_to_sync(AsyncClient().get)(
        "/themes/", headers={"X-Request-ID": "asgi-req-000001"}
    )

    assert response["X-Request-ID"] == "asgi-req-000001"
    access = _access(json_lines())
    assert [line["request_id"] for line in access] == ["asgi-req-000001"]
    assert access[0]["status"] == 200


def test_a_thread_started_with_the_requests_context_logs_its_id(json_lines, rf):
    log = logging.getLogger("yishi.test.thread")

    def view(request):
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(contextvars.copy_context().run, log.warning, "in a helper thread").result()
        # A bare thread starts with an empty context: it carries no (stale) id.
        bare = threading.Thread(target=log.warning, args=("in a bare thread",))
        bare.start()
        bare.join()
        return HttpResponse("ok")

    request = rf.get("/x", HTTP_X_REQUEST_ID="thread-req-0001")
    RequestIdMiddleware(view)(request)
    log.warning("after the response, before it was closed")
    # What closing the response sends (without closing the test's database connection, as
    # Django's test client does too).
    request_finished.disconnect(close_old_connections)
    try:
        request_finished.send(sender=None)
    finally:
        request_finished.connect(close_old_connections)
    log.warning("after the response was closed")

    ids = {line["message"]: line["request_id"] for line in json_lines()}
    assert ids["in a helper thread"] == "thread-req-0001"
    assert ids["in a bare thread"] == "-"
    # Django logs a 4xx/5xx answer after the middleware returned: the id is still there.
    assert ids["after the response, before it was closed"] == "thread-req-0001"
    assert ids["after the response was closed"] == "-"


def test_a_traceback_in_a_json_line_is_masked(json_lines):
    try:
        raise ValueError(f"no person {RIC}")
    except ValueError:
        logging.getLogger("yishi.test").exception("lookup of %s failed", RIC)

    line = json_lines()[-1]
    assert line["message"] == f"lookup of {RIC_MASKED} failed"
    assert f"ValueError: no person {RIC_MASKED}" in line["exc_info"]
    assert RIC not in json.dumps(line)


def test_text_passed_as_extra_is_masked_and_a_request_object_is_left_out(json_lines, rf):
    logging.getLogger("yishi.test").warning(
        "note", extra={"phone": "13907110000", "request": rf.get(f"/x?id={RIC}")}
    )

    line = json_lines()[-1]
    assert line["phone"] == "139****0000"
    assert "request" not in line
