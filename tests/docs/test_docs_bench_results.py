"""The performance page's tables and chart are the committed run's (``bench.report --docs``)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import report

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
