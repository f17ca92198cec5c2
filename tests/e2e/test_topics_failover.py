"""Kill -9 one of two server processes under 200 subscribers: recovered clients lose nothing.

Every client subscribes to one recovering topic on server A while server B publishes. A is
killed with SIGKILL mid-stream (no disconnect handling, no goodbyes); each client reconnects to
B with the last ``(epoch, seq)`` it saw, must be told ``recovered: true`` and must end up with
every publish exactly once, in order (counted per client).
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
from websockets.exceptions import ConnectionClosed

pytestmark = [pytest.mark.e2e, pytest.mark.asgi, pytest.mark.redis]

HERE = Path(__file__).resolve().parent
CLIENTS = 200
BATCHES = 20
PER_BATCH = 10
TOTAL = BATCHES * PER_BATCH
TOPIC = "room:failover"


def uvicorn() -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "topics_asgi_app:app", "--app-dir", str(HERE),
        "--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning",
    ]  # fmt: skip


async def recv(ws: ClientConnection, timeout: float = 30) -> Any:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv(decode=True))


async def subscribe(ws: ClientConnection, **position: Any) -> dict[str, Any]:
    frame: dict[str, Any] = {"topic": TOPIC, "ref": "s", "action": "subscribe"}
    if position:
        frame["payload"] = position
    await ws.send(json.dumps(frame))
    reply: dict[str, Any] = await recv(ws)
    assert reply["action"] == "subscribed", reply
    return reply


class Client:
    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.epoch = ""
        self.recovered: bool | None = None
        #: (last seq, epoch, subscribed reply) of the resubscribe, for failure messages
        self.reply: tuple[int, str, dict[str, Any]] | None = None

    async def run(self, a: Any, b: Any, subscribed: asyncio.Semaphore) -> None:
        async with connect(f"{a.ws}/ws", open_timeout=30) as ws:
            self.epoch = (await subscribe(ws))["payload"]["epoch"]
            subscribed.release()
            try:
                await self.read(ws)
                return  # everything arrived before the kill
            except ConnectionClosed:
                pass
        async with connect(f"{b.ws}/ws", open_timeout=30) as ws:
            last = self.seqs[-1] if self.seqs else 0
            reply = await subscribe(ws, seq=last, epoch=self.epoch)
            self.reply = (last, self.epoch, reply)
            self.recovered = reply["payload"]["recovered"]
            if self.recovered:
                await self.read(ws)

    async def read(self, ws: ClientConnection) -> None:
        while not self.seqs or self.seqs[-1] < TOTAL:
            frame = await recv(ws)
            assert frame["topic"] == TOPIC
            self.seqs.append(frame["seq"])


async def test_kill_9_under_200_subscribers_loses_nothing(
    start_server: Any, redis_url: str
) -> None:
    env = {
        "REDIS_URL": redis_url,
        "TOPICS_PREFIX": f"chanx-failover-{uuid.uuid4().hex[:10]}",
        "PYTHONPATH": str(HERE.parent / "reliability"),  # the shared topics_e2e_common
    }
    a = start_server(uvicorn(), env=env)
    b = start_server(uvicorn(), env=env)
    clients = [Client() for _ in range(CLIENTS)]
    subscribed = asyncio.Semaphore(0)
    tasks = [asyncio.create_task(c.run(a, b, subscribed)) for c in clients]
    async with asyncio.timeout(60):
        for _ in clients:
            await subscribed.acquire()
    async with httpx.AsyncClient(timeout=30) as http:
        for batch in range(BATCHES):
            if batch == BATCHES // 3:
                assert a.process is not None
                a.process.kill()  # SIGKILL: the process gets no chance to clean up
            params: dict[str, str | int] = {"topic": TOPIC, "text": f"b{batch}-", "n": PER_BATCH}
            response = await http.post(f"{b.http}/publish", params=params)
            assert response.status_code == 200
    async with asyncio.timeout(120):
        await asyncio.gather(*tasks)
    failed = [c for c in clients if c.recovered is False]
    assert not failed, (
        f"{len(failed)} clients could not recover: {failed[0].reply} {b.output()[-3000:]}"
    )
    lost = {i: TOTAL - len(set(c.seqs)) for i, c in enumerate(clients)}
    assert sum(lost.values()) == 0, {i: n for i, n in lost.items() if n}
    for c in clients:
        assert c.seqs == list(range(1, TOTAL + 1))  # in order, no duplicates
    assert sum(c.recovered is True for c in clients) > 0  # the kill did cut clients off
