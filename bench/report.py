"""The docs' view of a benchmark run: a table and a chart from one results file.

``python -m bench.report [results.json]`` (run by ``python -m bench`` after every run) reads
``bench/results/latest.json`` and writes, next to it, ``latest.rst`` (a ``list-table`` of every
ratio: figure, chanx, reference, ratio) and ``latest.svg`` (one bar per ratio
on a log scale, from the reference at 1.0 to the ratio; chanx 2.13's bars, in another colour,
beside ours when the run has ``chanx213``). The SVG is
written by hand, so rendering needs no plotting library. ``docs/performance.rst`` includes
the committed copies under ``docs/_static/bench/``; copy them there with ``--docs``. A run
with ``telemetry`` also gets ``latest-telemetry.rst`` (``results-telemetry.rst`` in the
docs): off and each configuration as a ratio to it, and before/off when the run compared
with an earlier ref; the tables of the performance page's telemetry section.
"""

from __future__ import annotations

import html
import json
import math
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "results"
DOCS = HERE.parent / "docs" / "_static" / "bench"


def ratios(results: dict[str, dict[str, Any]]) -> list[tuple[str, float]]:
    """Every ``*_ratio`` figure of a run, as (``benchmark: figure``, value)."""
    rows = []
    for bench, figures in results.items():
        for key, value in (figures or {}).items():
            if key.endswith("_ratio") and isinstance(value, int | float):
                rows.append((f"{bench}: {key.removesuffix('_ratio')}", float(value)))
    return rows


def table(rows: list[tuple[str, float]]) -> str:
    """An RST list-table of the ratios."""
    out = [
        ".. list-table:: Ratios to the hand-written reference, one run",
        "   :header-rows: 1",
        "",
        "   * - figure",
        "     - ratio",
    ]
    for name, value in rows:
        out += [f"   * - ``{name}``", f"     - {value:.2f}"]
    return "\n".join(out) + "\n"


#: The chart's axis: ratios from 1/4 to 16 on a log scale (bars beyond it are cut, the value
#: printed beside them is exact). Ratios multiply, so 0.5x and 2x sit equally far from 1.0.
_AXIS = (-2, 4)  # log2 of the smallest and largest ratio drawn


def chart(rows: list[tuple[str, float]]) -> str:
    """A horizontal bar chart (SVG) of the ratios on a log scale: each bar runs from the
    reference (1.0, the dashed line) to its ratio, leftwards for a ratio below 1.0."""
    bar, gap, label_w, pad, unit = 14, 6, 430, 36, 64  # unit: pixels per doubling
    lo, hi = _AXIS
    top = 34  # room for the caption and the tick labels

    def x(ratio: float) -> float:
        return label_w + pad + (min(max(math.log2(ratio), lo), hi) - lo) * unit

    one = x(1.0)
    width = label_w + pad + (hi - lo) * unit + 48
    height = top + len(rows) * (bar + gap) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height}" font-family="sans-serif" font-size="11">',
        f'<text x="{label_w - 6}" y="12" text-anchor="end">each ratio to its reference, '
        "log scale: left of 1.0 is better, for rates right</text>",
    ]
    for power in range(lo, hi + 1):
        tick = x(2.0**power)
        parts.append(
            f'<line x1="{tick:.1f}" y1="{top - 6}" x2="{tick:.1f}" y2="{height - 4}" '
            'stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{tick:.1f}" y="{top - 10}" text-anchor="middle">{2.0**power:g}</text>'
        )
    for i, (name, value) in enumerate(rows):
        y = top + i * (bar + gap)
        colour = "#d08a2e" if "chanx213" in name else "#2e6fd0"
        end = x(value) if value > 0 else x(2.0**lo)
        left, right = min(one, end), max(one, end)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 11}" text-anchor="end">{html.escape(name)}</text>'
        )
        parts.append(
            f'<rect x="{left:.1f}" y="{y}" width="{max(right - left, 1.0):.1f}" '
            f'height="{bar}" fill="{colour}"/>'
        )
        label_x, anchor = (end - 4, "end") if end < one else (end + 4, "start")
        parts.append(
            f'<text x="{label_x:.1f}" y="{y + 11}" text-anchor="{anchor}">{value:.2f}</text>'
        )
    parts.append(
        f'<line x1="{one:.1f}" y1="{top - 6}" x2="{one:.1f}" y2="{height - 4}" stroke="#444" '
        'stroke-dasharray="4 3"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


TIMES = "\N{MULTIPLICATION SIGN}"
#: The telemetry table's columns after ``off``: (figure suffix, heading).
TELEMETRY_COLUMNS = (
    ("metrics", "metrics"),
    ("on_1pct", "metrics + 1% traced"),
    ("on_10pct", "+ 10% traced"),
    ("on_every_span", "+ every frame traced"),
)


def telemetry_table(figures: dict[str, Any]) -> str:
    """The ``telemetry`` benchmark's cases as RST list-tables.

    The first: ``off`` and each configuration as a ratio to it, from the in-process rounds.
    With ``CHANX_BENCH_BASE`` set, a second one compares this tree with that ref, each in
    fresh processes with nothing installed (two narrow tables read on a phone; one wide
    one would not).
    """
    cases = [key.removesuffix("_off_us") for key in figures if key.endswith("_off_us")]
    rows = [["case", "off", *(head for _, head in TELEMETRY_COLUMNS)]]
    for case in cases:
        rows.append(
            [
                _case_name(case),
                f"{figures[f'{case}_off_us']:.1f} µs",
                *(
                    f"{figures[f'{case}_{suffix}_ratio']:.2f}{TIMES}"
                    for suffix, _ in TELEMETRY_COLUMNS
                ),
            ]
        )
    out = _list_table("Telemetry on, as a ratio to off (CPU time per message)", rows)
    if all(f"{case}_off_vs_before" in figures for case in cases):
        rows = [["case", "before", "off", "off / before"]]
        for case in cases:
            rows.append(
                [
                    _case_name(case),
                    f"{figures[f'{case}_before_us']:.1f} µs",
                    f"{figures[f'{case}_off_fresh_us']:.1f} µs",
                    f"**{figures[f'{case}_off_vs_before']:.2f}{TIMES}**",
                ]
            )
        out += "\n" + _list_table("Telemetry off against the code before the hooks", rows)
    return out


def _case_name(case: str) -> str:
    name, _, mode = case.rpartition("_")
    return f"{name}, {mode}"


def _list_table(title: str, rows: list[list[str]]) -> str:
    out = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in rows:
        out += [("   * - " if i == 0 else "     - ") + cell for i, cell in enumerate(row)]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    """Write the table and the chart of a results file (``--docs``: copy them into the docs)."""
    args = [a for a in argv if a != "--docs"]
    source = Path(args[0]) if args else RESULTS / "latest.json"
    results = json.loads(source.read_text())
    rows = ratios(results)
    rst, svg = source.with_suffix(".rst"), source.with_suffix(".svg")
    rst.write_text(table(rows))
    svg.write_text(chart(rows))
    telemetry = source.with_name(f"{source.stem}-telemetry.rst")
    if results.get("telemetry"):
        telemetry.write_text(telemetry_table(results["telemetry"]))
    if "--docs" in argv:
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, DOCS / "results.json")
        shutil.copy(rst, DOCS / "results.rst")
        shutil.copy(svg, DOCS / "results.svg")
        if results.get("telemetry"):
            shutil.copy(telemetry, DOCS / "results-telemetry.rst")
    print(f"table and chart of {len(rows)} ratios written next to {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
