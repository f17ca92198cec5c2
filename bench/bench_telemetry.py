"""What telemetry costs: in-process dispatch with tracing and metrics on, off, and before.

Run: ``hatch run bench:run telemetry``. The driver and application of
:mod:`bench.bench_asgi_dispatch` (the full FastAPI app, no sockets), the ``ping`` and ``chat``
frames, lockstep and pipelined; microseconds of CPU time of the measuring process per message
(``time.process_time``: on a shared machine, time other processes take does not count, so the
ratios stay stable where wall-clock ones swing), medians of interleaved rounds in which each
configuration is measured right after an ``off`` measurement of its own (a ratio is the
median of those pairs' ratios):

* ``off``: this tree, nothing installed (the hot path tests one attribute per hook point);
* ``metrics``: :class:`~chanx.core.prometheus.MetricsObserver` installed;
* ``on_1pct`` / ``on_10pct``: metrics and :class:`~chanx.core.otel.TracingObserver` tracing
  1% / 10% of the frames (``frame_ratio``; OpenTelemetry SDK, spans batched to an exporter
  that drops them);
* ``on_every_span``: the same recording a span for every frame. One SDK span costs about
  what chanx's whole frame costs (``sdk_span_us`` measures a bare one), so this ratio is the
  SDK's;
* ``on_sdk_10pct``: every frame handed to the SDK, whose ``TraceIdRatioBased(0.1)`` sampler
  keeps 10% (an unsampled SDK span still costs much of a span: ``frame_ratio`` is cheaper);
* ``before``: with ``CHANX_BENCH_BASE=<git ref>`` (e.g. ``main``), the plain measurement in
  fresh processes importing the packages of that commit (``git archive``), the code without
  any hook, interleaved with the same measurement of this tree in fresh processes
  (``off_fresh``), the fastest process of each tree: ``off_vs_before`` compares like with like.

Targets: tracing and metrics on <= 1.3x ``off``; ``off`` within noise of ``before``.
"""

from __future__ import annotations

import asyncio
import gc
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
from bench.bench_asgi_dispatch import MESSAGES, lockstep, pipelined
from chanx.fast_channels.layers import setup_layers

ROUNDS = size(9, 1)
#: Share of traces the SDK's sampler keeps in ``on_sdk_10pct``.
SAMPLED = 0.1
#: Fresh processes per tree for the ``before`` comparison (the fastest of them counts).
CHILDREN = size(6, 1)
ROOT = Path(__file__).resolve().parents[1]


async def _lockstep(app: Any, path: str, frame: str) -> float:
    """CPU seconds of this process per request/reply (other processes' load does not count)."""
    return await lockstep(app, path, frame, time.process_time)


async def _pipelined(app: Any, path: str, frame: str) -> float:
    """CPU seconds per message with a batch of frames sent before any reply is read."""
    return await pipelined(app, path, frame, time.process_time)


CASES = [
    (f"{name}_{mode}", measure, frame)
    for mode, measure in (("lockstep", _lockstep), ("pipelined", _pipelined))
    for name, frame in (("ping", PING), ("chat", CHAT))
]


