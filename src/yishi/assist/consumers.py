"""The chat's live side: one websocket per open chat page at /ws/assist/<id>/, joined to the
request's group. Who may join is the app's access policy (the person, by account or by the
session that opened it; staff who see the request); a stranger is refused at the handshake.
Messages sent here are stored through the same service as the pages' form."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from yishi.assist import access, services
from yishi.assist.models import AssistRequest
from yishi.core.errors import DomainError


@database_sync_to_async
def _admit(user: Any, session: Any, request_id: int) -> tuple[bool, bool]:
    """(may join, as clerk)."""
    request = AssistRequest.objects.select_related("account").filter(pk=request_id).first()
    if request is None:
        return False, False
    if access.is_owner(user, session, request):
        return True, False
    if access.is_assist_staff(user) and access.may_staff(user, request):
        return True, True
    return False, False


@database_sync_to_async
def _post(user: Any, request_id: int, body: str, as_clerk: bool) -> str:
    request = AssistRequest.objects.get(pk=request_id)
    try:
        services.message_post(request=request, user=user, body=body, as_clerk=as_clerk)
    except DomainError as exc:
        return exc.message
    return ""


class AssistChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.request_id = int(self.scope["url_route"]["kwargs"]["request_id"])
        user = self.scope.get("user")
        allowed, self.as_clerk = await _admit(user, self.scope.get("session"), self.request_id)
        if not allowed:
            await self.close(code=4403)
            return
        self.group = services.group_name(self.request_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "message":
            await self.send_json({"event": "error", "message": "无法识别的消息"})
            return
        body = content.get("body")
        if not isinstance(body, str):
            await self.send_json({"event": "error", "message": "请填写消息内容"})
            return
        error = await _post(self.scope.get("user"), self.request_id, body, self.as_clerk)
        if error:
            await self.send_json({"event": "error", "message": error})

    async def assist_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
