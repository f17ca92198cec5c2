"""The demo chat consumer and its token authenticator.

Rooms come from the URL (``/ws/chat/{room}``); each connection joins its room's group after
authenticating. Mixins (presence, typing, rate limiting) compose in front of the consumer:
``class ChatConsumer(PresenceMixin, ..., AsyncJsonWebsocketConsumer[...])``; everything here
calls ``super()`` in hooks so they stack.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from chanx.mixins import BucketSpec, PresenceMixin, RateLimitMixin, TypingMixin
from demo.messages import (
    AnnouncementEvent,
    AnnouncementMessage,
    ChatMessage,
    ChatNotificationMessage,
    ChatNotificationPayload,
    UserJoinedMessage,
    UserPayload,
)

__all__ = ["DEMO_TOKENS", "ChatConsumer", "TokenAuthenticator", "room_group"]

#: Demo credentials: token -> user name. A real app looks tokens up in its user store.
DEMO_TOKENS = {"alice-token": "alice", "bob-token": "bob", "carol-token": "carol"}

_ROOM = re.compile(r"[A-Za-z0-9_-]{1,50}")


def room_group(room: str) -> str:
    """Channel layer group of a room."""
    return f"room_{room}"


class TokenAuthenticator(BaseAuthenticator):
    """Accepts ``?token=...`` from :data:`DEMO_TOKENS` and a well-formed room name."""

    security_schemes: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "token": {"type": "httpApiKey", "name": "token", "in": "query"}
    }

    async def authenticate(self) -> bool:
        room = str(self.path_params.get("room", ""))
        if not _ROOM.fullmatch(room):
            self.status_code, self.detail = 400, "Room names are 1-50 letters, digits, - or _"
            return False
        username = DEMO_TOKENS.get(self.get_query_param("token") or "")
        if username is None:
            self.status_code, self.detail = 401, "Unknown or missing token"
            return False
        self.user = username
        return True


@channel(name="chat", description="Chat rooms: messages broadcast to everyone in the room.")
class ChatConsumer(
    PresenceMixin, TypingMixin, RateLimitMixin, AsyncJsonWebsocketConsumer[AnnouncementEvent]
):
    """One chat connection, in the room named by the URL, with presence, typing and limits."""

    authenticator_class = TokenAuthenticator
    log_ignored_actions = ("ping", "pong")

    # Mixins: a page reload within 3 s is not a leave/join; 8 frames of burst, then one every
    # 2 s (enough to chat, and a person sees the countdown); a client flooding on is closed
    # (4429). Typing frames have their own, larger bucket, so a click on Send (a chat frame
    # and a typing_stop) costs one chat token and earns at most one rate_limited answer.
    presence_grace = 3.0
    rate_limit = BucketSpec(capacity=8, refill_rate=0.5)
    rate_limit_actions = {
        "typing_start": BucketSpec(capacity=30, refill_rate=5.0),
        "typing_stop": BucketSpec(capacity=30, refill_rate=5.0),
    }
    rate_limit_close_after = 50

    room: str

    async def post_authentication(self) -> None:
        """Join the room's group and tell the others, then let the mixins join the room."""
        self.room = self.scope["path_params"]["room"]
        group = room_group(self.room)
        assert self.channel_layer is not None
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)  # the mixins see it there and do not add it again
        await self.broadcast_message(
            UserJoinedMessage(payload=UserPayload(username=self.user, room=self.room)),
            groups=[group],
            exclude_current=True,
        )
        await super().post_authentication()

    def get_room_group(self) -> str:
        """The mixins share the room's own group instead of adding one."""
        return room_group(self.get_room_key())

    @ws_handler(summary="Liveness check")
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        """Answer a ping."""
        return PongMessage()

    @ws_handler(summary="Say something in the room", output_type=ChatNotificationMessage)
    async def handle_chat(self, message: ChatMessage) -> None:
        """Broadcast the line to everyone in the room, the sender included."""
        payload = ChatNotificationPayload(
            message=message.payload.message,
            username=self.user,
            room=self.room,
            sent_at=datetime.now(UTC).replace(microsecond=0),
        )
        await self.broadcast_message(ChatNotificationMessage(payload=payload))

    @event_handler(summary="Announcement pushed through the HTTP API")
    async def handle_announcement(self, event: AnnouncementEvent) -> AnnouncementMessage:
        """Forward an announcement to this client."""
        return AnnouncementMessage(payload=event.payload)
