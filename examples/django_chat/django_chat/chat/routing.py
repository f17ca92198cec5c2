"""WebSocket routes of the chat app."""

from __future__ import annotations

from django.urls import path

from django_chat.chat.consumers import PrivateRoomConsumer, RoomChatConsumer

websocket_urlpatterns = [
    path("ws/rooms/<int:pk>/", RoomChatConsumer.as_asgi()),
    path("ws/private/<int:room_id>/", PrivateRoomConsumer.as_asgi()),
]
