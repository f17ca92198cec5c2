"""A kitchen-sink application covering every row of the AsyncAPI mapping (used by the tests).

``routes`` is an explicit ``(address, consumer)`` list; ``app`` is the same consumers on a
Starlette app (a plain route, a converter and a mount); ``UnroutedConsumer`` is never routed and
must never appear in a document.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.core.permissions import BasePermission
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseChannelEvent, BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class ChatPayload(BaseModel):
    """What a chat line carries."""

    message_text: str = Field(min_length=1, max_length=500, description="The text")
    reply_to: int | None = None


class Payload(BaseModel):
    """A payload named like another model (name clash on purpose)."""

    room_count: int = Field(ge=1)


class Other:
    """Namespace holding a second, different ``Payload``."""

    class Payload(BaseModel):
        """The other Payload."""

        label: str


class ChatMessage(BaseMessage):
    """A chat line sent by a client."""

    action: Literal["chat"] = "chat"
    payload: ChatPayload


class ChatNotification(BaseMessage):
    """A chat line broadcast to the room."""

    action: Literal["chat_notification"] = "chat_notification"
    payload: ChatPayload


class LogMessage(BaseMessage):
    """A line for the server log; nothing is answered."""

    action: Literal["log"] = "log"
    payload: str


class StatsRequest(BaseMessage):
    """Ask for statistics."""

    action: Literal["stats"] = "stats"
    payload: Payload


class StatsReply(BaseMessage):
    """Statistics."""

    action: Literal["stats_reply"] = "stats_reply"
    payload: Payload


class LabelReply(BaseMessage):
    """A label."""

    action: Literal["label_reply"] = "label_reply"
    payload: Other.Payload


class NotAllowed(BaseMessage):
    """Stats are not available."""

    action: Literal["not_allowed"] = "not_allowed"
    payload: str


class SecretJobEvent(BaseMessage):
    """Internal job event: never documented."""

    action: Literal["secret_job"] = "secret_job"
    payload: dict[str, int]


class JobStatus(BaseMessage):
    """Status of a background job."""

    action: Literal["job_status"] = "job_status"
    payload: dict[str, int]


class InternalNotifyEvent(BaseChannelEvent):
    """An internal event routed by ``handler``: never documented."""

    handler: Literal["internal_notify"] = "internal_notify"
    payload: str


class SystemNotification(BaseMessage):
    """A system notice."""

    action: Literal["system_notification"] = "system_notification"
    payload: str


class UserJoined(BaseMessage):
    """Someone joined (forwarded unchanged)."""

    action: Literal["user_joined"] = "user_joined"
    payload: str


class UserLeft(BaseMessage):
    """Someone left (forwarded unchanged)."""

    action: Literal["user_left"] = "user_left"
    payload: str


class ExtraInfo(BaseMessage):
    """A message with a strict model config."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["extra_info"] = "extra_info"
    payload: tuple[str, int]


class IsStaff(BasePermission):
    """Only staff may read the statistics."""

    def has_permission(self, consumer: Any, message: Any) -> bool:
        return bool(getattr(consumer.user, "is_staff", False))


class TokenAuthenticator(BaseAuthenticator):
    """Accepts ``?token=secret``."""

    security_schemes = {
        "queryToken": {
            "type": "httpApiKey",
            "name": "token",
            "in": "query",
            "description": "Token in the query string",
        }
    }

    async def authenticate(self) -> bool:
        return self.get_query_param("token") == "secret"


@channel(name="kitchen", description="Every mapping row in one consumer", tags=["chat", "demo"])
class KitchenConsumer(AsyncJsonWebsocketConsumer[SecretJobEvent]):
    authenticator_class = TokenAuthenticator
    send_completion = True
    passthrough_events = [UserJoined, UserLeft]

    @ws_handler(summary="Liveness probe", tags=["health"])
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(
        summary="Send a chat line",
        description="Broadcast to the room.",
        output_type=ChatNotification,
        tags=["chat"],
    )
    async def handle_chat(self, message: ChatMessage) -> None:
        await self.broadcast_message(ChatNotification(payload=message.payload))

    @ws_handler
    async def handle_log(self, message: LogMessage) -> None:
        """Write the line to the server log."""

    @ws_handler(permission_classes=[IsStaff])
    async def handle_stats(self, message: StatsRequest) -> StatsReply | NotAllowed:
        return NotAllowed(payload="no")

    @ws_handler(output_type=LabelReply)
    async def handle_extra(self, message: ExtraInfo) -> None:
        return None

    @event_handler
    async def handle_job(self, event: SecretJobEvent) -> JobStatus:
        return JobStatus(payload=event.payload)

    @event_handler(output_type=SystemNotification, summary="System notice")
    async def handle_internal(self, event: InternalNotifyEvent) -> None:
        await self.send_message(SystemNotification(payload=event.payload))

    @event_handler
    async def handle_user_left(self, event: UserLeft) -> UserLeft:
        """Explicit handler: wins over the passthrough of UserLeft."""
        return event


@channel(description="camelCase on the wire")
class CamelConsumer(AsyncJsonWebsocketConsumer):
    """Docstring not used: @channel gives a description."""

    camelize = True

    @ws_handler
    async def handle_chat(self, message: ChatMessage) -> ChatNotification:
        return ChatNotification(payload=message.payload)


class PlainConsumer(AsyncJsonWebsocketConsumer):
    """A consumer without @channel: name and description from the class."""

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


class UnroutedConsumer(AsyncJsonWebsocketConsumer):
    """Never routed: must not be documented."""

    @ws_handler
    async def handle_log(self, message: LogMessage) -> None:
        return None


routes = [
    ("/ws/kitchen/{room}", KitchenConsumer),
    ("/ws/camel/{room}/{user_id}", CamelConsumer.as_asgi()),
    ("/ws/plain", PlainConsumer),
]

app = Starlette(
    routes=[
        WebSocketRoute("/ws/kitchen/{room}", KitchenConsumer.as_asgi()),
        Mount(
            "/ws/camel",
            routes=[WebSocketRoute("/{room}/{user_id:int}", CamelConsumer.as_asgi())],
        ),
        WebSocketRoute("/ws/plain", PlainConsumer.as_asgi()),
    ]
)
