"""The live side of a remote session: one websocket per open session page at
/ws/remote/<id>/. It admits exactly the session's two members — the resident of the ticket
and the clerk who called it — and refuses anyone else at the handshake (4403). Through it:
WebRTC signalling (offer, answer, ICE candidates, which stream is which), relayed only to
the other member; chat lines and the clerk's form fields, stored through the services, which
push them to both pages; and the clerk's report that the call is connected (the ticket's
service starts)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from yishi.core.errors import DomainError
from yishi.remote import access, services
from yishi.remote.models import RemoteSession

SIGNAL_MAX = 64 * 1024  # an SDP with many candidates stays far below


@database_sync_to_async
def _admit(user: Any, session_id: int) -> str | None:
    session = RemoteSession.objects.filter(pk=session_id).first()
    if session is None or session.status != RemoteSession.Status.LIVE:
        return None
    return access.member_role(user, session)


@database_sync_to_async
def _act(user: Any, session_id: int, kind: str, content: dict[str, Any]) -> str:
    """Run one stored action; the error message, or ""."""
    session = RemoteSession.objects.select_related("ticket", "person").get(pk=session_id)
    try:
        if kind == "chat":
            services.message_post(session=session, user=user, body=content.get("body"))
        elif kind == "field":
            services.form_field_set(
                session=session,
                staff=user,
                key=str(content.get("key", "")),
                value=content.get("value"),
            )
        elif kind == "confirm":
            services.form_confirm(
                session=session,
                user=user,
                digest=str(content.get("digest", "")),
                signature=str(content.get("signature", "")),
            )
        elif kind == "connected":
            services.session_connected(session=session, user=user)
    except DomainError as exc:
        return exc.message
    return ""


class RemoteSessionConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.role = await _admit(self.scope.get("user"), self.session_id)
        if self.role is None:
            await self.close(code=4403)
            return
        self.group = services.group_name(self.session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # Tell the other member (if there) that this one arrived: the pair then negotiate.
        await self._relay({"event": "peer", "role": self.role, "state": "joined"})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self._relay({"event": "peer", "role": self.role, "state": "left"})
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _relay(self, payload: dict[str, Any]) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": "remote.event", "payload": payload, "sender": self.channel_name}
        )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json({"event": "error", "message": "无法识别的消息"})
            return
        kind = content.get("type")
        if kind == "signal":
            data = content.get("data")
            if not isinstance(data, dict) or len(str(data)) > SIGNAL_MAX:
                await self.send_json({"event": "error", "message": "无法识别的信令"})
                return
            await self._relay({"event": "signal", "from": self.role, "data": data})
            return
        if kind == "hello":  # "I am here too" in answer to a peer's arrival
            await self._relay({"event": "peer", "role": self.role, "state": "present"})
            return
        allowed = {"chat": True, "field": self.role == "clerk", "connected": self.role == "clerk"}
        allowed["confirm"] = self.role == "person"
        if not allowed.get(kind):
            await self.send_json({"event": "error", "message": "无法识别的消息"})
            return
        error = await _act(self.scope.get("user"), self.session_id, kind, content)
        if error:
            await self.send_json({"event": "error", "message": error})

    async def remote_event(self, event: dict[str, Any]) -> None:
        if event.get("sender") and event["sender"] == self.channel_name:
            return
        await self.send_json(event["payload"])
