"""AsyncAPI generation time for a large app: 100 consumers x 10 handlers (target < 1 s).

Run: ``hatch run bench:run asyncapi`` (or ``python -m bench.bench_asyncapi``). Consumer classes
are built first (not timed); the figure is ``generate()`` plus JSON serialization of the whole
document, on fresh models (first call) and the median of repeated calls.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any, Literal, cast

from pydantic import BaseModel, create_model

from chanx.asyncapi import generate, to_json
from chanx.core import ChanxConsumer, channel, event_handler, ws_handler
from chanx.messages.base import BaseMessage

CONSUMERS = 100
HANDLERS = 10  # per consumer: 7 client messages with replies, 3 server events
ROUNDS = 5
TARGET_SECONDS = 1.0


def _message(name: str, action: str, payload: type[BaseModel]) -> type[BaseMessage]:
    return create_model(
        name,
        __base__=BaseMessage,
        action=(cast("Any", Literal).__getitem__(action), action),
        payload=(payload, ...),
    )


def _consumer(c: int) -> type[ChanxConsumer[Any]]:
    payload = create_model(f"Payload{c}", text=(str, ...), count=(int, 0), tags=(list[str], []))
    namespace: dict[str, Any] = {"__doc__": f"Consumer number {c}."}
    for h in range(HANDLERS):
        out = _message(f"Out{c}_{h}", f"out_{c}_{h}", payload)
        if h < 7:
            inp = _message(f"In{c}_{h}", f"in_{c}_{h}", payload)

            async def handle(self: Any, message: Any) -> Any:
                return None

            decorate = ws_handler(input_type=inp, output_type=out, summary=f"handler {h}")
            namespace[f"handle_{h}"] = decorate(handle)
        else:
            event = _message(f"Ev{c}_{h}", f"ev_{c}_{h}", payload)

            async def on_event(self: Any, message: Any) -> Any:
                return None

            namespace[f"event_{h}"] = event_handler(input_type=event, output_type=out)(on_event)
    cls = type(f"Consumer{c}", (ChanxConsumer,), namespace)
    return channel(name=f"consumer_{c}", tags=["bench"])(cls)


def main() -> dict[str, float]:
    """Build the app, time generation, print and return the figures."""
    started = time.perf_counter()
    routes = [(f"/ws/c{c}/{{room}}", _consumer(c)) for c in range(CONSUMERS)]
    build = time.perf_counter() - started

    times = []
    size = 0
    for _ in range(ROUNDS):
        gc.collect()  # start each round without the previous round's garbage
        t0 = time.perf_counter()
        size = len(to_json(generate(routes)))
        times.append(time.perf_counter() - t0)
    first, median = times[0], statistics.median(times[1:])
    verdict = "OK" if first < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(
        f"asyncapi: {CONSUMERS} consumers x {HANDLERS} handlers: generate+JSON first "
        f"{first * 1000:.0f} ms, median {median * 1000:.0f} ms ({size / 1e6:.1f} MB JSON; "
        f"target < {TARGET_SECONDS:.0f} s: {verdict}); class build {build * 1000:.0f} ms"
    )
    return {"first_ms": first * 1000, "median_ms": median * 1000, "class_build_ms": build * 1000}


if __name__ == "__main__":
    main()
