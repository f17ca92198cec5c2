"""The FastAPI app the client tests serve with uvicorn (``--app-dir`` this folder).

``/ws/room/{room}`` needs ``?token=secret`` (or header ``x-token: secret``; ``nope`` gets 403):
request/reply (``echo``), a broadcast to the room (``say``), a server event to the room
(``announce``), ping/pong (the heartbeat), and ``identify``/``whoami`` for first-frame data.
``/ws/camel`` camelizes the wire. ``POST /announce`` broadcasts an event from outside;
``/docs/asyncapi.json`` serves the document the checked-in clients are generated from.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field

from chanx.asyncapi.routes import asyncapi_router
from chanx.core.authenticator import BaseAuthenticator
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.fast_channels.layers import setup_layers
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

setup_layers(None)


class EchoPayload(BaseModel):
    """A numbered line."""

    seq: int
    text: str


class EchoMessage(BaseMessage):
    """Ask the server to answer with the same payload."""

    action: Literal["echo"] = "echo"
    payload: EchoPayload


class EchoReply(BaseMessage):
    """The server's answer to ``echo``."""

    action: Literal["echo_reply"] = "echo_reply"
    payload: EchoPayload


class SayMessage(BaseMessage):
    """A line for everyone in the room."""

    action: Literal["say"] = "say"
    payload: str


class SaidMessage(BaseMessage):
    """A line someone said, broadcast to the room."""

    action: Literal["said"] = "said"
    payload: str


class AnnounceMessage(BaseMessage):
    """Ask the server to announce something to the room through an event."""

    action: Literal["announce"] = "announce"
    payload: str


class AnnouncementEvent(BaseMessage):
    """Server-side event behind an announcement."""

    action: Literal["announcement_event"] = "announcement_event"
    payload: str


class Announcement(BaseMessage):
    """An announcement pushed by the server."""

    action: Literal["announcement"] = "announcement"
    payload: str


class IdentifyMessage(BaseMessage):
    """First frame: who this connection is."""

    action: Literal["identify"] = "identify"
    payload: str


class WhoAmIMessage(BaseMessage):
    """Ask which name the connection identified with."""

    action: Literal["whoami"] = "whoami"


class IdentityMessage(BaseMessage):
    """The name given by ``identify`` (empty before it)."""

    action: Literal["identity"] = "identity"
    payload: str


class TokenAuthenticator(BaseAuthenticator):
    """``?token=secret`` or header ``x-token: secret``; ``nope`` is forbidden (403)."""

    async def authenticate(self) -> bool:
        token = self.get_query_param("token") or self.get_header("x-token")
        if token == "nope":
            self.status_code = 403
        return token == "secret"


@channel(name="room", description="A chat room with request/reply, broadcasts and events.")
class RoomConsumer(AsyncJsonWebsocketConsumer[AnnouncementEvent]):
    authenticator_class = TokenAuthenticator
    groups = ["room"]
    name = ""

    @ws_handler(summary="Liveness probe")
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(summary="Echo a numbered line")
    async def handle_echo(self, message: EchoMessage) -> EchoReply:
        return EchoReply(payload=message.payload)

    @ws_handler(summary="Say a line to the room", output_type=SaidMessage)
    async def handle_say(self, message: SayMessage) -> None:
        await self.broadcast_message(SaidMessage(payload=message.payload))

    @ws_handler(summary="Announce to the room through a server event")
    async def handle_announce(self, message: AnnounceMessage) -> None:
        await self.broadcast_event(AnnouncementEvent(payload=message.payload))

    @ws_handler(summary="Name this connection")
    async def handle_identify(self, message: IdentifyMessage) -> None:
        self.name = message.payload

    @ws_handler(summary="The connection's name")
    async def handle_whoami(self, message: WhoAmIMessage) -> IdentityMessage:
        return IdentityMessage(payload=self.name)

    @event_handler
    async def on_announcement(self, event: AnnouncementEvent) -> Announcement:
        return Announcement(payload=event.payload)


class ShoutPayload(BaseModel):
    """camelCase on the wire."""

    user_text: str
    times_repeated: int = 1


class ShoutMessage(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: ShoutPayload


class ShoutReply(BaseMessage):
    action: Literal["shout_reply"] = "shout_reply"
    payload: ShoutPayload


@channel(name="camel")
class CamelConsumer(AsyncJsonWebsocketConsumer):
    """camelCase keys on the wire."""

    camelize = True

    @ws_handler
    async def handle_shout(self, message: ShoutMessage) -> ShoutReply:
        text = message.payload.user_text.upper()
        return ShoutReply(payload=ShoutPayload(user_text=text, times_repeated=2))


class Color(StrEnum):
    """An enum becomes a literal alias."""

    RED = "red"
    GREEN = "green"


class Circle(BaseModel):
    kind: Literal["circle"] = "circle"
    radius: float


class Square(BaseModel):
    kind: Literal["square"] = "square"
    side: float


class Tree(BaseModel):
    """A recursive model."""

    label: str
    children: list[Tree] = []


class Shape(BaseModel):
    """Every awkward schema shape in one payload."""

    shape: Annotated[Circle | Square, Field(discriminator="kind")]
    color: Color = Color.RED
    tags: list[str] = []
    counts: dict[str, int] = {}
    pair: tuple[str, int] | None = None
    schema_: str = Field("s", alias="schema")
    from_: int = Field(0, alias="from")
    dashed: str | None = Field(None, alias="x-dashed")
    tree: Tree | None = None
    mode: Literal["fast", "slow"] = "fast"


class ShapeMessage(BaseMessage):
    action: Literal["shape"] = "shape"
    payload: Shape


class ShapeSummary(BaseModel):
    """What the server read from a ``Shape`` (replies carry no aliased fields: the server
    writes field names, not aliases)."""

    kind: str
    color: Color
    schema_seen: str
    from_seen: int
    dashed_seen: str | None
    leaves: list[str]
    pair: tuple[str, int] | None


class ShapeReply(BaseMessage):
    action: Literal["shape_reply"] = "shape_reply"
    payload: ShapeSummary


class ShapeRefused(BaseMessage):
    action: Literal["shape_refused"] = "shape_refused"
    payload: str


@channel(name="edge")
class EdgeConsumer(AsyncJsonWebsocketConsumer):
    """Awkward schemas: enums, tagged unions, recursion, keyword and dashed names."""

    @ws_handler
    async def handle_shape(self, message: ShapeMessage) -> ShapeReply | ShapeRefused:
        if message.payload.color is Color.GREEN:
            return ShapeRefused(payload="no green")
        shape = message.payload
        summary = ShapeSummary(
            kind=shape.shape.kind,
            color=shape.color,
            schema_seen=shape.schema_,
            from_seen=shape.from_,
            dashed_seen=shape.dashed,
            leaves=[c.label for c in shape.tree.children] if shape.tree else [],
            pair=shape.pair,
        )
        return ShapeReply(payload=summary)


app = FastAPI()
app.add_api_websocket_route("/ws/room/{room}", RoomConsumer.as_asgi())
app.add_api_websocket_route("/ws/camel", CamelConsumer.as_asgi())
app.add_api_websocket_route("/ws/edge/{slug}", EdgeConsumer.as_asgi())
app.mount("/docs", asyncapi_router(title="Client test API", version="1.0.0"))


@app.post("/announce")
async def announce(text: str) -> dict[str, str]:
    """Push an announcement to every room connection from outside any consumer."""
    await RoomConsumer.broadcast_event(AnnouncementEvent(payload=text))
    return {"sent": text}
