"""WebSocket routes of the chat app (Channels' counterpart of urls.py)."""

from chat.consumers import ChatConsumer
from django.urls import path

websocket_urlpatterns = [
    path("ws/chat/", ChatConsumer.as_asgi()),
]
