from django.urls import path

from yishi.assist.consumers import AssistChatConsumer

websocket_urlpatterns = [
    path("ws/assist/<int:request_id>/", AssistChatConsumer.as_asgi()),
]
