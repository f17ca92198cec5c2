"""Replies the runtime settles itself: a completion frame instead of a reply, an error reply.

The server is a few lines of ``websockets`` (the test app does not send completion frames):
it answers each request's ``ref`` with the frame the test chose for it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from room_client.room import IdentifyMessage, RoomClient
from websockets.asyncio.server import ServerConnection, serve

from chanx.client import NoReplyError, RequestError

ANSWERS: dict[str, list[dict[str, object]]] = {
    "identify": [{"action": "complete"}],
    "whoami": [{"action": "identity", "payload": "ann"}, {"action": "complete"}],
    "echo": [{"action": "error", "payload": {"detail": "no"}}],
}


async def answer(socket: ServerConnection) -> None:
    async for raw in socket:
        frame = json.loads(raw)
        for reply in ANSWERS.get(frame.get("action"), []):
            await socket.send(json.dumps({**reply, "ref": frame.get("ref")}))


@pytest.fixture
async def client() -> AsyncIterator[RoomClient]:
    async with serve(answer, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with RoomClient(
            f"127.0.0.1:{port}",
            path_params={"room": "lobby"},
            reconnect=None,
            request_timeout=30.0,
            heartbeat_interval=None,
        ) as connected:
            yield connected


async def test_a_request_completed_without_reply_raises_no_reply_error(client: RoomClient) -> None:
    with pytest.raises(NoReplyError):
        await client.request(IdentifyMessage(payload="ann"))
    # a reply followed by its completion: the reply is the answer
    assert (await client.whoami()).payload == "ann"


async def test_an_error_reply_raises_request_error(client: RoomClient) -> None:
    from room_client.room import EchoPayload

    with pytest.raises(RequestError) as caught:
        await client.echo(EchoPayload(seq=1, text="x"))
    assert caught.value.payload == {"detail": "no"}
