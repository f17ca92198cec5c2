#!/usr/bin/env bash
# Benchmarks of issue 9 still run end to end (tiny sizes; the figures mean nothing here).
# Each module is run directly, so bench/results/latest.* (a real run's output) is untouched.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh

export CHANX_BENCH_SMOKE=1
for name in asgi_dispatch fanout asgi_sockets django_fanout telemetry topics client event_copy scale; do
  echo "-- bench_${name} (smoke)"
  timeout 600 "$TOOLS/hatch" run bench:python -m "bench.bench_${name}" >/dev/null
done
echo "benchmarks run"
