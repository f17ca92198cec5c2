"""Topics over real sockets: uvicorn (FastAPI) and daphne (Django Channels), one and two processes.

The apps are ``topics_asgi_app`` and ``topics_django_app`` (topics in ``topics_e2e_common``).
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

HERE = Path(__file__).resolve().parent
#: Where the apps' shared topics live (``topics_e2e_common``).
PYTHONPATH = f"{HERE}:{HERE.parent / 'reliability'}"

SERVERS = [
    pytest.param("uvicorn", marks=pytest.mark.asgi),
    pytest.param("daphne", marks=pytest.mark.django),
]


def server_argv(kind: str) -> list[str]:
    if kind == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "topics_asgi_app:app", "--app-dir", str(HERE),
            "--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning",
        ]  # fmt: skip
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "{port}",
            "topics_django_app:application"]  # fmt: skip


def env_for(redis_url: str | None, **extra: str) -> dict[str, str]:
    env = {"PYTHONPATH": PYTHONPATH, "TOPICS_PREFIX": f"chanx-topics-{uuid.uuid4().hex[:10]}"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    return {**env, **extra}


async def recv(ws: ClientConnection, timeout: float = 10) -> Any:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv(decode=True))


async def subscribe(ws: ClientConnection, topic: str, ref: str = "s", **position: Any) -> Any:
    frame: dict[str, Any] = {"topic": topic, "ref": ref, "action": "subscribe"}
    if position:
        frame["payload"] = position
    await ws.send(json.dumps(frame))
    return await recv(ws)


@pytest.mark.parametrize("kind", SERVERS)
async def test_multiplexing_authorize_limits_and_disconnect(
    start_server: Any, redis_url: str, kind: str
) -> None:
    server = start_server(server_argv(kind), env=env_for(redis_url))
    async with connect(f"{server.ws}/ws") as watcher:
        assert (await subscribe(watcher, "lobby:main"))["action"] == "subscribed"
        async with connect(f"{server.ws}/ws") as ws:
            await exercise(server, ws)
        # the closed connection's room ran on_unsubscribe, which announces it in the lobby
        assert await recv(watcher) == {
            "action": "line", "payload": "left room:kitchen", "version": 1, "topic": "lobby:main",
        }  # fmt: skip


async def exercise(server: Any, ws: ClientConnection) -> None:
    """Multiplexing, refusals, the topic limit and a publish from a sync view."""
    assert await subscribe(ws, "run:1", "a") == {
        "action": "subscribed", "payload": None, "version": 1, "topic": "run:1", "ref": "a",
    }  # fmt: skip
    reply = await subscribe(ws, "room:kitchen", "b")
    assert reply["payload"]["recovered"] is False
    assert reply["ref"] == "b"
    denied = await subscribe(ws, "room:vip", "c")
    assert denied["payload"]["reason"] == "unauthorized"
    unknown = await subscribe(ws, "nope:1", "d")
    assert unknown["payload"]["reason"] == "unknown_topic"
    await ws.send(json.dumps({"topic": "run:1", "ref": "e", "action": "cancel"}))
    assert await recv(ws) == {
        "action": "cancelled", "payload": "run 1 cancelled", "version": 1,
        "topic": "run:1", "ref": "e",
    }  # fmt: skip
    for topic in ("run:2", "run:3"):  # 4 topics: the limit
        assert (await subscribe(ws, topic))["action"] == "subscribed"
    over = await subscribe(ws, "run:4", "f")
    assert over["payload"]["reason"] == "too_many_topics"

    async with httpx.AsyncClient() as http:  # a sync view publishes
        response = await http.post(
            f"{server.http}/publish-sync", params={"topic": "room:kitchen", "text": "hot"}
        )
        assert response.status_code == 200
    pushed = await recv(ws)
    assert pushed == {
        "action": "line", "payload": "hot", "version": 1, "topic": "room:kitchen",
        "seq": reply["payload"]["seq"] + 1,
    }  # fmt: skip


@pytest.mark.parametrize("kind", SERVERS)
async def test_dedicated_route(start_server: Any, redis_url: str, kind: str) -> None:
    server = start_server(server_argv(kind), env=env_for(redis_url))
    async with connect(f"{server.ws}/ws/runs/42") as ws:
        assert await recv(ws) == {
            "action": "subscribed", "payload": None, "version": 1, "topic": "run:42",
        }  # fmt: skip
        await ws.send(json.dumps({"action": "cancel"}))
        assert (await recv(ws))["payload"] == "run 42 cancelled"


@pytest.mark.parametrize("kind", SERVERS)
async def test_publish_from_another_process_and_recover_500_missed(
    start_server: Any, redis_url: str, kind: str
) -> None:
    env = env_for(redis_url)
    a = start_server(server_argv(kind), env=env)
    b = start_server(server_argv("uvicorn"), env=env)  # the other process publishes
    async with httpx.AsyncClient(timeout=60) as http:
        async with connect(f"{a.ws}/ws") as ws:
            first = await subscribe(ws, "room:r1")
            epoch = first["payload"]["epoch"]
            await http.post(f"{b.http}/publish", params={"topic": "room:r1", "text": "seen"})
            seen = await recv(ws)
            assert seen["payload"] == "seen"
            last = seen["seq"]
        await http.post(f"{b.http}/publish", params={"topic": "room:r1", "text": "m", "n": 500})
        async with connect(f"{a.ws}/ws") as ws:
            reply = await subscribe(ws, "room:r1", seq=last, epoch=epoch)
            assert reply["payload"] == {"recovered": True, "epoch": epoch, "seq": last + 500}
            frames = [await recv(ws) for _ in range(500)]
            assert [f["seq"] for f in frames] == list(range(last + 1, last + 501))
            assert [f["payload"] for f in frames] == [f"m{i}" for i in range(500)]
            await http.post(f"{b.http}/publish", params={"topic": "room:r1", "text": "live"})
            live = await recv(ws)
            assert (live["seq"], live["payload"]) == (last + 501, "live")


async def test_recovery_fails_after_trim_and_after_a_flush(
    start_server: Any, start_redis: Any, redis_url: str
) -> None:
    redis = start_redis()  # the history's own Redis, flushed below (the layer stays on its own)
    url = f"redis://127.0.0.1:{redis.port}/0"
    env = env_for(redis_url, ROOM_HISTORY="20", HISTORY_REDIS_URL=url)
    a = start_server(server_argv("uvicorn"), env=env)
    async with httpx.AsyncClient(timeout=30) as http:
        async with connect(f"{a.ws}/ws") as ws:
            epoch = (await subscribe(ws, "room:t"))["payload"]["epoch"]
        await http.post(f"{a.http}/publish", params={"topic": "room:t", "text": "x", "n": 30})
        async with connect(f"{a.ws}/ws") as ws:
            trimmed = await subscribe(ws, "room:t", seq=0, epoch=epoch)
            assert trimmed["payload"] == {"recovered": False, "epoch": epoch, "seq": 30}
            # this private Redis (not the shared one) loses everything
            import redis as redis_py

            with redis_py.Redis.from_url(url) as private:
                private.flushall()
            await http.post(f"{a.http}/publish", params={"topic": "room:t", "text": "after"})
            notice = await recv(ws)  # the live stream announces its new epoch
            assert notice["action"] == "subscribed"
            assert notice["payload"]["recovered"] is False
            new_epoch = notice["payload"]["epoch"]
            assert new_epoch != epoch
            assert ((await recv(ws))["seq"]) == 1
        async with connect(f"{a.ws}/ws") as ws:
            stale = await subscribe(ws, "room:t", seq=30, epoch=epoch)
            assert stale["payload"] == {"recovered": False, "epoch": new_epoch, "seq": 1}
