"""Core benchmarks: class build time and in-process dispatch against a hand-written floor.

Run: ``hatch run bench:run core`` (or ``python -m bench.bench_core``). Every figure is printed
beside a reference measured in the same run, as a ratio; absolute times on a shared machine
mean little.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Annotated, Any, Literal, Union, cast

from pydantic import Field, TypeAdapter, create_model

from chanx.core import ChanxConsumer, ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.messages import PingMessage, PongMessage
from chanx.messages.base import BaseMessage

N_HANDLERS = 200
ROUNDS = 5
MESSAGES = 3000


def _models(n: int) -> list[type[BaseMessage]]:
    return [
        create_model(
            f"M{i}",
            __base__=BaseMessage,
            action=(cast("Any", Literal).__getitem__(f"a{i}"), f"a{i}"),
            payload=(int, 0),
        )
        for i in range(n)
    ]


def build_consumer(models: list[type[BaseMessage]]) -> type[ChanxConsumer]:
    """A consumer class with one handler per model, built the way a user's class is."""
    namespace: dict[str, Any] = {}
    for i, model in enumerate(models):

        async def handler(self: Any, message: Any) -> None:
            return None

        namespace[f"h{i}"] = ws_handler(input_type=model)(handler)
    return type("Big", (ChanxConsumer,), namespace)


def bench_class_build() -> dict[str, float]:
    models = _models(N_HANDLERS)
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        build_consumer(models)
        times.append(time.perf_counter() - start)
    return {"class_build_200_handlers_ms": statistics.median(times) * 1000}


class Ping(ChanxConsumer):
    channel_layer_alias = None

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


_PING_UNION: Any = Annotated[Union[PingMessage, PongMessage], Field(discriminator="action")]  # noqa: UP007
_ADAPTER: TypeAdapter[Any] = TypeAdapter(_PING_UNION)


async def hand_written(scope: Any, receive: Any, send: Any) -> None:
    """The floor: an ASGI endpoint validating and answering by hand, no framework."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            _ADAPTER.validate_json(message["text"])
            await send({"type": "websocket.send", "text": PongMessage().model_dump_json()})
        else:
            return


async def _lockstep(app: Any) -> float:
    frame = json.dumps({"action": "ping"})
    async with WebsocketHarness(app) as ws:
        for _ in range(200):  # warm-up
            await ws.send_text(frame)
            await ws.receive_text()
        start = time.perf_counter()
        for _ in range(MESSAGES):
            await ws.send_text(frame)
            await ws.receive_text()
        return (time.perf_counter() - start) / MESSAGES


def _raw_loop() -> float:
    frame = json.dumps({"action": "ping"})
    start = time.perf_counter()
    for _ in range(MESSAGES):
        _ADAPTER.validate_json(frame)
        PongMessage().model_dump_json()
    return (time.perf_counter() - start) / MESSAGES


async def bench_dispatch() -> dict[str, float]:
    chanx_times, hand_times, raw_times = [], [], []
    for _ in range(ROUNDS):  # interleaved so machine noise hits both alike
        chanx_times.append(await _lockstep(Ping))
        hand_times.append(await _lockstep(hand_written))
        raw_times.append(_raw_loop())
    chanx_us = statistics.median(chanx_times) * 1e6
    hand_us = statistics.median(hand_times) * 1e6
    raw_us = statistics.median(raw_times) * 1e6
    return {
        "ping_chanx_us": chanx_us,
        "ping_hand_written_asgi_us": hand_us,
        "ping_validate_dump_loop_us": raw_us,
        "ratio_vs_hand_written_asgi": chanx_us / hand_us,
    }


def main() -> dict[str, float]:
    """Run the core benchmarks and print a table."""
    results = {**bench_class_build(), **asyncio.run(bench_dispatch())}
    print("chanx-core benchmarks (median of", ROUNDS, "rounds)")
    for key, value in results.items():
        print(f"  {key:32s} {value:10.2f}")
    print(
        "  target: class build < 50 ms; dispatch <= 1.5x the hand-written endpoint "
        "(same harness, same run)"
    )
    return results


if __name__ == "__main__":
    main()
