"""Bad input over a real socket: uvicorn, the websockets client, one error frame each."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]


async def recv(ws: ClientConnection, timeout: float = 5) -> Any:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv(decode=True))


async def assert_silent(ws: ClientConnection, timeout: float = 0.2) -> None:
    try:
        async with asyncio.timeout(timeout):
            frame = await ws.recv()
    except TimeoutError:
        return
    pytest.fail(f"unexpected frame {frame!r}")


BAD: list[tuple[str | bytes, str | None]] = [
    ("SECRET not json", "json_invalid"),
    ("[1, 2, 3]", "dict_type"),
    ('"SECRET"', "dict_type"),
    ("{}", "union_tag_not_found"),
    ('{"action": "SECRET_unknown"}', "union_tag_invalid"),
    ('{"action": "count", "payload": "SECRET"}', "int_parsing"),
    ('{"action": "chat"}', "missing"),
    (b'{"action": "ping"}', "json_invalid"),
    (json.dumps({"action": "chat", "payload": "SECRET" * 2000}), "message_too_large"),
    ('{"action": "boom"}', None),  # a handler failure: {"detail": ...}
]


async def test_every_bad_frame_gets_one_error_and_the_socket_lives(
    start_server: Any, uvicorn_cmd: Any
) -> None:
    server = start_server(uvicorn_cmd("asgi_e2e_app:app"), env={"REDIS_URL": ""})
    async with connect(f"{server.ws}/ws") as ws:
        for frame, error_type in BAD:
            await ws.send(frame)
            reply = await recv(ws)
            assert reply["action"] == "error", (frame, reply)
            if error_type is None:
                assert reply["payload"] == {"detail": "Failed to process message for boom"}
            else:
                assert reply["payload"][0]["type"] == error_type, (frame, reply)
            text = json.dumps(reply)
            assert "SECRET" not in text
            assert len(text) < 1000
            await assert_silent(ws, 0.05)
            await ws.send(json.dumps({"action": "count", "payload": 7}))
            assert await recv(ws) == {"action": "count", "payload": 7}
    assert "SECRET internal failure" in server.output()  # logged on the server only
