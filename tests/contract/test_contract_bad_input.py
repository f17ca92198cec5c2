"""Contract: every bad frame gets one small error frame and the next valid frame works."""

from __future__ import annotations

import functools
import json
from types import ModuleType, SimpleNamespace
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class ChatPayload(BaseModel):
    message: str


class ChatMessage(BaseMessage):
    action: Literal["chat"] = "chat"
    payload: ChatPayload


class CountMessage(BaseMessage):
    action: Literal["count"] = "count"
    payload: int


class BoomMessage(BaseMessage):
    action: Literal["boom"] = "boom"


@functools.cache
def consumers(base: type[Any]) -> SimpleNamespace:
    class StrictConsumer(base):  # type: ignore[misc]
        max_message_size = 2000

        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

        @ws_handler
        async def handle_chat(self, message: ChatMessage) -> ChatMessage:
            return message

        @ws_handler
        async def handle_count(self, message: CountMessage) -> CountMessage:
            return message

        @ws_handler
        async def handle_boom(self, message: BoomMessage) -> None:
            raise RuntimeError("SECRET-internal-state")

    return SimpleNamespace(strict=StrictConsumer)


def routes(binding: ModuleType) -> list[tuple[str, type[Any]]]:
    return [("/ws/strict", consumers(binding.Consumer).strict)]


async def one_error_then_alive(ws: Any) -> Any:
    frame = await ws.receive_json()
    assert frame["action"] == "error", frame
    assert await ws.receive_nothing()  # exactly one frame
    await ws.send_json({"action": "ping"})
    assert await ws.receive_json() == {"action": "pong", "payload": None}
    payload = frame["payload"]
    text = json.dumps(payload)
    assert "SECRET" not in text
    assert "Traceback" not in text
    assert len(text) < 1000
    return payload


BAD_FRAMES = [
    pytest.param("SECRET not json", "json_invalid", id="invalid-json"),
    pytest.param('{"action": "ping"', "json_invalid", id="truncated-json"),
    pytest.param("[1, 2]", "dict_type", id="array"),
    pytest.param('"SECRET"', "dict_type", id="string"),
    pytest.param("42", "dict_type", id="number"),
    pytest.param("null", "dict_type", id="null"),
    pytest.param("{}", "union_tag_not_found", id="missing-action"),
    pytest.param('{"action": "SECRET_unknown"}', "union_tag_invalid", id="unknown-action"),
    pytest.param('{"action": 3}', "union_tag_invalid", id="non-string-action"),
    pytest.param('{"action": "chat", "payload": {"message": 5}}', "string_type", id="wrong-type"),
    pytest.param('{"action": "chat"}', "missing", id="missing-payload"),
    pytest.param('{"action": "count", "payload": "SECRET"}', "int_parsing", id="bad-int"),
]


class TestBadInput:
    @pytest.mark.parametrize(("frame", "error_type"), BAD_FRAMES)
    async def test_bad_text_frame(
        self, binding: ModuleType, open_ws: Any, frame: str, error_type: str
    ) -> None:
        ws = await open_ws(routes(binding), "/ws/strict")
        await ws.send_text(frame)
        payload = await one_error_then_alive(ws)
        assert payload[0]["type"] == error_type

    async def test_binary_frame(self, binding: ModuleType, open_ws: Any) -> None:
        ws = await open_ws(routes(binding), "/ws/strict")
        await ws.send_bytes(b'{"action": "ping"}')
        payload = await one_error_then_alive(ws)
        assert payload[0]["type"] == "json_invalid"

    async def test_oversize_frame(self, binding: ModuleType, open_ws: Any) -> None:
        ws = await open_ws(routes(binding), "/ws/strict")
        await ws.send_json({"action": "chat", "payload": {"message": "SECRET" * 1000}})
        payload = await one_error_then_alive(ws)
        assert payload[0]["type"] == "message_too_large"

    async def test_handler_exception(
        self, binding: ModuleType, open_ws: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        ws = await open_ws(routes(binding), "/ws/strict")
        await ws.send_json({"action": "boom"})
        payload = await one_error_then_alive(ws)
        assert payload == {"detail": "Failed to process message for boom"}
        assert "SECRET-internal-state" in caplog.text  # the traceback is logged, not sent

    async def test_errors_in_a_row_keep_the_connection(
        self, binding: ModuleType, open_ws: Any
    ) -> None:
        ws = await open_ws(routes(binding), "/ws/strict")
        for frame in ["x", "[]", "{}", '{"action": "nope"}']:
            await ws.send_text(frame)
            assert (await ws.receive_json())["action"] == "error"
        await ws.send_json({"action": "count", "payload": 2})
        assert await ws.receive_json() == {"action": "count", "payload": 2}
