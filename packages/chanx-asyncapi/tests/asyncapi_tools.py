"""External tools of the chanx-asyncapi tests, located or installed at test time.

Never committed: the official ``@asyncapi/parser`` is installed once with npm into a cache
directory, npm packages are fetched with ``npm pack``, Chromium is Debian's. Locally a missing
tool skips its tests; under ``CI=true`` it fails them.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent

#: The official parser, pinned: a new release must not change the verdict silently.
PARSER_PACKAGE = "@asyncapi/parser@3.6.6"
PARSE_SCRIPT = TESTS_DIR / "asyncapi_parse.cjs"
CHROMIUM = Path("/usr/bin/chromium")

ParseFn = Callable[..., list[dict[str, Any]]]


def missing(what: str) -> None:
    """Skip (locally) or fail (under ``CI=true``) for a missing tool."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not available")


def cache_dir(package: str) -> Path:
    """Where npm package ``package`` is kept between runs."""
    base = os.environ.get("CHANX_ASYNCAPI_NPM_DIR")
    if not base:
        base = str(
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chanx-asyncapi"
        )
    return Path(base) / package.replace("/", "_").replace("@", "")


def _npm(*args: str) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        missing("node and npm")
    result = subprocess.run(
        ["npm", *args], capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"npm {' '.join(args)} failed:\n{result.stderr[-2000:]}")


def install_parser(prefix: Path) -> None:
    """``npm install`` the pinned parser into ``prefix`` once (a file lock guards it)."""
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
    target = cache_dir(spec)
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
