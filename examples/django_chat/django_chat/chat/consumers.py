"""The seed's "Complete Example: Chat Consumer", unchanged, plus a members-only variant.

Only imports are added (the seed page shows the consumer, not where its message types and
model live) and the code is formatted by ruff.
"""

from __future__ import annotations

from typing import Literal

from channels.db import database_sync_to_async
from rest_framework.permissions import IsAuthenticated

from chanx.channels.authenticator import DjangoAuthenticator
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.messages.base import BaseChannelEvent, BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from django_chat.chat.messages import (
    ChatNotificationMessage,
    ChatNotificationPayload,
    ChatPayload,
    JoinRoomPayload,
    MemberListMessage,
    MembersMessage,
    UserJoinedMessage,
    UserJoinedPayload,
    UserPayload,
)
from django_chat.chat.models import ChatRoom
from django_chat.chat.permissions import IsRoomMember

# -- the seed's complete example (its imports are sorted into the block above) --------------


# Messages
class ChatMessage(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: ChatPayload


class JoinRoomMessage(BaseMessage):
    action: Literal["join_room"] = "join_room"
    payload: JoinRoomPayload


# Events
class UserJoinedEvent(BaseChannelEvent):
    handler: Literal["user_joined"] = "user_joined"
    payload: UserPayload


# Authenticator
class RoomAuthenticator(DjangoAuthenticator):
    permission_classes = [IsAuthenticated]
    queryset = ChatRoom.objects.all()
    obj: ChatRoom


# Consumer (generic type is optional - either approach works)
@channel(name="room_chat", description="Real-time chat for specific rooms", tags=["chat", "rooms"])
class RoomChatConsumer(
    AsyncJsonWebsocketConsumer[UserJoinedEvent]
):  # Optional generic for type hints
    authenticator_class = RoomAuthenticator
    authenticator: RoomAuthenticator

    # Configuration
    log_ignored_actions = ["ping", "pong"]

    async def post_authentication(self) -> None:
        """Join room group after authentication."""
        room_group = f"room_{self.authenticator.obj.id}"
        await self.channel_layer.group_add(room_group, self.channel_name)
        self.groups.append(room_group)

    @ws_handler(summary="Handle chat messages", output_type=ChatNotificationMessage)
    async def handle_chat(self, message: ChatMessage) -> None:
        """Process and broadcast chat messages."""
        await self.broadcast_message(
            ChatNotificationMessage(
                payload=ChatNotificationPayload(
                    message=message.payload.message,
                    username=self.authenticator.user.username,
                    room_id=self.authenticator.obj.id,
                )
            )
        )

    @event_handler(output_type=UserJoinedMessage)
    async def user_joined(self, event: UserJoinedEvent) -> UserJoinedMessage:
        """Handle user join events from other parts of the app."""
        return UserJoinedMessage(
            payload=UserJoinedPayload(
                username=event.payload.username, message=f"{event.payload.username} joined the room"
            )
        )


# -- end of the seed's example ---------------------------------------------------------------


class MemberRoomAuthenticator(DjangoAuthenticator):
    """Object-level permission: private rooms admit their members only."""

    permission_classes = [IsAuthenticated, IsRoomMember]
    queryset = ChatRoom.objects.all()
    lookup_url_kwarg = "room_id"
    obj: ChatRoom


@channel(name="private_room", description="Rooms whose private variant admits members only")
class PrivateRoomConsumer(RoomChatConsumer):
    """The room chat behind an object permission, routed as ``ws/private/<room_id>/``."""

    authenticator_class = MemberRoomAuthenticator
    authenticator: MemberRoomAuthenticator  # type: ignore[assignment]

    async def post_authentication(self) -> None:
        """Join the room named in the URL (read from ``scope["path_params"]``)."""
        room_group = f"room_{self.scope['path_params']['room_id']}"
        await self.channel_layer.group_add(room_group, self.channel_name)
        self.groups.append(room_group)

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        """Liveness probe."""
        return PongMessage()

    @ws_handler
    async def handle_members(self, message: MembersMessage) -> MemberListMessage:
        """Database access from a handler goes through ``database_sync_to_async``, which
        closes stale connections around the call (so ``close_old_connections`` can stay off)."""
        names = await database_sync_to_async(member_names)(self.authenticator.obj)
        return MemberListMessage(payload=names)


def member_names(room: ChatRoom) -> list[str]:
    """Usernames of a room's members, sorted (runs in a worker thread)."""
    return sorted(room.members.values_list("username", flat=True))
