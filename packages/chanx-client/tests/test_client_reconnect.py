"""Reconnect behaviour against a real uvicorn server that restarts, dies or never was."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from client_servers import AppServer, free_port
from room_client.room import EchoPayload, RoomClient

from chanx.client import (
    Backoff,
    ClientClosedError,
    ClientState,
    QueueFullError,
    ReconnectGaveUpError,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]


def client_for(base: str, reconnect: Backoff | None, **kwargs: object) -> RoomClient:
    return RoomClient(
        base,
        path_params={"room": "lobby"},
        query_params={"token": "secret"},
        reconnect=reconnect,
        request_timeout=30.0,
        heartbeat_interval=None,
    )


async def test_restart_mid_stream_loses_and_duplicates_no_reply(server: AppServer) -> None:
    """200 requests, the server killed and restarted after the 50th reply: every request
    resolves exactly once with its own payload."""
    total = 200
    client = client_for(server.base, Backoff(initial=0.02, max_delay=0.2, max_retries=None))
    replies: dict[int, int] = {}
    fifty = asyncio.Event()

    async def one(i: int) -> None:
        reply = await client.echo(EchoPayload(seq=i, text=str(i)))
        replies[reply.payload.seq] = replies.get(reply.payload.seq, 0) + 1
        assert reply.payload.text == str(i)
        if len(replies) >= 50:
            fifty.set()

    async with client:
        tasks = [asyncio.create_task(one(i)) for i in range(total // 2)]
        async with asyncio.timeout(30):
            await fifty.wait()
        server.kill()  # in-flight requests lose their replies with the process
        # Sent while the server is down: these wait in the queue.
        tasks += [asyncio.create_task(one(i)) for i in range(total // 2, total)]
        server.start()
        async with asyncio.timeout(60):
            await asyncio.gather(*tasks)
        assert client.connections == 2
    assert sorted(replies) == list(range(total))
    assert set(replies.values()) == {1}


async def test_dead_server_backoff_gives_up_as_configured() -> None:
    policy = Backoff(initial=0.01, max_delay=0.05, max_retries=3)
    client = client_for(f"127.0.0.1:{free_port()}", policy)
    async with asyncio.timeout(10):
        with pytest.raises(ReconnectGaveUpError) as info:
            await client.connect()
    assert info.value.attempts == 3
    assert client.state is ClientState.CLOSED


async def test_server_gone_for_good_fails_pending_requests(tmp_path: Path) -> None:
    server = AppServer(free_port(), tmp_path / "uvicorn.log")
    server.start()
    client = client_for(server.base, Backoff(initial=0.01, max_delay=0.05, max_retries=2))
    try:
        await client.connect()
        server.kill()
        async with asyncio.timeout(10):
            with pytest.raises(ReconnectGaveUpError):
                await client.echo(EchoPayload(seq=1, text="never answered"))
            with pytest.raises(ReconnectGaveUpError):
                await client.handle()
    finally:
        server.stop()
        await client.disconnect()


async def test_queue_is_bounded_while_disconnected(server: AppServer) -> None:
    client = RoomClient(
        server.base,
        path_params={"room": "lobby"},
        query_params={"token": "secret"},
        reconnect=Backoff(initial=5.0, max_retries=None, jitter=0),
        queue_limit=3,
        heartbeat_interval=None,
    )
    async with client:
        server.kill()
        await client.wait_for_state(ClientState.RECONNECTING, timeout=10)
        for i in range(3):
            await client.send_echo(EchoPayload(seq=i, text="queued"))
        with pytest.raises(QueueFullError):
            await client.send_echo(EchoPayload(seq=3, text="one too many"))


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = Backoff(initial=0.1, factor=2.0, max_delay=1.0, jitter=0.5, max_retries=5)
    for attempt, base in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (9, 1.0)]:
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(base * 0.5 <= d <= base for d in delays)
        assert len(set(delays)) > 1  # jittered
    assert not policy.exhausted(5)
    assert policy.exhausted(6)
    assert Backoff(max_retries=None).exhausted(10**6) is False
    with pytest.raises(ValueError, match="jitter"):
        Backoff(jitter=2)


async def test_disconnect_between_attempts_does_not_wait_out_the_backoff() -> None:
    # A 60 s backoff: disconnect() must cancel the wait, not sit through it.
    client = client_for(f"127.0.0.1:{free_port()}", Backoff(initial=60.0, max_retries=None))
    connecting = asyncio.create_task(client.connect())
    await client.wait_for_state(ClientState.RECONNECTING, timeout=10)
    async with asyncio.timeout(5):
        await client.disconnect()
    assert client.state is ClientState.CLOSED
    with pytest.raises(ClientClosedError):
        await connecting
