"""Client generation time for a large app: 100 consumers x 10 handlers (target < 2 s).

Run: ``hatch run bench:run client`` (or ``python -m bench.bench_client``). The consumers are
bench_asyncapi's (built first, not timed). Timed: the AsyncAPI document from the routes, then
the Python client package and the TypeScript client written to a temporary folder, as
``chanx generate-client -s MODULE:APP`` does (without a formatter); first run and median.
"""

from __future__ import annotations

import gc
import json
import statistics
import tempfile
import time
from pathlib import Path

from bench._knobs import size
from bench.bench_asyncapi import HANDLERS, _consumer
from chanx.asyncapi import generate, to_json
from chanx.client_generator import ClientGenerator

CONSUMERS = size(100, 5)
ROUNDS = size(5, 2)
TARGET_SECONDS = 2.0


def main() -> dict[str, float]:
    """Build the app, time generation of both clients, print and return the figures."""
    routes = [(f"/ws/c{c}/{{room}}", _consumer(c)) for c in range(CONSUMERS)]
    totals: list[float] = []
    clients: list[float] = []
    files = 0
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(ROUNDS):
            gc.collect()
            t0 = time.perf_counter()
            document = json.loads(to_json(generate(routes)))
            t1 = time.perf_counter()
            written = ClientGenerator(document, Path(tmp) / "py").generate()
            written += ClientGenerator(document, Path(tmp) / "ts", language="typescript").generate()
            t2 = time.perf_counter()
            totals.append(t2 - t0)
            clients.append(t2 - t1)
            files = len(written)
    first, median = totals[0], statistics.median(totals[1:] or totals)
    verdict = "OK" if first < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(
        f"client: {CONSUMERS} consumers x {HANDLERS} handlers: document + Python + TypeScript "
        f"clients first {first * 1000:.0f} ms (clients alone {clients[0] * 1000:.0f} ms), "
        f"median {median * 1000:.0f} ms ({files} files; target < {TARGET_SECONDS:.0f} s: "
        f"{verdict})"
    )
    return {
        "first_ms": first * 1000,
        "median_ms": median * 1000,
        "clients_first_ms": clients[0] * 1000,
        "files": float(files),
    }


if __name__ == "__main__":
    main()
