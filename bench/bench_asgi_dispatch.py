"""In-process dispatch through the full FastAPI app, against a hand-written Starlette endpoint.

Run: ``hatch run bench:run asgi_dispatch``. No sockets: a minimal driver (two queues, no
per-receive task or ``asyncio.wait``, unlike the test harness) speaks ASGI to the whole
FastAPI application (routing included) for both endpoints of :mod:`bench._asgi_apps`, so the
figures are the applications' cost, not the driver's. Frames: ``ping`` and a chat frame with
a nested payload; lockstep (send, wait for the reply) and pipelined (send a batch, then read
every reply). Figures are microseconds per message, medians of interleaved rounds, and the
ratio chanx / hand-written.
Targets: <= 1.0x lockstep, <= 0.8x pipelined.

The ``/floor`` endpoint (a raw ASGI app answering every frame with a constant) is measured in
the same rounds: what the driver, FastAPI and the event loop cost either side. ``own_ratio``
is chanx's cost above that floor over the hand-written endpoint's cost above it, the share of
the frame each one's own code takes. The ``/lean`` endpoint (chanx's consumer with none of
the full path's checks) is measured alongside: ``lean_ratio`` is the cheapest a consumer of
chanx's shape gets to, ``vs_lean_ratio`` what the full feature set costs on top of it.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench._asgi_apps import CHAT, PING, build_app
from bench._knobs import size
from chanx.fast_channels.layers import setup_layers

ROUNDS = size(7, 1)
MESSAGES = size(2000, 50)


class Driver:
    """The cheapest possible in-process WebSocket client of an ASGI app."""

    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "subprotocols": [],
            "state": {},
        }
        self.to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Driver:
        self.task = asyncio.create_task(self.app(self.scope, self.to_app.get, self.from_app.put))
        self.to_app.put_nowait({"type": "websocket.connect"})
        accepted = await self.from_app.get()
        assert accepted["type"] == "websocket.accept", accepted
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.to_app.put_nowait({"type": "websocket.disconnect", "code": 1000})
        assert self.task is not None
        await asyncio.wait_for(self.task, 10)

    async def send_text(self, text: str) -> None:
        self.to_app.put_nowait({"type": "websocket.receive", "text": text})

    async def receive_text(self) -> str:
        message = await self.from_app.get()
        return str(message["text"])


Clock = Callable[[], float]


async def lockstep(app: Any, path: str, frame: str, clock: Clock = time.perf_counter) -> float:
    """Seconds (of ``clock``) per request/reply, each reply awaited before the next send."""
    async with Driver(app, path) as ws:
        for _ in range(100):  # warm-up
            await ws.send_text(frame)
            await ws.receive_text()
        start = clock()
        for _ in range(MESSAGES):
            await ws.send_text(frame)
            await ws.receive_text()
        return (clock() - start) / MESSAGES


async def pipelined(app: Any, path: str, frame: str, clock: Clock = time.perf_counter) -> float:
    """Seconds (of ``clock``) per message with a batch sent before any reply is read."""
    async with Driver(app, path) as ws:
        for _ in range(100):
            await ws.send_text(frame)
            await ws.receive_text()
        start = clock()
        for _ in range(MESSAGES):
            await ws.send_text(frame)
        for _ in range(MESSAGES):
            await ws.receive_text()
        return (clock() - start) / MESSAGES


async def same_answers(app: Any) -> None:
    """The compared endpoints answer both frames alike (else their figures mean nothing)."""
    answers = []
    for path in ("/chanx", "/hand", "/lean"):
        async with Driver(app, path) as ws:
            replies = []
            for frame in (PING, CHAT):
                await ws.send_text(frame)
                replies.append(json.loads(await ws.receive_text()))
            answers.append(replies)
    assert answers[0] == answers[1] == answers[2], answers


async def run() -> dict[str, float]:
    """Every figure of this benchmark."""
    setup_layers(None)
    app = build_app()
    await same_answers(app)
    results: dict[str, float] = {}
    for mode, measure in (("lockstep", lockstep), ("pipelined", pipelined)):
        for name, frame in (("ping", PING), ("chat", CHAT)):
            chanx, hand, floor, lean = [], [], [], []
            for _ in range(ROUNDS):  # interleaved: machine noise hits all alike
                chanx.append(await measure(app, "/chanx", frame))
                hand.append(await measure(app, "/hand", frame))
                floor.append(await measure(app, "/floor", frame))
                lean.append(await measure(app, "/lean", frame))
            chanx_us = statistics.median(chanx) * 1e6
            hand_us = statistics.median(hand) * 1e6
            floor_us = statistics.median(floor) * 1e6
            lean_us = statistics.median(lean) * 1e6
            results[f"{name}_{mode}_chanx_us"] = chanx_us
            results[f"{name}_{mode}_hand_us"] = hand_us
            results[f"{name}_{mode}_floor_us"] = floor_us
            results[f"{name}_{mode}_lean_us"] = lean_us
            results[f"{name}_{mode}_ratio"] = chanx_us / hand_us
            results[f"{name}_{mode}_own_ratio"] = (chanx_us - floor_us) / (hand_us - floor_us)
            results[f"{name}_{mode}_lean_ratio"] = lean_us / hand_us
            results[f"{name}_{mode}_vs_lean_ratio"] = chanx_us / lean_us
    return results


def main() -> dict[str, float]:
    """Run and print the table."""
    results = asyncio.run(run())
    print(f"in-process dispatch, full FastAPI app (median of {ROUNDS} rounds)")
    for key, value in results.items():
        print(f"  {key:32s} {value:10.2f}")
    print("  targets: ratio <= 1.0 lockstep, <= 0.8 pipelined")
    return results


if __name__ == "__main__":
    main()
