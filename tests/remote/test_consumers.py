"""The session's websocket through the project's ASGI application: it admits exactly the
resident of the ticket and the clerk who called it; a stranger, another clerk, an anonymous
visitor and a foreign origin are refused at the handshake. Signalling goes only to the other
member; a field the clerk fills reaches the resident with its label and the new digest."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from tests.assist.test_consumers import run
from tests.remote.factories import live, make_world
from yishi.asgi import application
from yishi.remote.models import RemoteMessage

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(session_id: int, user=None, origin: str = "http://testserver"):
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/remote/{session_id}/", headers=headers)


async def _connect(session_id, user=None, origin="http://testserver"):
    comm = await sync_to_async(_communicator)(session_id, user, origin)
    connected, _ = await comm.connect()
    return comm, connected


def _world():
    w = make_world()
    return w, live(w)


@run
async def test_the_two_members_signal_each_other_and_nobody_else_gets_it():
    w, session = await sync_to_async(_world)()
    person, ok1 = await _connect(session.pk, w.resident.user)
    clerk, ok2 = await _connect(session.pk, w.clerk.user)
    assert ok1 and ok2
    joined = await person.receive_json_from(timeout=5)
    assert joined == {"event": "peer", "role": "clerk", "state": "joined"}
    offer = {"description": {"type": "offer", "sdp": "v=0 fake"}}
    await clerk.send_json_to({"type": "signal", "data": offer})
    got = await person.receive_json_from(timeout=5)
    assert got == {"event": "signal", "from": "clerk", "data": offer}
    assert await clerk.receive_nothing(timeout=0.3)  # not echoed to the sender
    await person.disconnect()
    await clerk.disconnect()


@run
async def test_strangers_other_clerks_anonymous_visitors_and_foreign_origins_are_refused():
    w, session = await sync_to_async(_world)()
    for user in (w.stranger.user, w.other_clerk.user, w.lead.user, w.admin.user, None):
        comm, ok = await _connect(session.pk, user)
        assert not ok
        await comm.disconnect()
    comm, ok = await _connect(session.pk, w.resident.user, origin="http://evil.example")
    assert not ok
    await comm.disconnect()


@run
async def test_a_field_the_clerk_types_reaches_the_resident_and_the_resident_cannot_fill():
    w, session = await sync_to_async(_world)()
    person, _ = await _connect(session.pk, w.resident.user)
    clerk, _ = await _connect(session.pk, w.clerk.user)
    await person.receive_json_from(timeout=5)  # the clerk joined
    await clerk.send_json_to({"type": "field", "key": "address", "value": "张家村3组"})
    got = await person.receive_json_from(timeout=5)
    assert got["event"] == "field" and got["label"] == "联系地址" and got["value"] == "张家村3组"
    assert len(got["digest"]) == 64 and got["confirmed"] is False
    await person.send_json_to({"type": "field", "key": "address", "value": "别处"})
    refused = await person.receive_json_from(timeout=5)
    assert refused == {"event": "error", "message": "无法识别的消息"}
    await person.send_json_to({"type": "chat", "body": "您好"})
    for comm in (person, clerk):
        line = await comm.receive_json_from(timeout=5)
        if line["event"] == "field":
            line = await comm.receive_json_from(timeout=5)
        assert line["event"] == "chat" and line["sender"] == "person" and line["body"] == "您好"
    assert await sync_to_async(RemoteMessage.objects.filter(session=session).count)() == 1
    await person.disconnect()
    await clerk.disconnect()
