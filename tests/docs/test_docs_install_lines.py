"""Every install line the README shows is one the getting-started page shows (and CI runs).

scripts/check_quickstart.py runs each ``pip install`` line of the page's Installation section
in a fresh venv; the README's lines (run from the clone itself, so without ``./chanx``) must be
among them.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_install_lines_are_the_tested_ones() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("## Install", 1)[1]
    readme = readme.split("\n## ", 1)[0]
    shown = re.findall(r"^(pip install \./packages/.+?)\s*(?:#.*)?$", readme, re.M)
    page = (ROOT / "docs" / "getting-started.rst").read_text(encoding="utf-8")
    section = page.split("Installation\n------------", 1)[1].split("Quick start", 1)[0]
    tested = re.findall(r"^   (pip install \./chanx/packages/.+?)\s*(?:#.*)?$", section, re.M)
    assert len(shown) == 2
    assert len(tested) >= 4
    for line in shown:
        assert line.replace("./packages/", "./chanx/packages/") in tested
