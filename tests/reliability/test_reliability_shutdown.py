"""Graceful deploys over real servers: SIGTERM under load closes every client with 1012 and
loses no in-flight reply.

uvicorn (FastAPI binding) and daphne (Django binding) each serve 30 clients that send
``work`` requests back to back (each handler works 40-120 ms, so handlers are always in
flight). Then the server gets SIGTERM. Counted: every handler that started (the app records
each start in a file) delivered its reply to its client; every client saw close code 1012;
the server process exited on its own.
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import pytest
from live_servers import live_server
from reliability_servers import ws_connect
from websockets.exceptions import ConnectionClosed

from chanx.constants import CLOSE_SERVICE_RESTART

pytestmark = pytest.mark.e2e

CLIENTS = 30


async def worker(url: str, client: int, replied: set[int], going: asyncio.Event) -> int | None:
    """Send work requests one after the other until the server closes; its close code."""
    async with ws_connect(url) as ws:
        i = 0
        try:
            while True:
                n = client * 100_000 + i
                await ws.send(
                    json.dumps({"action": "work", "payload": {"n": n, "ms": 40 + 40 * (i % 3)}})
                )
                frame = json.loads(await asyncio.wait_for(ws.recv(), 20))
                assert frame == {"action": "work_done", "payload": n}
                replied.add(n)
                if len(replied) >= 3 * CLIENTS:
                    going.set()
                i += 1
        except ConnectionClosed:
            pass
        code: int | None = ws.close_code
        return code


@pytest.mark.parametrize("kind", ["asgi", "django"])
async def test_sigterm_under_load_closes_every_client_with_1012_and_loses_no_reply(
    kind: str, tmp_path: Path
) -> None:
    with live_server(kind, tmp_path, "work") as (process, url, started):
        replied: set[int] = set()
        going = asyncio.Event()
        clients = [asyncio.ensure_future(worker(url, c, replied, going)) for c in range(CLIENTS)]
        await asyncio.wait_for(going.wait(), 30)  # every client is working
        process.send_signal(signal.SIGTERM)
        codes = await asyncio.wait_for(asyncio.gather(*clients), 30)
        await asyncio.get_running_loop().run_in_executor(None, process.wait, 20)
        assert codes == [CLOSE_SERVICE_RESTART] * CLIENTS
        begun = {int(line) for line in started.read_text().split()}
        assert len(begun) >= 3 * CLIENTS
        lost = begun - replied
        assert not lost, f"{len(lost)} handlers started but their reply never arrived"
