"""Websocket routes of the remote window: WebRTC signalling between the two peers."""

from django.urls import path

from yishi.remote.consumers import RemoteSessionConsumer

websocket_urlpatterns = [
    path("ws/remote/<int:session_id>/", RemoteSessionConsumer.as_asgi()),
]
