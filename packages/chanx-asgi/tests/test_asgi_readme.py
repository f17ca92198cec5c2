"""The package README's example runs as written: chat, ping and an announcement over HTTP."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from chanx.core.layers import InMemoryChannelLayer
from chanx.fast_channels.testing import WebsocketCommunicator

pytestmark = pytest.mark.asgi

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> dict[str, Any]:
    """Execute the README's first Python block; return its namespace."""
    block = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block is not None, "the README lost its example"
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(block.group(1), str(README), "exec", dont_inherit=True), namespace)
    return namespace


async def test_readme_example(chanx_layer: InMemoryChannelLayer) -> None:
    example = readme_example()
    app = example["app"]
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
        WebsocketCommunicator(app, "/ws/chat/lobby") as ada,
        WebsocketCommunicator(app, "/ws/chat/lobby") as bob,
        WebsocketCommunicator(app, "/ws/chat/kitchen") as cy,
    ):
        await ada.send_json({"action": "ping"})
        assert await ada.receive_json() == {"action": "pong", "payload": None}
        await ada.send_json({"action": "chat", "payload": "hello"})
        for ws in (ada, bob):
            assert await ws.receive_json() == {"action": "chat", "payload": "hello"}
        response = await http.post("/rooms/lobby/announce", params={"text": "tea"})
        assert response.status_code == 200
        for ws in (ada, bob):
            assert await ws.receive_json() == {"action": "announcement", "payload": "tea"}
        assert await cy.receive_nothing(0.1)