def _observers() -> dict[str, tuple[tuple[Any, ...], Any]]:
    """The configurations measured against ``off``: observers and tracer provider, by name.

    Each configuration has a provider of its own, flushed after each of its measurements
    (outside the timed part), so no batch of spans is exported while another one is timed.
    """
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
    from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, TraceIdRatioBased
    from prometheus_client import CollectorRegistry

    from chanx.core.otel import TracingObserver
    from chanx.core.prometheus import MetricsObserver

    class Drop(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    def provider(sampler: Sampler | None = None) -> TracerProvider:
        made = TracerProvider(sampler=sampler) if sampler else TracerProvider()
        made.add_span_processor(BatchSpanProcessor(Drop()))
        return made

    metrics = MetricsObserver(CollectorRegistry())
    configurations: dict[str, tuple[tuple[Any, ...], Any]] = {"metrics": ((metrics,), None)}
    for name, ratio, sampler in (
        ("on_1pct", 0.01, None),
        ("on_10pct", 0.1, None),
        ("on_every_span", 1.0, None),
        ("on_sdk_10pct", 1.0, ParentBased(TraceIdRatioBased(SAMPLED))),
    ):
        tracer_provider = provider(sampler)
        tracing = TracingObserver(tracer_provider, frame_ratio=ratio)
        configurations[name] = ((tracing, metrics), tracer_provider)
    return configurations


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
    start = time.process_time()
    for _ in range(count):
        tracer.start_span("process ping", context=context.Context()).end()
    return (time.process_time() - start) / count * 1e6


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
    """Each configuration's figures and its ratio to ``off``, from adjacent pairs.

    Every round measures, per configuration, ``off`` and then that configuration, back to
    back, after a full garbage collection (garbage left by the spans of one measurement is
    not collected in the next); the order of the configurations turns each round. A ratio is
    the median of its rounds' pair ratios: the two halves of a pair share the machine's state
    of that moment, which on a shared machine moves more from one round to the next than
    within a pair.
    """
    from chanx.core.telemetry import install, uninstall

    setup_layers(None)
    app = build_app()
    configurations = _observers()
    names = list(configurations)
    results: dict[str, float] = {}
    for key, measure, frame in CASES:
        offs: list[float] = []
        samples: dict[str, list[float]] = {name: [] for name in names}
        ratios: dict[str, list[float]] = {name: [] for name in names}
        for round_ in range(ROUNDS):
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                observers, tracer_provider = configurations[name]
                uninstall()
                gc.collect()
                off = await measure(app, "/chanx", frame)
                install(*observers)
                gc.collect()
                on = await measure(app, "/chanx", frame)
                uninstall()
                if tracer_provider is not None:
                    tracer_provider.force_flush()
                offs.append(off)
                samples[name].append(on)
                ratios[name].append(on / off)
        results[f"{key}_off_us"] = statistics.median(offs) * 1e6
        for name in names:
            results[f"{key}_{name}_us"] = statistics.median(samples[name]) * 1e6
            results[f"{key}_{name}_ratio"] = statistics.median(ratios[name])
    results["sdk_span_us"] = _sdk_span_us()
    return results


def _child(sources: list[str], where: str) -> dict[str, float]:
    """The plain figures of the packages in ``sources``, measured in a fresh process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*sources, str(ROOT)])}
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_telemetry", "--plain"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    imported, figures_json = out.strip().splitlines()[-2:]
    if not imported.startswith(where):  # the child must have imported the packages asked for
        raise RuntimeError(f"the child imported chanx.core from {imported}, not {where}")
    figures: dict[str, float] = json.loads(figures_json)
    return figures


def _before(ref: str) -> tuple[dict[str, float], dict[str, float]]:
    """Plain figures of git ``ref`` and of this tree, each in fresh processes, interleaved.

    Both sides run the same way (a fresh process, nothing installed), so their ratio is the
    cost of the hook points themselves. Each side's figure is its fastest process: on a shared
    machine a process runs in a fast or a slow state for its whole life (the same code measured
    14 and 20 µs per ping in consecutive processes), so a median of a few processes tells
    which state they drew more than which code is faster.
    """
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
        base_src = sorted(str(p) for p in (Path(tmp) / "packages").glob("*/src"))
        head_src = sorted(str(p) for p in (ROOT / "packages").glob("*/src"))
        runs: dict[str, list[dict[str, float]]] = {"before": [], "head": []}
        for _ in range(CHILDREN):
            runs["before"].append(_child(base_src, tmp))
            runs["head"].append(_child(head_src, str(ROOT)))
    before, head = (
        {key: min(r[key] for r in runs[side]) for key, _, _ in CASES} for side in ("before", "head")
    )
    return before, head


def main() -> dict[str, float]:
    """Run and print the figures side by side."""
    results = asyncio.run(_configurations())
    base = os.environ.get("CHANX_BENCH_BASE")
    before, head = _before(base) if base else ({}, {})
    for key, value in before.items():
        results[f"{key}_before_us"] = value
        results[f"{key}_off_fresh_us"] = head[key]
        results[f"{key}_off_vs_before"] = head[key] / value
    nan = float("nan")
    print(f"in-process dispatch with telemetry (CPU µs per message, median of {ROUNDS} rounds)")
    names = ("metrics", "on_1pct", "on_10pct", "on_every_span", "on_sdk_10pct")
    print("  (before and off/before: fresh processes of each tree, nothing installed)")
    print(f"  {'case':16s}" + "".join(f"{h:>14s}" for h in ("before", "off", *names)))
    for key, _, _ in CASES:
        row = [results.get(f"{key}_before_us", nan), results[f"{key}_off_us"]]
        row += [results[f"{key}_{name}_us"] for name in names]
        print(f"  {key:16s}" + "".join(f"{v:14.2f}" for v in row))
    print(f"  {'ratios':16s}" + "".join(f"{h:>14s}" for h in ("off/before", "", *names)))
    for key, _, _ in CASES:
        row = [results.get(f"{key}_off_vs_before", nan), nan]
        row += [results[f"{key}_{name}_ratio"] for name in names]
        print(f"  {key:16s}" + "".join(f"{v:14.2f}" for v in row))
    print(f"  one bare OpenTelemetry SDK span here: {results['sdk_span_us']:.2f} µs")
    print("  targets: on/off <= 1.3; off/before ~ 1.0 (set CHANX_BENCH_BASE=<ref> for before)")
    return results


if __name__ == "__main__":
    if sys.argv[1:] == ["--plain"]:
        import chanx.core

        print(chanx.core.__file__)
        print(json.dumps(asyncio.run(_plain())))
    else:
        main()
