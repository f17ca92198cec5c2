"""Fixtures of the chanx-asyncapi tests: the kitchen-sink module, the official parser, Chromium.

External tools are located or installed here, at test time, never committed: the official
``@asyncapi/parser`` is installed once with npm into a cache directory, Chromium is Debian's.
Locally a missing tool skips its tests; under ``CI=true`` it fails them.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:  # the kitchen-sink module is imported by name
    sys.path.insert(0, str(TESTS_DIR))

#: The official parser, pinned: a new release must not change the verdict silently.
PARSER_PACKAGE = "@asyncapi/parser@3.6.6"
PARSE_SCRIPT = TESTS_DIR / "asyncapi_parse.cjs"
CHROMIUM = Path("/usr/bin/chromium")

ParseFn = Callable[..., list[dict[str, Any]]]


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not available")


def _cache_dir(package: str) -> Path:
    base = os.environ.get("CHANX_ASYNCAPI_NPM_DIR")
    if not base:
        base = str(
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chanx-asyncapi"
        )
    return Path(base) / package.replace("/", "_").replace("@", "")


def _npm(*args: str) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        _missing("node and npm")
    result = subprocess.run(
        ["npm", *args], capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"npm {' '.join(args)} failed:\n{result.stderr[-2000:]}")


def _install_parser(prefix: Path) -> None:
    prefix.mkdir(parents=True, exist_ok=True)
    marker = prefix / "node_modules" / "@asyncapi" / "parser" / "package.json"
    with open(prefix / ".lock", "w") as lock:  # concurrent test runs install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            _npm("install", "--no-audit", "--no-fund", "--prefix", str(prefix), PARSER_PACKAGE)
        if not marker.exists():
            pytest.fail(f"npm install {PARSER_PACKAGE} did not install the parser")


def npm_package_files(spec: str) -> Path:
    """The files of npm package ``spec`` (``name@version``), fetched with ``npm pack`` once."""
    target = _cache_dir(spec)
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        unpacked = target / "package"
        if not (unpacked / "package.json").exists():
            _npm("pack", "--silent", "--pack-destination", str(target), spec)
            tarballs = sorted(target.glob("*.tgz"))
            if not tarballs:
                pytest.fail(f"npm pack {spec} produced no tarball")
            with tarfile.open(tarballs[-1]) as tar:
                tar.extractall(target, filter="data")
        return unpacked


@pytest.fixture(scope="session")
def asyncapi_parser() -> ParseFn:
    """Parse files with the official ``@asyncapi/parser`` (one node process for all of them).

    Returns one verdict per file: ``{"file", "parsed", "errors": [...], "warnings": [...]}``.
    """
    if shutil.which("node") is None or shutil.which("npm") is None:
        _missing("node and npm (for @asyncapi/parser)")
    prefix = _cache_dir(PARSER_PACKAGE)
    _install_parser(prefix)

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
        _missing(f"{CHROMIUM} (apt-get install chromium)")
    return CHROMIUM
