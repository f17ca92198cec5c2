"""Contract: routing, replies, broadcasts, completion, ref echo, camelCase, path params."""

from __future__ import annotations

import functools
import logging
from types import ModuleType, SimpleNamespace
from typing import Any, Literal

from pydantic import BaseModel

from chanx.core.decorators import channel, ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

logger = logging.getLogger("contract")


class ChatPayload(BaseModel):
    message: str


class ChatMessage(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: ChatPayload


class ChatNotificationMessage(BaseMessage):
    action: Literal["chat_notification"] = "chat_notification"
    payload: ChatPayload


class EchoMessage(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: str


class ShoutMessage(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: str


class LogMessage(BaseMessage):
    action: Literal["log"] = "log"
    payload: str


class WhereMessage(BaseMessage):
    action: Literal["where"] = "where"


class RoomMessage(BaseMessage):
    action: Literal["room"] = "room"
    payload: str


class ProfileData(BaseModel):
    display_name: str
    favourite_colour: str


class ProfileMessage(BaseMessage):
    action: Literal["update_profile"] = "update_profile"
    payload: ProfileData


@functools.cache
def consumers(base: type[Any]) -> SimpleNamespace:
    """The seed's consumers, built on one binding's base class (once per binding)."""

    @channel(name="example")
    class ExampleConsumer(base):  # type: ignore[misc]
        groups = ["general"]

        @ws_handler(summary="Handle ping requests")
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

        @ws_handler
        async def handle_echo(self, message: EchoMessage) -> EchoMessage:
            return EchoMessage(payload=message.payload.upper())

        @ws_handler(output_type=ChatNotificationMessage)
        async def handle_chat(self, message: ChatMessage) -> None:
            await self.broadcast_message(ChatNotificationMessage(payload=message.payload))

        @ws_handler(output_type=ShoutMessage)
        async def handle_shout(self, message: ShoutMessage) -> None:
            await self.broadcast_message(message, groups=["general"], exclude_current=True)

        @ws_handler
        async def handle_log(self, message: LogMessage) -> None:
            logger.info("Received: %s", message.payload)

    class CompletingConsumer(ExampleConsumer):
        send_completion = True

    class RoomChatConsumer(base):  # type: ignore[misc]
        async def post_authentication(self) -> None:
            room_id = self.scope["path_params"]["room_id"]
            self.group_name = f"room_{room_id}"
            await self.channel_layer.group_add(self.group_name, self.channel_name)
            self.groups.append(self.group_name)

        @ws_handler
        async def handle_where(self, message: WhereMessage) -> RoomMessage:
            return RoomMessage(payload=self.group_name)

        @ws_handler(output_type=ChatNotificationMessage)
        async def handle_chat(self, message: ChatMessage) -> None:
            await self.broadcast_message(ChatNotificationMessage(payload=message.payload))

    class CamelConsumer(base):  # type: ignore[misc]
        camelize = True

        @ws_handler
        async def handle_profile(self, message: ProfileMessage) -> ProfileMessage:
            assert message.payload.display_name  # snake_case inside the handler
            return message

    return SimpleNamespace(
        example=ExampleConsumer,
        completing=CompletingConsumer,
        room=RoomChatConsumer,
        camel=CamelConsumer,
    )


def routes(binding: ModuleType) -> list[tuple[str, type[Any]]]:
    c = consumers(binding.Consumer)
    return [
        ("/ws/example", c.example),
        ("/ws/complete", c.completing),
        ("/ws/rooms/{room_id}", c.room),
        ("/ws/camel", c.camel),
    ]


class TestRouting:
    async def test_ping_pong(self, binding: ModuleType, open_ws: Any) -> None:
        ws = await open_ws(routes(binding), "/ws/example")
        await ws.send_json({"action": "ping"})
        assert await ws.receive_json() == {"action": "pong", "payload": None}

    async def test_return_value_goes_to_the_sender_only(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        a = await open_ws(routes(binding), "/ws/example")
        b = await open_ws(routes(binding), "/ws/example")
        await a.send_json({"action": "echo", "payload": "hi"})
        assert await a.receive_json() == {"action": "echo", "payload": "HI"}
        assert await b.receive_nothing()

    async def test_no_response_handler_sends_nothing(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        ws = await open_ws(routes(binding), "/ws/example")
        await ws.send_json({"action": "log", "payload": "quiet"})
        assert await ws.receive_nothing(0.1)

    async def test_broadcast_reaches_the_class_groups(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        a = await open_ws(routes(binding), "/ws/example")
        b = await open_ws(routes(binding), "/ws/example")
        await a.send_json({"action": "chat", "payload": {"message": "hello"}})
        expected = {"action": "chat_notification", "payload": {"message": "hello"}}
        assert await a.receive_json() == expected
        assert await b.receive_json() == expected
        assert await a.receive_nothing()
        assert await b.receive_nothing()

    async def test_broadcast_exclude_current(self, binding: ModuleType, open_ws: Any) -> None:
        a = await open_ws(routes(binding), "/ws/example")
        b = await open_ws(routes(binding), "/ws/example")
        await a.send_json({"action": "shout", "payload": "hey"})
        assert await b.receive_json() == {"action": "shout", "payload": "hey"}
        assert await a.receive_nothing(0.1)

    async def test_path_params_and_groups_joined_in_post_authentication(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        red = await open_ws(routes(binding), "/ws/rooms/red")
        red2 = await open_ws(routes(binding), "/ws/rooms/red")
        blue = await open_ws(routes(binding), "/ws/rooms/blue")
        await red.send_json({"action": "where"})
        assert await red.receive_json() == {"action": "room", "payload": "room_red"}
        await red.send_json({"action": "chat", "payload": {"message": "r"}})
        expected = {"action": "chat_notification", "payload": {"message": "r"}}
        assert await red.receive_json() == expected
        assert await red2.receive_json() == expected
        assert await blue.receive_nothing(0.1)

    async def test_completion_follows_each_frame(self, binding: ModuleType, open_ws: Any) -> None:
        ws = await open_ws(routes(binding), "/ws/complete")
        await ws.send_json({"action": "ping"})
        assert await ws.receive_json() == {"action": "pong", "payload": None}
        assert await ws.receive_json() == {"action": "complete", "payload": None}
        await ws.send_json({"action": "log", "payload": "x"})
        assert await ws.receive_json() == {"action": "complete", "payload": None}
        await ws.send_json({"action": "nope"})
        assert (await ws.receive_json())["action"] == "error"
        plain = await open_ws(routes(binding), "/ws/example")
        await plain.send_json({"action": "ping"})
        assert (await plain.receive_json())["action"] == "pong"
        assert await plain.receive_nothing()  # no completion unless asked for

    async def test_ref_is_echoed_on_replies_and_errors(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        ws = await open_ws(routes(binding), "/ws/complete")
        await ws.send_json({"action": "echo", "payload": "x", "ref": "r1"})
        assert await ws.receive_json() == {
            "version": 1,
            "ref": "r1",
            "action": "echo",
            "payload": "X",
        }
        assert await ws.receive_json() == {
            "version": 1,
            "ref": "r1",
            "action": "complete",
            "payload": None,
        }
        await ws.send_json({"action": "unknown", "ref": 7})
        error = await ws.receive_json()
        assert error["ref"] == 7
        assert error["action"] == "error"

    async def test_camelize_on_the_wire_snake_case_in_python(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        ws = await open_ws(routes(binding), "/ws/camel")
        frame = {
            "action": "update_profile",
            "payload": {"displayName": "Ada", "favouriteColour": "green"},
        }
        await ws.send_json(frame)
        assert await ws.receive_json() == frame
        await ws.send_json(
            {
                "action": "update_profile",
                "payload": {"display_name": "Ada", "favourite_colour": "g"},
            }
        )
        reply = await ws.receive_json()
        assert reply["payload"] == {"displayName": "Ada", "favouriteColour": "g"}
