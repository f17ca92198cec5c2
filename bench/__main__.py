"""Run the benchmark suite: ``hatch run bench:run [NAME ...]``.

Each ``bench/bench_<name>.py`` module exposes ``main()`` returning a dict of figures; this
runner calls the selected ones (all by default), each in a fresh interpreter of its own, and
writes ``bench/results/latest.json`` and ``bench/results/latest.md``, then the docs' table and
chart of the same run (:mod:`bench.report`).

A fresh interpreter per benchmark, because what one leaves behind moves another's figures:
run after the others in one process, the topic publish to 1,000 subscribers measured 1.36x
the loop; alone, 1.27-1.29x in three runs (the heap the earlier benchmarks grew, not the
code, made the difference).
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def available() -> list[str]:
    """Names of the benchmark modules, without the ``bench_`` prefix."""
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(HERE)])
        if m.name.startswith("bench_")
    )


def run_alone(name: str) -> Any:
    """``bench.bench_<name>.main()`` in a new interpreter; its printout passes through."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        code = (
            "import json, sys\n"
            f"from bench.bench_{name} import main\n"
            "figures = main()\n"
            "with open(sys.argv[1], 'w') as f:\n"
            "    json.dump(figures, f, default=str)\n"
        )
        # from the repository root, where ``bench`` is importable whatever the caller's cwd
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, cwd=HERE.parent)
        return json.loads(out.read_text())


def main(argv: list[str]) -> int:
    """Run the named benchmarks and write the results."""
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {available()}", file=sys.stderr)
        return 2
    results: dict[str, Any] = {}
    for name in names:
        results[name] = run_alone(name)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    lines = ["| benchmark | figure | value |", "|---|---|---|"]
    for name, figures in results.items():
        for key, value in (figures or {}).items():
            shown = f"{value:.2f}" if isinstance(value, float) else str(value)
            lines.append(f"| {name} | {key} | {shown} |")
    (out / "latest.md").write_text("\n".join(lines) + "\n")
    from bench import report

    report.main([str(out / "latest.json")])
    print(f"results written to {out / 'latest.json'} and {out / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
