"""Side by side: chanx 2.13, this chanx and the hand-written endpoint, through one harness.

Run: ``hatch run bench:run chanx213``. The first run installs ``chanx[fast-channels]==2.13.*``
(with uvicorn and FastAPI) from the package index into ``bench/.venv-chanx213`` (git-ignored)
and reuses it afterwards; ``CHANX_BENCH_213_PYTHON`` points at another interpreter that has it.
Its app (:mod:`bench._chanx213_app`) is the protocol of :mod:`bench._asgi_apps` written against
chanx 2.x's documented API, on fast-channels' ``InMemoryChannelLayer`` as 2.x's docs register
it; ours runs on the same layer (``fcmemory``) and on its own (``memory``). Each server is a
uvicorn process of its own; the clients are this process's (:mod:`bench.bench_asgi_sockets`).

Figures, interleaved rounds, medians, every one also as a ratio to the hand-written endpoint of
the same run: request/reply throughput (1 client, lockstep ``ping``) and the fan-out of one
``publish`` to 200 and 1,000 connections.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench._knobs import size
from bench.bench_asgi_sockets import Server, _fanout, _request_reply
from bench.bench_fanout import rotated

HERE = Path(__file__).parent
VENV = HERE / ".venv-chanx213"
REQUIREMENTS = ["chanx[fast-channels]==2.13.*", "uvicorn>=0.34", "websockets>=14"]
ROUNDS = size(5, 1)
FANOUT_SIZES = (size(200, 10), size(1000, 20))


def chanx213_python() -> str:
    """An interpreter with chanx 2.13 installed, creating ``bench/.venv-chanx213`` if needed."""
    given = os.environ.get("CHANX_BENCH_213_PYTHON")
    if given:
        return given
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"  installing chanx 2.13 into {VENV} ...")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True, timeout=600
        )
    version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('chanx'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not version.startswith("2.13."):
        raise RuntimeError(f"{python} has chanx {version}, not 2.13.*")
    return str(python)


async def run() -> dict[str, float]:
    """Every figure of this benchmark."""
    python = chanx213_python()
    servers = {
        "hand": (Server("fcmemory"), "/hand"),
        "ours_fcmemory": (Server("fcmemory"), "/chanx"),
        "ours_memory": (Server("memory"), "/chanx"),
        "chanx213": (Server(python=python, app="bench._chanx213_app:create_app"), "/chanx"),
    }
    started: list[Server] = []
    try:
        for server, _ in servers.values():
            server.__enter__()
            started.append(server)
        results: dict[str, float] = {}
        rr: dict[str, list[float]] = {side: [] for side in servers}
        fan: dict[tuple[str, int], list[float]] = {}
        for round_ in range(ROUNDS):  # interleaved: machine noise hits every side alike
            # each round in another order, so no side always follows the same one (chanx on
            # its own layer measured 1.04x and 0.87x the hand-written throughput in two runs
            # of three rounds in one fixed order)
            order = rotated(list(servers), round_)
            for side in order:
                server, path = servers[side]
                rr[side].append((await _request_reply(server.url(path), 1))[0])
            for count in FANOUT_SIZES:
                for side in order:
                    server, path = servers[side]
                    fan.setdefault((side, count), []).append(await _fanout(server.url(path), count))
        hand_rr = statistics.median(rr["hand"])
        for side in servers:
            value = statistics.median(rr[side])
            results[f"rr_1c_{side}_msgs_per_s"] = value
            results[f"rr_1c_{side}_throughput_ratio"] = value / hand_rr
        for count in FANOUT_SIZES:
            hand = statistics.median(fan[("hand", count)])
            for side in servers:
                value = statistics.median(fan[(side, count)])
                results[f"fanout_{count}_{side}_ms"] = value * 1e3
                results[f"fanout_{count}_{side}_ratio"] = value / hand
        return results
    finally:
        for server in started:
            server.__exit__()


def main() -> dict[str, float]:
    """Run and print the table."""
    results = asyncio.run(run())
    print(f"chanx 2.13 / ours / hand-written over loopback (medians of {ROUNDS} rounds)")
    for key, value in results.items():
        print(f"  {key:44s} {value:12.2f}")
    return results


if __name__ == "__main__":
    main()
