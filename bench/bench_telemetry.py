"""What telemetry costs: in-process dispatch with tracing and metrics on, off, and before.

Run: ``hatch run bench:run telemetry``. The driver and application of
:mod:`bench.bench_asgi_dispatch` (the full FastAPI app, no sockets), the ``ping`` and ``chat``
frames, lockstep and pipelined; microseconds per message, medians of interleaved rounds:

* ``off``: this tree, nothing installed (the hot path tests one attribute per hook point);
* ``metrics``: :class:`~chanx.core.prometheus.MetricsObserver` installed;
* ``on``: metrics and :class:`~chanx.core.otel.TracingObserver` (OpenTelemetry SDK, 10% of
  traces sampled, spans batched to an exporter that drops them);
* ``on_every_span``: the same recording every span. One SDK span costs about what chanx's
  whole frame costs (``sdk_span_us`` measures a bare one), so this ratio is the SDK's;
* ``before``: with ``CHANX_BENCH_BASE=<git ref>`` (e.g. ``main``), the same measurement in a
  child process importing the packages of that commit (``git archive``), i.e. the code
  without any hook.

Targets: ``on`` <= 1.3x ``off``; ``off`` within noise of ``before``.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._asgi_apps import CHAT, PING, build_app
from bench._knobs import size
from bench.bench_asgi_dispatch import _lockstep, _pipelined
from chanx.fast_channels.layers import setup_layers

ROUNDS = size(7, 1)
MESSAGES = size(2000, 50)
#: Share of traces recorded in the ``on`` configuration (head sampling, as in production).
SAMPLED = 0.1
ROOT = Path(__file__).resolve().parents[1]
CASES = [
    (f"{name}_{mode}", measure, frame)
    for mode, measure in (("lockstep", _lockstep), ("pipelined", _pipelined))
    for name, frame in (("ping", PING), ("chat", CHAT))
]


def _observers() -> dict[str, tuple[Any, ...]]:
    """The configurations measured against ``off``, by name."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
    from prometheus_client import CollectorRegistry

    from chanx.core.otel import TracingObserver
    from chanx.core.prometheus import MetricsObserver

    class Drop(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    every = TracerProvider()
    every.add_span_processor(BatchSpanProcessor(Drop()))
    sampled = TracerProvider(sampler=ParentBased(TraceIdRatioBased(SAMPLED)))
    sampled.add_span_processor(BatchSpanProcessor(Drop()))
    metrics = MetricsObserver(CollectorRegistry())
    return {
        "metrics": (metrics,),
        "on": (TracingObserver(sampled), metrics),
        "on_every_span": (TracingObserver(every), metrics),
    }


def _sdk_span_us() -> float:
    """What one bare OpenTelemetry SDK span costs here (start + end, no chanx involved)."""
    from opentelemetry import context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class Drop(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Drop()))
    tracer = provider.get_tracer("bench")
    count = MESSAGES * 2
    start = time.perf_counter()
    for _ in range(count):
        tracer.start_span("process ping", context=context.Context()).end()
    return (time.perf_counter() - start) / count * 1e6


async def _plain() -> dict[str, float]:
    """Only the code as it is, nothing installed (also what the ``before`` child runs)."""
    setup_layers(None)
    app = build_app()
    samples: dict[str, list[float]] = {key: [] for key, _, _ in CASES}
    for _ in range(ROUNDS):
        for key, measure, frame in CASES:
            samples[key].append(await measure(app, "/chanx", frame))
    return {key: statistics.median(v) * 1e6 for key, v in samples.items()}


async def _configurations() -> dict[str, float]:
    from chanx.core.telemetry import install, uninstall

    setup_layers(None)
    app = build_app()
    configurations = _observers()
    results: dict[str, float] = {}
    for key, measure, frame in CASES:
        samples: dict[str, list[float]] = {"off": [], **{name: [] for name in configurations}}
        for _ in range(ROUNDS):  # interleaved: machine noise hits every configuration alike
            uninstall()
            samples["off"].append(await measure(app, "/chanx", frame))
            for name, observers in configurations.items():
                install(*observers)
                samples[name].append(await measure(app, "/chanx", frame))
        uninstall()
        off = results[f"{key}_off_us"] = statistics.median(samples["off"]) * 1e6
        for name in configurations:
            figure = results[f"{key}_{name}_us"] = statistics.median(samples[name]) * 1e6
            results[f"{key}_{name}_ratio"] = figure / off
    results["sdk_span_us"] = _sdk_span_us()
    return results


def _before(ref: str) -> dict[str, float]:
    """The plain figures of the packages at git ``ref``, measured in a child process."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", ref, "packages"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        tar_path = Path(tmp) / "base.tar"
        tar_path.write_bytes(archive)
        with tarfile.open(tar_path) as tar:
            tar.extractall(tmp, filter="data")
        sources = sorted(str(p) for p in (Path(tmp) / "packages").glob("*/src"))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([*sources, str(ROOT)])}
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_telemetry", "--plain"],
            cwd=tmp,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    where, figures_json = out.strip().splitlines()[-2:]
    if not where.startswith(tmp):  # the child must have imported the archived packages
        raise RuntimeError(f"the {ref} child imported chanx.core from {where}")
    figures: dict[str, float] = json.loads(figures_json)
    return figures


def main() -> dict[str, float]:
    """Run and print the figures side by side."""
    results = asyncio.run(_configurations())
    base = os.environ.get("CHANX_BENCH_BASE")
    before = _before(base) if base else {}
    for key, value in before.items():
        results[f"{key}_before_us"] = value
        results[f"{key}_off_vs_before"] = results[f"{key}_off_us"] / value
    nan = float("nan")
    print(f"in-process dispatch with telemetry (µs per message, median of {ROUNDS} rounds)")
    head = ("before", "off", "metrics", "on", "every span", "on/off", "every/off", "off/before")
    print(f"  {'case':16s}" + "".join(f"{h:>11s}" for h in head))
    for key, _, _ in CASES:
        row = (
            results.get(f"{key}_before_us", nan),
            results[f"{key}_off_us"],
            results[f"{key}_metrics_us"],
            results[f"{key}_on_us"],
            results[f"{key}_on_every_span_us"],
            results[f"{key}_on_ratio"],
            results[f"{key}_on_every_span_ratio"],
            results.get(f"{key}_off_vs_before", nan),
        )
        print(f"  {key:16s}" + "".join(f"{v:11.2f}" for v in row))
    print(f"  one bare OpenTelemetry SDK span here: {results['sdk_span_us']:.2f} µs")
    print(
        f"  on = metrics + tracing with {SAMPLED:.0%} of traces sampled; every span = metrics +"
        " tracing recording every span"
    )
    print("  targets: on/off <= 1.3; off/before ~ 1.0 (set CHANX_BENCH_BASE=<ref> for before)")
    return results


if __name__ == "__main__":
    if sys.argv[1:] == ["--plain"]:
        import chanx.core

        print(chanx.core.__file__)
        print(json.dumps(asyncio.run(_plain())))
    else:
        main()
