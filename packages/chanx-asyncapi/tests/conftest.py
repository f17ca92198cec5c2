"""Fixtures of the chanx-asyncapi tests: the official parser and Chromium.

The helpers live in ``asyncapi_tools`` (a unique module name; ``conftest`` is not one).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:  # the kitchen-sink and helper modules are imported by name
    sys.path.insert(0, str(TESTS_DIR))

from asyncapi_tools import (  # noqa: E402
    CHROMIUM,
    PARSE_SCRIPT,
    PARSER_PACKAGE,
    ParseFn,
    cache_dir,
    install_parser,
    missing,
)


@pytest.fixture(scope="session")
def asyncapi_parser() -> ParseFn:
    """Parse files with the official ``@asyncapi/parser`` (one node process for all of them).

    Returns one verdict per file: ``{"file", "parsed", "errors": [...], "warnings": [...]}``.
    """
    if shutil.which("node") is None or shutil.which("npm") is None:
        missing("node and npm (for @asyncapi/parser)")
    prefix = cache_dir(PARSER_PACKAGE)
    install_parser(prefix)

    def parse(*paths: Path) -> list[dict[str, Any]]:
        result = subprocess.run(
            ["node", str(PARSE_SCRIPT), str(prefix), *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        lines = result.stdout.strip().splitlines()
        if result.returncode not in (0, 1) or len(lines) != len(paths):
            pytest.fail(f"the parser script crashed ({result.returncode}):\n{result.stderr}")
        return [json.loads(line) for line in lines]

    return parse


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's headless Chromium."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} (apt-get install chromium)")
    return CHROMIUM
