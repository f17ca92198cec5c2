"""The performance page's tables and chart are the committed run's (``bench.report --docs``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report
from bench.__main__ import run_alone

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "_static" / "bench"


results = json.loads((COMMITTED / "results.json").read_text())


def test_the_ratio_table_and_chart_are_rendered_from_the_committed_results() -> None:
    rows = report.ratios(results)
    assert rows, "the committed run has no ratios"
    assert (COMMITTED / "results.rst").read_text() == report.table(rows)
    assert (COMMITTED / "results.svg").read_text() == report.chart(rows)


def test_the_telemetry_tables_are_rendered_from_the_committed_results() -> None:
    text = (COMMITTED / "results-telemetry.rst").read_text()
    assert text == report.telemetry_table(results["telemetry"])
    # every case, in the comparison with the code before the hooks too when the run has it
    figures = results["telemetry"]
    tables = 2 if any(key.endswith("_off_vs_before") for key in figures) else 1
    assert text.count(".. list-table::") == tables
    for case in ("ping, lockstep", "chat, lockstep", "ping, pipelined", "chat, pipelined"):
        assert text.count(f"   * - {case}\n") == tables, case


def test_the_performance_page_includes_them() -> None:
    page = (ROOT / "docs" / "performance.rst").read_text()
    for name in ("results.svg", "results.rst", "results-telemetry.rst"):
        assert f"_static/bench/{name}" in page, name


def test_the_bench_command_returns_the_figures_of_a_benchmark_run_apart(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # run_alone is what `hatch run bench:run` does per benchmark: a new interpreter (started
    # here from another folder) whose figures come back through a file
    monkeypatch.setenv("CHANX_BENCH_SMOKE", "1")
    monkeypatch.chdir(tmp_path)
    figures = run_alone("event_copy")
    assert figures["flat_chanx_ratio"] > 0
    assert report.ratios({"event_copy": figures})
