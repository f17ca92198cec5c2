"""``emits``: messages sent outside handlers become one ``send`` operation, without ``ref``.

A consumer that greets each connection from ``post_authentication`` lists the greeting in
``emits``; the document declares it, and the live frame matches what it declares.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pytest
from asyncapi_tools import ParseFn
from pydantic import BaseModel

from chanx.asyncapi import generate, validate_document
from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

pytestmark = pytest.mark.timeout(600)


class Welcome(BaseMessage):
    """Sent by post_authentication to every new connection."""

    action: Literal["welcome"] = "welcome"
    payload: str


class Greeting:
    """A mixin: its emits are merged with the consumer's."""

    emits: Sequence[type[BaseModel]] = [Welcome]


class Lobby(Greeting, ChanxConsumer[Any]):
    channel_layer_alias = None

    async def post_authentication(self) -> None:
        await self.send_message(Welcome(payload="hello"))

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


async def test_emitted_messages_are_a_send_operation_without_ref(
    tmp_path: Path, asyncapi_parser: ParseFn
) -> None:
    doc = generate([("/ws/lobby", Lobby)]).to_dict()
    op = doc["operations"]["Lobby.send.emits"]
    assert op["action"] == "send"
    assert op["summary"] == "Messages the server pushes"
    assert op["messages"] == [{"$ref": "#/channels/Lobby/messages/Welcome"}]
    message = doc["components"]["messages"]["Welcome"]
    assert message["name"] == "welcome"
    assert "correlationId" not in message
    assert message["payload"] == {"$ref": "#/components/schemas/Welcome"}
    assert validate_document(doc) == []
    path = tmp_path / "emits.json"
    path.write_text(json.dumps(doc))
    (verdict,) = asyncapi_parser(path)
    assert verdict["errors"] == []

    schema = doc["components"]["schemas"]["Welcome"]
    async with WebsocketHarness(Lobby.as_asgi(), "/ws/lobby") as ws:
        frame = await ws.receive_json()
    assert frame == {"action": "welcome", "payload": "hello"}  # no ref, as documented
    assert set(frame) <= set(schema["properties"])
