"""Node tooling of the TypeScript tests: the pinned npm packages and a compiled test driver.

``tests/node/package.json`` + ``package-lock.json`` pin ``typescript``, ``ws`` and their types;
CI installs them with ``npm ci`` (.ci/steps/35-client-typescript.sh); a local run installs them
on first use. Without node/npm the tests are skipped locally and fail under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"


def missing(what: str) -> None:
    """Skip locally, fail in CI: the TypeScript client must be checked there."""
    message = f"{what} is needed for the TypeScript client tests"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def ensure_node_modules() -> Path:
    """``tests/node/node_modules`` (``npm ci`` when absent)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        missing("node and npm")
    modules = NODE_DIR / "node_modules"
    if not (modules / ".bin" / "tsc").exists():
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"npm ci failed:\n{result.stderr[-2000:]}")
    return modules


def compile_driver(out: Path) -> subprocess.CompletedProcess[str]:
    """Run ``tsc --strict`` over the generated client and the driver, emitting into ``out``."""
    modules = ensure_node_modules()
    result = subprocess.run(
        [
            str(modules / ".bin" / "tsc"),
            "-p",
            str(NODE_DIR / "tsconfig.json"),
            "--outDir",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # The emitted ES modules need a module-type package.json and the ws package beside them.
    (out / "package.json").write_text(json.dumps({"type": "module"}))
    link = out / "node_modules"
    if not link.exists():
        link.symlink_to(modules, target_is_directory=True)
    return result
