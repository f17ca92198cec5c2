"""The demo app, served by ``python -m demo`` (what ``hatch run demo:serve`` runs), over sockets."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]


async def _recv(ws: ClientConnection, timeout: float) -> str:
    async with asyncio.timeout(timeout):
        return str(await ws.recv(decode=True))


#: Frames of the demo's presence and typing mixins (tested in test_mixins_demo_browser.py).
MIXIN_FRAMES = {"presence_state", "presence_diff", "typing_users"}


async def recv(ws: ClientConnection, timeout: float = 5) -> Any:
    """The next frame that is not a mixin's, decoded; fails after ``timeout`` seconds."""
    while True:
        frame = json.loads(await _recv(ws, timeout))
        if frame.get("action") not in MIXIN_FRAMES:
            return frame


async def test_demo_chat_over_real_sockets(start_server: Any) -> None:
    server = start_server([sys.executable, "-m", "demo", "--port", "{port}"], env={"PORT": ""})
    async with httpx.AsyncClient(base_url=server.http) as http:
        page = await http.get("/")
        assert page.status_code == 200
        assert "chanx demo chat" in page.text
        assert (await http.get("/api/health")).json() == {"status": "ok", "layer": "memory"}

        lobby = f"{server.ws}/ws/chat/lobby"
        alice = await connect(f"{lobby}?token=alice-token")
        # A ping answered means alice finished joining the room (frames are handled after
        # the handshake's work), so she cannot miss bob's arrival.
        await alice.send(json.dumps({"action": "ping"}))
        assert await recv(alice) == {"action": "pong", "payload": None}
        async with (
            alice,
            connect(f"{lobby}?token=bob-token") as bob,
            connect(f"{server.ws}/ws/chat/kitchen?token=carol-token") as carol,
        ):
            joined = await recv(alice)
            assert joined == {
                "action": "user_joined",
                "payload": {"username": "bob", "room": "lobby"},
            }

            await alice.send(json.dumps({"action": "chat", "payload": {"message": "hi"}}))
            line = {
                "action": "chat_notification",
                "payload": {"message": "hi", "username": "alice", "room": "lobby"},
            }
            received = [await recv(alice), await recv(bob)]
            assert received[0] == received[1]
            sent_at = datetime.fromisoformat(received[0]["payload"].pop("sent_at"))
            assert received[0] == line
            assert abs((datetime.now(UTC) - sent_at).total_seconds()) < 60  # server time, UTC

            docs = await http.get("/asyncapi/asyncapi.json")  # the page links its own docs
            assert docs.status_code == 200
            assert "chat_notification" in docs.text

            response = await http.post("/api/rooms/lobby/announcements", json={"message": "tea"})
            assert response.status_code == 202
            for ws in (alice, bob):
                assert await recv(ws) == {"action": "announcement", "payload": "tea"}

            await bob.send("{not json")
            error = await recv(bob)
            assert error["action"] == "error"
            assert "not json" not in json.dumps(error)  # the input is never echoed
            await bob.send(json.dumps({"action": "ping"}))
            assert await recv(bob) == {"action": "pong", "payload": None}

            # carol is in another room: she got none of the above; a ping proves it.
            await carol.send(json.dumps({"action": "ping"}))
            assert await recv(carol) == {"action": "pong", "payload": None}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/ws/chat/lobby?token=nope", 401),
        ("/ws/chat/lobby", 401),
        ("/ws/chat/a.b?token=alice-token", 400),
    ],
)
async def test_demo_rejects_bad_tokens_and_rooms(start_server: Any, path: str, status: int) -> None:
    server = start_server([sys.executable, "-m", "demo", "--port", "{port}"])
    async with connect(f"{server.ws}{path}") as ws:
        frame = await recv(ws)
        assert frame["action"] == "authentication"
        assert frame["payload"]["status_code"] == status
        with pytest.raises(ConnectionClosed) as closed:
            await _recv(ws, 5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4000 + status
    server.stop()  # the demo logs chanx's records on its console
    assert f"chanx.auth: ChatConsumer refused a connection to {path.split('?')[0]}" in (
        server.output()
    )
