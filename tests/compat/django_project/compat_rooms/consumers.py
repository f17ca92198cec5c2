from rest_framework.permissions import IsAuthenticated

from chanx.channels.authenticator import DjangoAuthenticator
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from compat_rooms.messages import (
    AnnouncementEvent,
    AnnouncementMessage,
    ChatLineMessage,
    ChatLinePayload,
    ChatMessage,
)
from compat_rooms.models import Room
from compat_rooms.permissions import IsRoomMember


class RoomAuthenticator(DjangoAuthenticator):
    permission_classes = [IsAuthenticated, IsRoomMember]
    queryset = Room.objects.all()
    lookup_url_kwarg = "room_id"
    obj: Room

    def get_object(self):
        # the documented override: narrow or log, then let DRF look it up
        return super().get_object()


@channel(name="rooms", description="Chat between the members of a room", tags=["rooms"])
class RoomConsumer(AsyncJsonWebsocketConsumer[AnnouncementEvent]):
    authenticator_class = RoomAuthenticator
    authenticator: RoomAuthenticator

    async def post_authentication(self):
        group = f"room_{self.authenticator.obj.pk}"
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)

    @ws_handler(summary="Liveness probe")
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(summary="Say something to the room", output_type=ChatLineMessage)
    async def handle_chat(self, message: ChatMessage) -> None:
        await self.broadcast_message(
            ChatLineMessage(
                payload=ChatLinePayload(
                    text=message.payload.text,
                    author=self.authenticator.user.username,
                    room=self.authenticator.obj.name,
                )
            )
        )

    @event_handler
    async def announcement(self, event: AnnouncementEvent) -> AnnouncementMessage:
        return AnnouncementMessage(payload=event.payload)
