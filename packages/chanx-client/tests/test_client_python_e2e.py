"""The generated Python client against a real uvicorn server: typed request/reply,
broadcasts, events, auth, first frames, camelCase and heartbeats."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from client_servers import AppServer
from room_client.camel import CamelClient, ShoutPayload, ShoutReply
from room_client.edge import (
    Circle,
    EdgeClient,
    Shape,
    ShapeRefused,
    ShapeReply,
    Tree,
)
from room_client.room import (
    Announcement,
    EchoPayload,
    EchoReply,
    IdentityMessage,
    RoomClient,
    SaidMessage,
)

from chanx.client import Backoff, ClientState, ForbiddenError, UnauthenticatedError

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]

FAST = Backoff(initial=0.02, max_delay=0.2, max_retries=None)


def room(server: AppServer, **kwargs: Any) -> RoomClient:
    """A room client with valid credentials and a fast reconnect policy."""
    kwargs.setdefault("query_params", {"token": "secret"})
    kwargs.setdefault("reconnect", FAST)
    return RoomClient(server.base, path_params={"room": "lobby"}, **kwargs)


async def test_request_reply_is_typed_and_matched_by_ref(server: AppServer) -> None:
    async with room(server) as client:
        replies = await asyncio.gather(
            *(client.echo(EchoPayload(seq=i, text=f"line {i}")) for i in range(20))
        )
    assert all(isinstance(r, EchoReply) for r in replies)
    assert [r.payload.seq for r in replies] == list(range(20))
    assert [r.payload.text for r in replies] == [f"line {i}" for i in range(20)]


async def test_broadcast_reaches_every_member_as_a_typed_message(server: AppServer) -> None:
    async with room(server) as alice, room(server) as bob:
        bob_said = bob.messages(SaidMessage)
        alice_said = alice.messages(SaidMessage)
        await alice.say("hello room")
        async with asyncio.timeout(10):
            heard = await anext(bob_said)
            echoed = await anext(alice_said)
    assert isinstance(heard, SaidMessage)
    assert heard.payload == "hello room"
    assert echoed.payload == "hello room"


async def test_server_events_reach_typed_callbacks(server: AppServer) -> None:
    got: list[Announcement] = []
    both = asyncio.Event()

    def record(message: Announcement) -> None:
        got.append(message)
        if len(got) == 2:
            both.set()

    async with room(server) as client:
        client.on(Announcement, record)
        await client.announce("from a handler")
        async with httpx.AsyncClient() as http:
            response = await http.post(f"http://{server.base}/announce", params={"text": "outside"})
            response.raise_for_status()
        await asyncio.wait_for(both.wait(), 10)
    assert sorted(a.payload for a in got) == ["from a handler", "outside"]


async def test_iterating_the_client_yields_the_incoming_union(server: AppServer) -> None:
    async with room(server) as client:
        stream = aiter(client)
        await client.say("typed")
        async with asyncio.timeout(10):
            message = await anext(stream)
    assert isinstance(message, SaidMessage)


@pytest.mark.parametrize(
    ("token", "error"), [("wrong", UnauthenticatedError), ("nope", ForbiddenError)]
)
async def test_auth_failure_raises_a_typed_error_and_never_retries(
    server: AppServer, token: str, error: type[Exception]
) -> None:
    # The server accepts the socket, sends its authentication frame and closes with
    # 4000 + status. With an unlimited retry policy, handle() only returns because auth
    # failures are final.
    client = room(server, query_params={"token": token})
    async with asyncio.timeout(10):
        with pytest.raises(error) as info:
            await client.handle()
    assert client.state is ClientState.CLOSED
    assert client.connections == 1
    assert getattr(info.value, "code", None) in (4401, 4403)


async def test_header_credentials_are_sent_with_the_handshake(server: AppServer) -> None:
    async with room(server, query_params=None, headers={"x-token": "secret"}) as client:
        reply = await client.echo(EchoPayload(seq=1, text="by header"))
    assert reply.payload.text == "by header"


async def test_init_frame_goes_first_on_every_connection(server: AppServer) -> None:
    client = room(server, init_frame={"action": "identify", "payload": "ann"})
    async with client:
        first = await client.whoami()
        server.kill()
        await client.wait_for_state(ClientState.RECONNECTING, timeout=10)
        server.start()
        await client.wait_for_state(ClientState.OPEN, timeout=10)
        assert client.connections == 2
        second = await client.whoami()
    assert isinstance(first, IdentityMessage)
    assert first.payload == "ann"
    assert second.payload == "ann"


async def test_camelized_consumer_speaks_camel_case_models(server: AppServer) -> None:
    async with CamelClient(server.base) as client:
        reply = await client.shout(ShoutPayload(userText="hi"))
    assert isinstance(reply, ShoutReply)
    assert reply.payload.userText == "HI"
    assert reply.payload.timesRepeated == 2


async def test_heartbeat_notices_a_frozen_server_and_reconnects(server: AppServer) -> None:
    # SIGSTOP keeps the TCP connection open but silent: only the ping/pong heartbeat notices.
    client = room(server, heartbeat_interval=0.3, open_timeout=0.5)
    async with client:
        server.freeze()
        try:
            await client.wait_for_state(ClientState.RECONNECTING, timeout=10)
        finally:
            server.thaw()
        await client.wait_for_state(ClientState.OPEN, timeout=10)
        assert client.connections >= 2
        reply = await client.echo(EchoPayload(seq=7, text="after"))
    assert reply.payload.seq == 7


async def test_a_request_unanswered_in_time_raises_and_its_late_reply_is_a_plain_message(
    server: AppServer,
) -> None:
    # Frozen (SIGSTOP), the server answers nothing: the request times out. Thawed, it answers;
    # the client forgot the request's ref, so the reply reaches the listeners instead.
    async with room(server) as client:
        late = client.messages(EchoReply)
        server.freeze()
        try:
            with pytest.raises(TimeoutError):
                await client.echo(EchoPayload(seq=9, text="late"), timeout=0.3)
        finally:
            server.thaw()
        async with asyncio.timeout(10):
            reply = await anext(late)
        assert reply.payload.seq == 9
        late.close()


async def test_awkward_schemas_round_trip_through_generated_models(server: AppServer) -> None:
    shape = Shape(
        shape=Circle(radius=2.5),
        tags=["a"],
        counts={"x": 1},
        pair=("p", 2),
        f_schema="kept",
        f_from=3,
        x_dashed="dash",
        tree=Tree(label="root", children=[Tree(label="leaf")]),
        mode="slow",
    )
    async with EdgeClient(server.base, path_params={"slug": "s"}) as client:
        reply = await client.shape(shape)
        refused = await client.shape(shape.model_copy(update={"color": "green"}))
    assert isinstance(reply, ShapeReply)
    summary = reply.payload
    assert (summary.kind, summary.color, summary.pair) == ("circle", "red", ("p", 2))
    assert (summary.schema_seen, summary.from_seen, summary.dashed_seen) == ("kept", 3, "dash")
    assert summary.leaves == ["leaf"]
    assert isinstance(refused, ShapeRefused)
    assert refused.payload == "no green"
