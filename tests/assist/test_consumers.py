"""The chat's websocket through the project's ASGI application: the person and staff who
see the request join its group and get each other's lines live; a stranger, an anonymous
visitor and another department's reviewer are refused at the handshake; a foreign origin
is refused."""

from __future__ import annotations

import functools
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client

from tests.assist.factories import chat_about_draft
from yishi.asgi import application
from yishi.assist import services
from yishi.assist.models import AssistMessage

pytestmark = pytest.mark.django_db(transaction=True)


def run(test):
    """Run an async test body in an event loop of its own thread (no pytest-asyncio here;
    and a browser test's Playwright may keep a loop running in the main thread). The
    database rows are committed (transactional test), so that thread sees them."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        failure: list[BaseException] = []

        def body() -> None:
            try:
                async_to_sync(test)(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
                failure.append(exc)
            finally:
                connections.close_all()

        thread = threading.Thread(target=body)
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the websocket test did not finish"
        if failure:
            raise failure[0]

    return wrapper


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _communicator(request_id: int, user=None, origin: str = "http://testserver"):
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if user is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={_cookie(user)}".encode()))
    return WebsocketCommunicator(application, f"/ws/assist/{request_id}/", headers=headers)


async def _connect(request_id, user=None, origin="http://testserver"):
    comm = await sync_to_async(_communicator)(request_id, user, origin)
    connected, _ = await comm.connect()
    return comm, connected


@run
async def test_person_and_clerk_chat_live(w):
    r = await sync_to_async(chat_about_draft)(w)
    person, ok1 = await _connect(r.pk, w.resident.user)
    clerk, ok2 = await _connect(r.pk, w.clerk.user)
    assert ok1 and ok2
    await clerk.send_json_to({"type": "message", "body": "您好，我来帮您"})
    got = await person.receive_json_from(timeout=5)
    assert got["event"] == "message" and got["sender"] == "clerk"
    assert got["body"] == "您好，我来帮您" and got["who"] == "帮办人员李帮办"
    assert (await clerk.receive_json_from(timeout=5))["id"] == got["id"]
    await person.send_json_to({"type": "message", "body": "谢谢"})
    assert (await clerk.receive_json_from(timeout=5))["sender"] == "person"
    await person.receive_json_from(timeout=5)
    stored = await sync_to_async(list)(
        AssistMessage.objects.filter(request=r).values_list("sender", flat=True)
    )
    assert stored == ["person", "clerk", "person"]
    await person.disconnect()
    await clerk.disconnect()


@run
async def test_proposal_reaches_the_person_live(w):
    r = await sync_to_async(chat_about_draft)(w)
    person, ok = await _connect(r.pk, w.resident.user)
    assert ok
    await sync_to_async(services.proposal_make)(
        request=r, clerk=w.clerk.user, field_key="name", value="王小明"
    )
    got = await person.receive_json_from(timeout=5)
    assert got["event"] == "proposal" and got["label"] == "申请人姓名" and got["value"] == "王小明"
    await person.disconnect()


@pytest.mark.parametrize("who", ["stranger", "anonymous", "other_reviewer"])
@run
async def test_outsiders_cannot_join(w, who):
    r = await sync_to_async(chat_about_draft)(w)
    user = {
        "stranger": w.stranger.user,
        "anonymous": None,
        "other_reviewer": w.other_reviewer.user,
    }[who]
    comm, connected = await _connect(r.pk, user)
    assert not connected
    await comm.disconnect()


@run
async def test_department_reviewer_may_join(w):
    r = await sync_to_async(chat_about_draft)(w)
    comm, connected = await _connect(r.pk, w.reviewer.user)
    assert connected
    await comm.disconnect()


@run
async def test_foreign_origin_is_refused(w):
    r = await sync_to_async(chat_about_draft)(w)
    comm, connected = await _connect(r.pk, w.resident.user, origin="http://evil.example")
    assert not connected
    await comm.disconnect()


@run
async def test_closed_request_refuses_new_lines(w):
    r = await sync_to_async(chat_about_draft)(w)
    await sync_to_async(services.request_conclude)(request=r, clerk=w.clerk.user, resolved=True)
    person, ok = await _connect(r.pk, w.resident.user)
    assert ok
    # The conclusion was sent before joining; the line is refused with a Chinese message.
    await person.send_json_to({"type": "message", "body": "还有问题"})
    got = await person.receive_json_from(timeout=5)
    assert got["event"] == "error" and "已解决" in got["message"]
    await person.disconnect()
