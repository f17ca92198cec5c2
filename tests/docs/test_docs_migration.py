"""The "Coming from chanx 2.x" page: every name it lists is importable from the path it gives."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "migration.rst").read_text()
_EXAMPLE = ROOT / "examples" / "django_chat"


def _rows() -> list[tuple[str, list[str]]]:
    table = PAGE.split("Names and where they live", 1)[1].split("What differs", 1)[0]
    rows = re.findall(r"   \* - ``([\w.]+)``\n     - (.*?)\n     -", table, re.S)
    return [(module, re.findall(r"``(\w+)``", names)) for module, names in rows]


ROWS = _rows()


def test_the_table_lists_the_documented_modules() -> None:
    assert len(ROWS) >= 30
    assert all(names for _, names in ROWS)


@pytest.mark.parametrize(("module", "names"), ROWS, ids=[m for m, _ in ROWS])
def test_every_listed_name_is_importable(module: str, names: list[str]) -> None:
    if module.startswith("chanx.channels"):
        if str(_EXAMPLE) not in sys.path:
            sys.path.insert(0, str(_EXAMPLE))
        from django_chat import testsetup

        testsetup.setup()
    imported = importlib.import_module(module)
    missing = [name for name in names if not hasattr(imported, name)]
    assert missing == [], f"{module} lacks {missing}"
