"""scripts/check_docs_layout.py finds what scrolls sideways, in a real headless Chromium."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import check_docs_layout as layout  # scripts/ is on the tests' pythonpath
import pytest

ROOT = Path(__file__).resolve().parents[2]


CSS = (ROOT / "docs" / "_static" / "chanx.css").read_text()
LONG = "x" * 300


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is required in CI")
        pytest.skip("chromium is not installed")
    return path


def site(tmp_path: Path, css: str) -> Path:
    body = (
        f'<article><div class="highlight"><pre>{LONG}</pre></div>'
        f'<div class="table-wrapper"><table class="docutils"><tr><td><code class="literal">'
        f"{LONG}</code></td><td>when</td></tr></table></div></article>"
    )
    page = f"<!doctype html><html><head><style>{css}</style></head><body>{body}</body></html>"
    (tmp_path / "index.html").write_text(page)
    (tmp_path / "_modules").mkdir()
    (tmp_path / "_modules" / "skipped.html").write_text(f"<pre>{LONG}</pre>")
    return tmp_path


def test_long_code_and_tables_are_found_without_the_stylesheet(tmp_path: Path) -> None:
    plain = ".table-wrapper { overflow-x: auto; } pre { overflow: auto; }"
    problems = asyncio.run(layout.measure(site(tmp_path, plain), chromium()))
    for width in layout.WIDTHS:
        assert any(p.startswith(f"index.html @ {width}px: pre") for p in problems), problems
        assert any(p.startswith(f"index.html @ {width}px: table") for p in problems), problems
    assert not any("_modules" in p for p in problems)


def test_the_docs_stylesheet_makes_them_fit(tmp_path: Path) -> None:
    css = ".table-wrapper { overflow-x: auto; } pre { overflow: auto; }\n" + CSS
    assert asyncio.run(layout.measure(site(tmp_path, css), chromium())) == []
