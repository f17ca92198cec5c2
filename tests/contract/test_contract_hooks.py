"""Contract: the framework hooks a consumer inherits either run or are refused at class creation."""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar, Literal

import pytest

from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class Note(BaseMessage):
    action: Literal["note"] = "note"
    payload: str = ""


def consumer_raising(binding: ModuleType, where: str, exc: type[Exception]) -> type[Any]:
    class Gate(binding.Consumer):  # type: ignore[misc, name-defined]
        groups = ["gate"]
        reached: ClassVar[list[str]] = []

        async def connect(self) -> None:
            if where == "connect":
                raise exc()
            await super().connect()

        async def post_authentication(self) -> None:
            if where == "post_authentication":
                raise exc()

        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            self.reached.append("ping")
            return PongMessage()

    return Gate


@pytest.mark.parametrize("where", ["connect", "post_authentication"])
async def test_deny_connection_refuses_the_handshake(
    binding: ModuleType, open_ws: Any, layer: Any, where: str
) -> None:
    Gate = consumer_raising(binding, where, binding.DenyConnection)
    ws = await open_ws([("/ws/gate", Gate)], "/ws/gate", accept=False)
    assert ws.close_code is not None
    await ws.send_json({"action": "ping"})
    assert Gate.reached == []


@pytest.mark.parametrize("where", ["connect", "post_authentication"])
async def test_accept_connection_accepts_the_handshake(
    binding: ModuleType, open_ws: Any, where: str
) -> None:
    Gate = consumer_raising(binding, where, binding.AcceptConnection)
    ws = await open_ws([("/ws/gate", Gate)], "/ws/gate")
    await ws.send_json({"action": "ping"})
    assert await ws.receive_json() == {"action": "pong", "payload": None}


async def test_an_overridden_websocket_receive_runs(binding: ModuleType, open_ws: Any) -> None:
    class Inspecting(binding.Consumer):  # type: ignore[misc, name-defined]
        raw: ClassVar[list[Any]] = []

        async def websocket_receive(self, message: dict[str, Any]) -> None:
            self.raw.append(message.get("text"))
            await super().websocket_receive(message)

        @ws_handler
        async def handle_note(self, message: Note) -> Note:
            return message

    ws = await open_ws([("/ws/in", Inspecting)], "/ws/in")
    await ws.send_json({"action": "note", "payload": "x"})
    assert (await ws.receive_json())["payload"] == "x"
    assert Inspecting.raw == ['{"action": "note", "payload": "x"}']


@pytest.mark.parametrize("hook", ["receive_json", "decode_json"])
def test_hooks_that_would_never_run_are_refused(binding: ModuleType, hook: str) -> None:
    async def override(self: Any, *args: Any, **kwargs: Any) -> Any:
        return None

    with pytest.raises(TypeError, match=rf"{hook}\(\) would never be called: "):
        type("Overrides", (binding.Consumer,), {hook: override})
