"""Benchmark sizes, shrunk by ``CHANX_BENCH_SMOKE=1`` for CI's smoke run.

The smoke run (``.ci/steps/60-bench-smoke.sh``) proves the benchmarks still run end to end;
its figures mean nothing.
"""

from __future__ import annotations

import os

SMOKE = os.environ.get("CHANX_BENCH_SMOKE", "") == "1"


def size(full: int, smoke: int) -> int:
    """``full``, or ``smoke`` in a smoke run."""
    return smoke if SMOKE else full
